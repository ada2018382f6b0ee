"""What the generator reads besides its sockets: the servers' /metrics, their CPU time and RSS from /proc, and
how busy each pinned CPU was (to tell a quiet machine from a shared one). The /proc readers are the latency
bench's (bench/latency_load.py)."""

from __future__ import annotations

import os
from dataclasses import dataclass

import httpx
import numpy as np
from latency_load import cpu_busy_s, proc_cpu_s, proc_rss_kib

__all__ = ["Clocks", "cpu_busy_s", "percentiles", "proc_rss_kib", "redis_pid", "scrape"]


async def scrape(client: httpx.AsyncClient, url: str) -> dict[str, float]:
    """A server's /metrics as {'name{labels}': value} (comments and histograms' buckets skipped)."""
    response = await client.get(url + "/metrics")
    response.raise_for_status()
    values: dict[str, float] = {}
    for line in response.text.splitlines():
        if line and not line.startswith("#") and "_bucket{" not in line:
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def metric(values: dict[str, float], name: str) -> float:
    return values.get(name, 0.0)


def redis_pid() -> int | None:
    """The local redis-server's pid (to count its CPU in the two-process scenario), if there is one."""
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as comm:
                    if comm.read().strip() == "redis-server":
                        return int(entry)
            except OSError:
                continue
    return None


@dataclass
class Clocks:
    """CPU seconds of the given processes and busy seconds of CPUs 0 and 1, at one moment."""

    process_s: list[float]
    busy_s: list[float]

    @classmethod
    def now(cls, pids: list[int]) -> Clocks:
        return cls([_cpu_or_nan(pid) for pid in pids], [cpu_busy_s(0), cpu_busy_s(1)])

    def rates(self, earlier: Clocks, seconds: float) -> tuple[list[float], list[float]]:
        """Per wall second since `earlier`: each process's CPU (1 = one core), and each CPU's busy share."""
        processes = [(a - b) / seconds for a, b in zip(self.process_s, earlier.process_s, strict=True)]
        busy = [(a - b) / seconds for a, b in zip(self.busy_s, earlier.busy_s, strict=True)]
        return processes, busy


def _cpu_or_nan(pid: int) -> float:
    try:
        return proc_cpu_s(pid)
    except OSError:
        return float("nan")


def percentiles(values: object, qs: tuple[float, ...] = (50, 99, 99.9)) -> list[float]:
    data = np.frombuffer(values, dtype=np.float64) if isinstance(values, (bytes, bytearray, memoryview)) else values
    array = np.asarray(data, dtype=np.float64)
    if array.size == 0:
        return [float("nan")] * (len(qs) + 1)
    return [float(v) for v in np.percentile(array, qs)] + [float(array.max())]
