"""Live analysis of one session, run where its capture socket is: every stored batch is pushed into a
LiveAnalyzer, and about once a second the result is published to viewers (and the phone) as `analysis`.

The analyzer is warmed with the last minute stored, so a phone that reconnects does not reset the heart rate.
The numerical work runs in a worker thread (NumPy releases the GIL) so the event loop keeps serving sockets.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import numpy as np

from openscg.context import Context
from openscg.live.broker import Event
from openscg.protocol import dumps, unpack_samples

log = logging.getLogger(__name__)
WARM_UP_S = 60.0
MAX_PENDING_SAMPLES = 20_000  # ~3 min at 100 Hz; beyond this the oldest pending samples are dropped


class AnalysisFeed:
    def __init__(self, session_id: str, ctx: Context, interval_s: float = 1.0) -> None:
        self.session_id = session_id
        self.ctx = ctx
        self.interval_s = interval_s
        from openscg.analysis import LiveAnalyzer  # SciPy loads on the first live session, not at startup

        self.analyzer = LiveAnalyzer()
        self._pending: list[list[float]] = []
        self._task: asyncio.Task[None] | None = None

    def push(self, samples: list[list[float]]) -> None:
        """Queue a stored batch for the analyzer (cheap; the work happens in `run`)."""
        self._pending.extend(samples)
        if len(self._pending) > MAX_PENDING_SAMPLES:
            del self._pending[: len(self._pending) - MAX_PENDING_SAMPLES]

    async def start(self, last_t_ms: float | None) -> None:
        if last_t_ms is not None:
            await self._warm_up(last_t_ms)
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task

    async def _warm_up(self, last_t_ms: float) -> None:
        first = await self.ctx.store.seq_covering(self.session_id, last_t_ms - WARM_UP_S * 1000)
        rows = await self.ctx.store.read_batches(self.session_id, first, 10_000)
        for _seq, data in rows:
            self._pending.extend(unpack_samples(data))

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.interval_s)
            if not self._pending:
                continue
            block, self._pending = self._pending, []
            try:
                message = await asyncio.to_thread(self._analyze, block)
            except Exception:
                log.exception("live analysis failed", extra={"session_id": self.session_id})
                continue
            if message is not None:
                await self.ctx.hub.publish(self.session_id, Event("analysis", text=dumps(message)))

    def _analyze(self, block: list[list[float]]) -> dict | None:
        array = np.asarray(block, dtype=np.float64)
        self.analyzer.push(array[:, 0], array[:, 1:4])
        return self.analyzer.step()
