"""Storage throughput: phones send big batches as fast as their acks allow (a few in flight each), and the
samples acked per second are what the database stored durably — an ack means committed."""

from __future__ import annotations

import asyncio
import time
from array import array

import httpx

from load.clients import SAMPLE_STEP_MS
from load.probes import percentiles
from load.wire import Socket, open_socket


class StoragePhone:
    """Keeps `in_flight` batches of `samples` samples unacknowledged; sends the next one on each ack."""

    def __init__(self, session: dict, samples: int, in_flight: int) -> None:
        self.session, self.samples, self.in_flight = session, samples, in_flight
        self.sock: Socket | None = None
        self.seq = 0
        self.t_ms = time.time() * 1000.0 - 3_600_000.0  # an hour back: far more than a run sends, within skew
        self.sent_at: dict[int, float] = {}
        self.counting = False
        self.acked_samples = 0
        self.ack_ms = array("d")
        self.errors = 0

    async def connect(self, server: tuple[str, int]) -> None:
        hello = b'{"type":"hello","token":"%s"}' % self.session["patientToken"].encode()
        self.sock, _ready = await open_socket(*server, self.session["captureUrl"], hello, self.on_text)

    def start(self) -> None:
        for _ in range(self.in_flight):
            self.send_next()

    def send_next(self) -> None:
        if self.sock is None or not self.sock.is_open:
            return
        step = SAMPLE_STEP_MS
        rows = ",".join(f"[{self.t_ms + step * j:.3f},0.01,-0.02,9.81]" for j in range(self.samples))
        self.t_ms += step * self.samples
        self.sent_at[self.seq] = time.monotonic()
        self.sock.send(b'{"type":"samples","seq":%d,"samples":[%s]}' % (self.seq, rows.encode()))
        self.seq += 1

    def on_text(self, payload: bytes) -> None:
        if not payload.startswith(b'{"type":"ack","seq":'):
            self.errors += 1
            return
        sent = self.sent_at.pop(int(payload[20:-1]), None)
        if self.counting and sent is not None:
            self.acked_samples += self.samples
            self.ack_ms.append((time.monotonic() - sent) * 1000.0)
        self.send_next()


async def run_storage(spec: dict) -> dict:
    from load.scenarios import Run, address, bounded, create_sessions

    async with httpx.AsyncClient(base_url=spec["servers"][0]["url"], timeout=60) as client:
        run = Run(spec, client)
        sessions = await create_sessions(client, spec["phones"])
        phones = [StoragePhone(s, spec["samples_per_batch"], spec["in_flight"]) for s in sessions]
        await bounded(100, [p.connect(address(run.urls[0])) for p in phones])
        for phone in phones:
            phone.start()
        await asyncio.sleep(spec["warmup_s"])
        for phone in phones:
            phone.counting = True
        metrics_before, clocks_before, started = await run.metrics(), run.clocks(), time.monotonic()
        await asyncio.sleep(spec["duration_s"])
        for phone in phones:
            phone.counting = False
        clocks_after, measured_s = run.clocks(), time.monotonic() - started
        metrics_after = await run.metrics()
        run.record_cpu(clocks_before, clocks_after, measured_s)
        disconnects = sum(1 for p in phones if p.sock is not None and p.sock.closed.done())
        for phone in phones:
            if phone.sock is not None:
                phone.sock.abort()
        acked = sum(p.acked_samples for p in phones)
        ack_ms = array("d")
        for phone in phones:
            ack_ms.extend(phone.ack_ms)
        p50, p99, _p999, top = percentiles(ack_ms)
        stored = metrics_after[0].get("openscg_samples_stored_total", 0.0)
        stored -= metrics_before[0].get("openscg_samples_stored_total", 0.0)
        run.result.update(
            backend=spec.get("backend", "sqlite"),
            phones=spec["phones"],
            samples_per_batch=spec["samples_per_batch"],
            in_flight=spec["in_flight"],
            samples_acked_per_s=acked / measured_s,
            samples_stored_per_s=stored / measured_s,
            batches_acked_per_s=acked / spec["samples_per_batch"] / measured_s,
            ack_p50_ms=p50,
            ack_p99_ms=p99,
            ack_max_ms=top,
            errors=sum(p.errors for p in phones),
            phone_disconnects=disconnects,
            rss_kib=run.rss_kib(),
        )
        return run.result
