"""The load generator of bench/latency.py: N phones and N viewers in one asyncio process (uvloop if present).

Phone i sends batch k at its intended time start + i/N·100 ms + (k+1)·100 ms (phones are spread over the
100 ms period, as real phones are not synchronised); the batch's last sample has `t_ms` = that intended time
(wall clock, ms). Its viewer measures receive time − `t_ms`. Only batches intended inside the measured window
count. Reads the server's VmRSS and CPU time from /proc.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

BATCH_S = 0.1
SAMPLES_PER_BATCH = 10
SETUP_CONCURRENCY = 50
DRAIN_S = 30.0  # after the last send, wait at most this long for viewers to receive everything


@dataclass
class Stats:
    window_ms: tuple[float, float] = (0.0, 0.0)
    latency_ms: list[float] = field(default_factory=list)
    ack_ms: list[float] = field(default_factory=list)
    send_lag_ms: list[float] = field(default_factory=list)
    expected: int = 0
    delivered: int = 0
    acks: int = 0
    viewer_disconnects: int = 0
    phone_disconnects: int = 0

    def counts(self, t_ms: float) -> bool:
        return self.window_ms[0] <= t_ms < self.window_ms[1]


def proc_rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def cpu_busy_s(cpu: int) -> float:
    """Seconds CPU `cpu` has been busy (anything but idle and iowait), from /proc/stat."""
    for line in Path("/proc/stat").read_text().splitlines():
        if line.startswith(f"cpu{cpu} "):
            ticks = [int(value) for value in line.split()[1:]]
            return (sum(ticks[:8]) - ticks[3] - ticks[4]) / os.sysconf("SC_CLK_TCK")
    return float("nan")


def clocks(pids: tuple[int, int]) -> list[float]:
    """CPU seconds of the server and of this generator, and busy seconds of CPU 0 and CPU 1 (their pins)."""
    return [proc_cpu_s(pids[0]), proc_cpu_s(pids[1]), cpu_busy_s(0), cpu_busy_s(1)]


def proc_cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def batch_frame(seq: int, send_ms: float) -> str:
    first = send_ms - (SAMPLES_PER_BATCH - 1) * 10.0
    rows = [[first + 10.0 * j, 0.01 * j, -0.02, 9.81 + 0.001 * j] for j in range(SAMPLES_PER_BATCH)]
    return orjson.dumps({"type": "samples", "seq": seq, "samples": rows}).decode()


async def handshake(ws_url: str, hello: dict[str, Any]) -> ClientConnection:
    ws = await connect(ws_url, compression=None, max_size=None, open_timeout=60)
    await ws.send(orjson.dumps(hello).decode())
    ready = orjson.loads(await asyncio.wait_for(ws.recv(), 60))
    if ready.get("type") != "ready":
        raise RuntimeError(f"no ready: {ready}")
    return ws


async def viewer(ws_url: str, token: str, ws: ClientConnection, stats: Stats, stop: asyncio.Event) -> None:
    """Count every batch once; after a 1013 (too slow) reconnect with `since` as a real viewer does."""
    last_seq = -1
    while True:
        try:
            async for raw in ws:
                now_ms = time.time() * 1000.0
                message = orjson.loads(raw)
                if message.get("type") == "samples":
                    last_seq = message["seq"]
                    t_ms = message["samples"][-1][0]
                    if stats.counts(t_ms):
                        stats.delivered += 1
                        stats.latency_ms.append(now_ms - t_ms)
        except ConnectionClosed:
            pass
        if stop.is_set():
            return
        stats.viewer_disconnects += 1
        ws = await handshake(ws_url, {"type": "hello", "token": token, "since": last_seq + 1})


async def phone_acks(ws: ClientConnection, sent_ms: dict[int, float], stats: Stats) -> None:
    try:
        async for raw in ws:
            message = orjson.loads(raw)
            send_ms = sent_ms.pop(message["seq"], None) if message.get("type") == "ack" else None
            if send_ms is not None and stats.counts(send_ms):
                stats.acks += 1
                stats.ack_ms.append(time.time() * 1000.0 - send_ms)
    except ConnectionClosed:
        pass


async def phone(ws: ClientConnection, phase_s: float, start: float, end: float, stats: Stats) -> asyncio.Task:
    """Send 10 samples every 100 ms from `start + phase_s` (monotonic s) until `end`; return the ack reader,
    still running, so late acks are counted until the caller stops it."""
    wall_minus_mono = time.time() - time.monotonic()
    sent_ms: dict[int, float] = {}
    reader = asyncio.create_task(phone_acks(ws, sent_ms, stats))
    seq = 0
    try:
        while (due := start + phase_s + (seq + 1) * BATCH_S) < end:
            if (delay := due - time.monotonic()) > 0:
                await asyncio.sleep(delay)
            send_ms = (due + wall_minus_mono) * 1000.0
            sent_ms[seq] = send_ms
            await ws.send(batch_frame(seq, send_ms))
            if stats.counts(send_ms):
                stats.expected += 1
                stats.send_lag_ms.append((time.monotonic() - due) * 1000.0)
            seq += 1
    except ConnectionClosed:
        stats.phone_disconnects += 1
    return reader


async def bounded(limit: int, coroutines: list) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


async def measure(server: str, phones: int, duration_s: float, warmup_s: float, server_pid: int) -> dict:
    ws_base = "ws://" + server.removeprefix("http://")
    async with httpx.AsyncClient(base_url=server, timeout=60) as client:

        async def create() -> dict:
            response = await client.post("/api/v1/sessions", json={"label": "bench"})
            response.raise_for_status()
            return response.json()

        sessions = await bounded(SETUP_CONCURRENCY, [create() for _ in range(phones)])
        rss_before = proc_rss_kib(server_pid)
        setup_started = time.monotonic()
        viewers = await bounded(
            SETUP_CONCURRENCY,
            [handshake(ws_base + s["watchUrl"], {"type": "hello", "token": s["viewerToken"]}) for s in sessions],
        )
        phone_sockets = await bounded(
            SETUP_CONCURRENCY,
            [handshake(ws_base + s["captureUrl"], {"type": "hello", "token": s["patientToken"]}) for s in sessions],
        )
        connect_s = time.monotonic() - setup_started
        await asyncio.sleep(1.0)
        rss_after = proc_rss_kib(server_pid)
        stats, stop = Stats(), asyncio.Event()
        start = time.monotonic() + 0.5
        end = start + warmup_s + duration_s
        window_start_ms = (time.time() + 0.5 + warmup_s) * 1000.0
        stats.window_ms = (window_start_ms, window_start_ms + duration_s * 1000.0)
        watchers = [
            asyncio.create_task(viewer(ws_base + s["watchUrl"], s["viewerToken"], ws, stats, stop))
            for s, ws in zip(sessions, viewers, strict=True)
        ]
        senders = [
            asyncio.create_task(phone(ws, i / phones * BATCH_S, start, end, stats))
            for i, ws in enumerate(phone_sockets)
        ]
        await asyncio.sleep(max(0.0, start + warmup_s - time.monotonic()))
        cpu_before, measured_from = clocks((server_pid, os.getpid())), time.monotonic()
        await asyncio.sleep(duration_s)
        cpu_after, measured_s = clocks((server_pid, os.getpid())), time.monotonic() - measured_from
        readers = await asyncio.gather(*senders)
        drain_until = time.monotonic() + DRAIN_S
        while stats.delivered < stats.expected and time.monotonic() < drain_until:
            await asyncio.sleep(0.2)  # late batches still count for reach; latency shows how late
        stop.set()
        for task in [*watchers, *readers]:
            task.cancel()
        closing = asyncio.gather(*(ws.close() for ws in [*viewers, *phone_sockets]), return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(closing, 15.0)  # an overloaded server must not stall the bench

        async def batch_count(s: dict) -> int:
            headers = {"Authorization": f"Bearer {s['viewerToken']}"}
            return int((await client.get(f"/api/v1/sessions/{s['sessionId']}", headers=headers)).json()["batchCount"])

        stored = sum(await bounded(SETUP_CONCURRENCY, [batch_count(s) for s in sessions]))
    return summarize(
        stats,
        phones,
        duration_s,
        warmup_s,
        stored,
        (rss_after - rss_before) / (2 * phones),
        [(a - b) / measured_s for a, b in zip(cpu_after, cpu_before, strict=True)],
        connect_s,
    )


def summarize(
    stats: Stats,
    phones: int,
    duration_s: float,
    warmup_s: float,
    stored: int,
    kib_per_conn: float,
    cpu: list[float],
    connect_s: float,
) -> dict:
    def pct(values: list[float], q: float) -> float:
        return float(np.percentile(values, q)) if values else float("nan")

    return {
        "phones": phones,
        "latency_p50_ms": pct(stats.latency_ms, 50),
        "latency_p99_ms": pct(stats.latency_ms, 99),
        "latency_max_ms": max(stats.latency_ms, default=float("nan")),
        "reach": stats.delivered / stats.expected if stats.expected else float("nan"),
        "stored_batches_per_s": stored / (warmup_s + duration_s),
        "acks_per_s": stats.acks / duration_s,
        "ack_p99_ms": pct(stats.ack_ms, 99),
        "rss_kib_per_connection": kib_per_conn,
        "server_cpu": cpu[0],
        "generator_cpu": cpu[1],
        "others_on_server_cpu": max(0.0, cpu[2] - cpu[0]),  # other processes on CPU 0 meanwhile
        "others_on_generator_cpu": max(0.0, cpu[3] - cpu[1]),
        "send_lag_p99_ms": pct(stats.send_lag_ms, 99),
        "viewer_disconnects": stats.viewer_disconnects,
        "phone_disconnects": stats.phone_disconnects,
        "expected_batches": stats.expected,
        "delivered_batches": stats.delivered,
        "connect_s": connect_s,
    }


def run_load(server: str, phones: int, duration_s: float, warmup_s: float, server_pid: int) -> dict:
    try:
        import uvloop
    except ImportError:
        return asyncio.run(measure(server, phones, duration_s, warmup_s, server_pid))
    return uvloop.run(measure(server, phones, duration_s, warmup_s, server_pid))
