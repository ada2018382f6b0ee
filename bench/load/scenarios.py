"""The generator process: plays one run of one scenario against servers already started, prints one JSON line.

Kinds: `stream` (N phones open-loop, M viewers per phone, some of them maybe stalled; optionally the viewers on
a second server and one reference viewer per phone on the first), `reconnect` (every viewer drops at once and
comes back with `since`), `storage` (phones send big batches as fast as their acks allow).
"""

from __future__ import annotations

import asyncio
import os
import time
from array import array
from typing import Any
from urllib.parse import urlsplit

import httpx

from load.clients import Phone, Tally, Viewer, play
from load.probes import Clocks, metric, percentiles, proc_rss_kib, redis_pid, scrape
from load.stall import stall_result, watch_closes

SETUP_CONCURRENCY = 100


async def bounded(limit: int, coroutines: list) -> list:
    gate = asyncio.Semaphore(limit)

    async def one(coroutine: Any) -> Any:
        async with gate:
            return await coroutine

    return await asyncio.gather(*(one(c) for c in coroutines))


def address(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", int(parts.port or 80)


async def create_sessions(client: httpx.AsyncClient, count: int) -> list[dict]:
    async def create() -> dict:
        response = await client.post("/api/v1/sessions", json={"label": "bench-load"})
        response.raise_for_status()
        return response.json()

    return await bounded(SETUP_CONCURRENCY, [create() for _ in range(count)])


def summary(tally: Tally, expected: int) -> dict:
    p50, p99, p999, top = percentiles(tally.latency_ms)
    return {
        "reach": tally.delivered / expected if expected else float("nan"),
        "delivered": tally.delivered,
        "expected": expected,
        "p50_ms": p50,
        "p99_ms": p99,
        "p999_ms": p999,
        "max_ms": top,
        "gaps": tally.gaps,
        "duplicates": tally.duplicates,
        "reconnects": tally.reconnects,
        "closes": {str(code): n for code, n in tally.closes.items()},
    }


class Run:
    """Shared bookkeeping of one run: servers, clocks, RSS, metrics before/after."""

    def __init__(self, spec: dict, client: httpx.AsyncClient) -> None:
        self.spec, self.client = spec, client
        self.urls = [server["url"] for server in spec["servers"]]
        self.pids = [server["pid"] for server in spec["servers"]]
        self.extra_pid = redis_pid() if spec.get("count_redis") else None
        self.result: dict[str, Any] = {"kind": spec["kind"], "label": spec.get("label", "")}

    def rss_kib(self) -> list[int]:
        return [proc_rss_kib(pid) for pid in self.pids]

    def clocks(self) -> Clocks:
        pids = [*self.pids, os.getpid()] + ([self.extra_pid] if self.extra_pid else [])
        return Clocks.now(pids)

    async def metrics(self) -> list[dict[str, float]]:
        return [await scrape(self.client, url) for url in self.urls]

    def record_cpu(self, before: Clocks, after: Clocks, seconds: float) -> None:
        """CPU of each server and of this generator, and what other processes used of CPUs 0 and 1."""
        processes, busy = after.rates(before, seconds)
        count = len(self.pids)
        servers, generator = processes[:count], processes[count]
        self.result.update(server_cpu=servers, generator_cpu=generator)
        if self.extra_pid:
            self.result["redis_cpu"] = processes[-1]
        server_cpus, generator_cpu = self.spec.get("server_cpus", [0]), self.spec.get("generator_cpu")
        others = []
        for cpu in (0, 1):
            ours = sum(load for load, pin in zip(servers, server_cpus, strict=False) if pin == cpu)
            ours += generator if generator_cpu == cpu else 0.0
            others.append(max(0.0, busy[cpu] - ours))
        self.result["others_cpu"] = others


async def stream(spec: dict) -> dict:
    """N phones (on server 0), M viewers each (on server `viewer_server`), `stalled` of them stalled."""
    async with httpx.AsyncClient(base_url=spec["servers"][0]["url"], timeout=60) as client:
        run = Run(spec, client)
        sessions = await create_sessions(client, spec["phones"])
        rss_before = run.rss_kib()
        phones_tally, viewers_tally, stalled_tally, reference_tally = Tally(), Tally(), Tally(), Tally()
        on = address(run.urls[spec.get("viewer_server", 0)])
        viewers: list[Viewer] = []
        for session in sessions:
            for j in range(spec["viewers"]):
                stalled = j < spec.get("stalled", 0)
                viewers.append(Viewer(on, session, stalled_tally if stalled else viewers_tally, stalled))
            if spec.get("reference_viewer"):
                viewers.append(Viewer(address(run.urls[0]), session, reference_tally))
        phones = [Phone(session, phones_tally) for session in sessions]
        started = time.monotonic()
        await bounded(SETUP_CONCURRENCY, [v.connect() for v in viewers])
        await bounded(SETUP_CONCURRENCY, [p.connect(address(run.urls[0])) for p in phones])
        run.result["connect_s"] = time.monotonic() - started
        await asyncio.sleep(1.0)
        rss_idle = run.rss_kib()
        sockets = len(viewers) + len(phones)
        run.result["kib_per_connection_idle"] = (sum(rss_idle) - sum(rss_before)) / sockets
        watching = [asyncio.create_task(v.keep_watching()) for v in viewers]
        warmup_s, duration_s = spec["warmup_s"], spec["duration_s"]
        start = time.monotonic() + 0.2
        end = start + warmup_s + duration_s
        window_ms = ((time.time() + 0.2 + warmup_s) * 1000.0, (time.time() + 0.2 + warmup_s + duration_s) * 1000.0)
        for tally in (phones_tally, viewers_tally, stalled_tally, reference_tally):
            tally.window_ms = window_ms
        lag_ms = array("d")
        player = asyncio.create_task(play(phones, start, end, lag_ms, window_ms))
        await asyncio.sleep(max(0.0, start + warmup_s - time.monotonic()))
        metrics_before, clocks_before, measured_from = await run.metrics(), run.clocks(), time.monotonic()
        stall_watch, stall_timeline = None, []
        if spec.get("stalled"):
            for v in viewers:
                if v.stalled and v.sock is not None:
                    v.sock.stall()
            stall_watch = asyncio.create_task(watch_closes(run, time.monotonic(), stall_timeline))
        rss_track = asyncio.create_task(track_rss(run, spec.get("rss_every_s", 5.0)))
        sent_in_window = await player
        clocks_after, measured_s = run.clocks(), time.monotonic() - measured_from
        rss_track.cancel()
        run.result["rss_track_kib"] = await _result_or(rss_track, [])
        rss_streaming = run.rss_kib()
        await drain(spec, viewers, sent_in_window, time.monotonic() + spec.get("drain_s", 5.0))
        metrics_after = await run.metrics()
        run.record_cpu(clocks_before, clocks_after, measured_s)
        if stall_watch is not None:
            run.result["stall"] = await stall_result(stall_watch, stall_timeline, viewers, spec)
        for v in viewers:
            v.running = False
        for task in watching:
            task.cancel()
        for sock in [v.sock for v in viewers] + [p.sock for p in phones]:
            if sock is not None:
                sock.abort()
        live_viewers = spec["viewers"] - spec.get("stalled", 0)
        run.result.update(
            phones=spec["phones"],
            viewers_per_phone=spec["viewers"],
            measured_s=measured_s,
            duration_s=duration_s,
            sent_in_window=sent_in_window,
            viewers=summary(viewers_tally, sent_in_window * live_viewers),
            acks_per_s=sum(p.acks for p in phones) / duration_s,
            ack_p99_ms=percentiles(_joined([p.ack_ms for p in phones]))[1],
            generator_lag_p99_ms=percentiles(lag_ms)[1],
            rss_kib=rss_streaming,
            rss_before_kib=rss_before,
            kib_per_connection_streaming=(sum(rss_streaming) - sum(rss_before)) / sockets,
            phone_disconnects=sum(1 for p in phones if p.sock is not None and not p.sock.is_open),
            metrics_delta=_delta(metrics_before, metrics_after),
        )
        if spec.get("reference_viewer"):
            run.result["reference"] = summary(reference_tally, sent_in_window)
        return run.result


async def drain(spec: dict, viewers: list[Viewer], sent: int, until: float) -> None:
    """Late batches still count for reach (latency shows how late): wait for them, up to `until`."""
    live = spec["viewers"] - spec.get("stalled", 0) + (1 if spec.get("reference_viewer") else 0)
    while time.monotonic() < until:
        delivered = sum({id(v.tally): v.tally.delivered for v in viewers if not v.stalled}.values())
        if delivered >= sent * live:
            return
        await asyncio.sleep(0.2)


async def track_rss(run: Run, every_s: float) -> list[list[float]]:
    """[seconds since start, RSS KiB of each server] every `every_s` (for the soak)."""
    track: list[list[float]] = []
    started = time.monotonic()
    try:
        while True:
            track.append([round(time.monotonic() - started, 1), *run.rss_kib()])
            await asyncio.sleep(every_s)
    except asyncio.CancelledError:
        return track


async def _result_or(task: asyncio.Task, default: Any) -> Any:
    try:
        return await task
    except asyncio.CancelledError:
        return default


def _joined(arrays: list[array]) -> array:
    joined = array("d")
    for part in arrays:
        joined.extend(part)
    return joined


def _delta(before: list[dict[str, float]], after: list[dict[str, float]]) -> list[dict[str, float]]:
    wanted = ("openscg_queue_drops_total", "openscg_deliveries_total", "openscg_samples_stored_total")
    deltas = []
    for b, a in zip(before, after, strict=True):
        entry = {name: metric(a, name) - metric(b, name) for name in wanted}
        for name in a:
            if name.startswith("openscg_ws_closes_total"):
                entry[name] = a[name] - b.get(name, 0.0)
        deltas.append(entry)
    return deltas


def run_spec(spec: dict) -> dict:
    """Play one run (in the generator process) on uvloop and return its measurements."""
    import uvloop

    from load.reconnect import run_reconnect
    from load.storage import run_storage

    kinds = {"stream": stream, "storage": run_storage, "reconnect": run_reconnect}
    return uvloop.run(kinds[spec["kind"]](spec))
