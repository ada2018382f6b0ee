"""Simulated phones and viewers, and what they count.

A phone plays 100 Hz as 20 batches a second of 5 samples, open-loop: batch k of a phone is *intended* at
start + phase + k · 50 ms and is sent then whatever happened to earlier batches; its last sample's `t_ms` is
that intended time (wall clock, ms). A viewer's latency is its receive time − that `t_ms`, so a generator or a
server that falls behind adds to the latency instead of hiding it. Only batches intended inside the measured
window count. Frames are read with a few byte searches, not a JSON parser (see wire.py for why).
"""

from __future__ import annotations

import asyncio
import time
from array import array
from dataclasses import dataclass, field

from load.wire import Socket, open_socket

BATCH_S = 0.05
SAMPLES_PER_BATCH = 5
SAMPLE_STEP_MS = 10.0
STALLED_RECEIVE_BUFFER = 4096  # so what a stalled viewer holds is held by the server, not by its own kernel
SAMPLES_PREFIX = b'{"type":"samples","seq":'


@dataclass
class Tally:
    """What one group of viewers (or the phones) saw inside the measured window."""

    window_ms: tuple[float, float] = (float("inf"), float("inf"))
    latency_ms: array = field(default_factory=lambda: array("d"))
    delivered: int = 0
    duplicates: int = 0  # a seq received twice by the same viewer
    gaps: int = 0  # a seq received before an earlier one it had not received
    reconnects: int = 0
    closes: dict[int, int] = field(default_factory=dict)

    def counts(self, t_ms: float) -> bool:
        return self.window_ms[0] <= t_ms < self.window_ms[1]


def batch_payload(seq: int, intended_ms: float, samples: int = SAMPLES_PER_BATCH) -> bytes:
    """A `samples` message whose last sample's t_ms is the intended send time."""
    first = intended_ms - (samples - 1) * SAMPLE_STEP_MS
    rows = ",".join(f"[{first + SAMPLE_STEP_MS * j:.3f},0.01,-0.02,9.81]" for j in range(samples))
    return b'{"type":"samples","seq":%d,"samples":[%s]}' % (seq, rows.encode())


def parse_samples(payload: bytes) -> tuple[int, float] | None:
    """(seq, last sample's t_ms) of a `samples` frame; None for any other message."""
    if not payload.startswith(SAMPLES_PREFIX):
        return None
    end = payload.index(b",", 24)
    last = payload.rfind(b"[")
    return int(payload[24:end]), float(payload[last + 1 : payload.index(b",", last)])


class Viewer:
    """One watch socket: counts each batch once, in order; reconnects with `since` after a close (as the
    viewer app does), unless it is a stalled viewer (which stops reading and stays gone once closed)."""

    def __init__(self, server: tuple[str, int], session: dict, tally: Tally, stalled: bool = False) -> None:
        self.server, self.session, self.tally, self.stalled = server, session, tally, stalled
        self.next_seq = 0
        self.sock: Socket | None = None
        self.frames_after_stall = 0
        self.caught_up_at = 0.0  # monotonic s when it first received a batch intended after `resume_ms`
        self.resume_ms = float("inf")
        self.running = True

    async def connect(self, since: int | None = None) -> None:
        hello = b'{"type":"hello","token":"%s"' % self.session["viewerToken"].encode()
        hello += (b',"since":%d}' % since) if since is not None else b"}"
        small = STALLED_RECEIVE_BUFFER if self.stalled else 0
        path = self.session["watchUrl"]
        self.sock, _ready = await open_socket(*self.server, path, hello, self.on_text, receive_buffer=small)

    def on_text(self, payload: bytes) -> None:
        now_ms = time.time() * 1000.0
        parsed = parse_samples(payload)
        if parsed is None:
            return
        seq, t_ms = parsed
        tally = self.tally
        if self.stalled:
            self.frames_after_stall += 1
            return
        if seq < self.next_seq:
            tally.duplicates += 1
            return
        if seq > self.next_seq:
            tally.gaps += 1
        self.next_seq = seq + 1
        if t_ms >= self.resume_ms and not self.caught_up_at:
            self.caught_up_at = time.monotonic()
        if tally.counts(t_ms):
            tally.delivered += 1
            tally.latency_ms.append(now_ms - t_ms)

    async def keep_watching(self) -> None:
        """Reconnect with since = next_seq whenever the server closes this socket (1013, restart, …)."""
        while self.running and self.sock is not None:
            code = await self.sock.closed
            self.tally.closes[code] = self.tally.closes.get(code, 0) + 1
            if not self.running or self.stalled:
                return
            self.tally.reconnects += 1
            try:
                await self.connect(since=self.next_seq)
            except (OSError, ConnectionError, TimeoutError):
                await asyncio.sleep(0.5)


class Phone:
    """One capture socket, open-loop: `send_due` sends batch k at its intended time; acks are timed."""

    def __init__(self, session: dict, tally: Tally) -> None:
        self.session, self.tally = session, tally
        self.sock: Socket | None = None
        self.intended_ms: dict[int, float] = {}
        self.ack_ms = array("d")
        self.acks = 0
        self.seq = 0

    async def connect(self, server: tuple[str, int]) -> None:
        hello = b'{"type":"hello","token":"%s"}' % self.session["patientToken"].encode()
        self.sock, _ready = await open_socket(*server, self.session["captureUrl"], hello, self.on_text)

    def on_text(self, payload: bytes) -> None:
        if not payload.startswith(b'{"type":"ack","seq":'):
            return
        intended = self.intended_ms.pop(int(payload[20:-1]), None)
        if intended is not None and self.tally.counts(intended):
            self.acks += 1
            self.ack_ms.append(time.time() * 1000.0 - intended)

    def send_due(self, intended_ms: float) -> bool:
        if self.sock is None or not self.sock.is_open:
            return False
        self.intended_ms[self.seq] = intended_ms
        self.sock.send(batch_payload(self.seq, intended_ms))
        self.seq += 1
        return True


async def play(phones: list[Phone], start: float, end: float, lag_ms: array, window_ms: tuple[float, float]) -> int:
    """Send every phone's batches at their intended times from `start` to `end` (monotonic s), phones spread
    evenly over the 50 ms period; return the number of batches intended inside the window."""
    wall_minus_mono = time.time() - time.monotonic()
    count, in_window, k, unyielded = len(phones), 0, 0, 0
    while True:
        for i, phone in enumerate(phones):
            due = start + (k + i / count) * BATCH_S
            if due >= end:
                return in_window
            delay = due - time.monotonic()
            if delay > 0.0005:
                await asyncio.sleep(delay)
                unyielded = 0
            elif (unyielded := unyielded + 1) >= 50:  # behind schedule: still let the sockets be read
                await asyncio.sleep(0)
                unyielded = 0
            intended_ms = (due + wall_minus_mono) * 1000.0
            if phone.send_due(intended_ms) and window_ms[0] <= intended_ms < window_ms[1]:
                in_window += 1
                lag_ms.append((time.monotonic() - due) * 1000.0)
        k += 1
