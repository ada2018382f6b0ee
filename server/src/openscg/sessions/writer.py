"""Group commit: one thread owns every database write, and commits whatever is waiting in one transaction.

Why: an ack means "committed", and a commit costs an fsync. Hundreds of phones each waiting for their own
commit would be limited by the disk; together they share one. Appended batches of the whole group go in with
one executemany; other writes (create, end, delete, import) run in the same transaction after them.
If the group's transaction fails, each write is retried alone so that one bad write fails only its caller.

The queue is bounded by the callers: each capture socket waits for its write before sending the next, and
REST writes are rate-limited; `pending` is exported as a metric.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Append:
    """One batch to store; `params` is the row for the batches table."""

    session_id: str
    seq: int
    params: dict[str, Any]


WriteFn = Callable[[Connection], Any]
GroupFn = Callable[[Connection, list[Append]], dict[str, BaseException]]  # refused appends, by session
_Item = tuple["Append | WriteFn", asyncio.Future[Any], asyncio.AbstractEventLoop]
_Outcome = tuple[_Item, Any, "BaseException | None"]  # the write, its result, or the error it raised
_STOP = object()
#: How long a group gathers before it commits (OPENSCG_COMMIT_GATHER_MS). Every group costs the writer thread
#: and the event loop several hand-overs of the GIL and wake-ups besides its fsync and SQL; longer gathering means
#: fewer groups (less CPU) and later acks and relays (more latency): bench/README-load.md has both measured.
GATHER_S = 0.002


class GroupWriter:
    def __init__(
        self, engine: Engine, apply_appends: GroupFn, max_group: int = 512, gather_s: float = GATHER_S
    ) -> None:
        self._engine = engine
        self._apply_appends = apply_appends
        self._max_group = max_group
        self._gather_s = gather_s
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="openscg-writer", daemon=True)
        self._conn: Connection | None = None
        self.groups_committed = 0
        self.writes_committed = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=30)

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    async def submit(self, write: Append | WriteFn) -> Any:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put((write, future, loop))
        return await future

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                self._drop_connection()
                return
            if self._gather_s > 0:
                time.sleep(self._gather_s)  # let the group gather: fewer, larger commits
            group: list[_Item] = [first]
            stopping = False
            while len(group) < self._max_group:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                group.append(item)
            self._commit_group(group)
            if stopping:
                self._drop_connection()
                return

    def _commit_group(self, group: list[_Item]) -> None:
        try:
            results = self._execute(group)
        except Exception:
            if len(group) == 1:
                _settle([(group[0], None, _current_exception())])
                return
            outcomes: list[_Outcome] = []
            for item in group:  # isolate the write that failed
                try:
                    result = self._execute([item])[0]
                except Exception:
                    outcomes.append((item, None, _current_exception()))
                else:
                    failed = result if isinstance(result, BaseException) else None
                    outcomes.append((item, None if failed else result, failed))
            _settle(outcomes)
            return
        _settle(
            [
                (item, None, result) if isinstance(result, BaseException) else (item, result, None)
                for item, result in zip(group, results, strict=True)
            ]
        )

    def _execute(self, group: list[_Item]) -> list[Any]:
        appends = [item[0] for item in group if isinstance(item[0], Append)]
        results: list[Any] = []
        refused: dict[str, BaseException] = {}
        connection = self._connection()
        try:
            with connection.begin():
                if appends:
                    refused = self._apply_appends(connection, appends)
                for write, _future, _loop in group:
                    if isinstance(write, Append):
                        results.append(refused.get(write.session_id))
                    else:
                        results.append(write(connection))
        except Exception:
            self._drop_connection()  # the next group starts on a fresh connection (e.g. after a restart)
            raise
        self.groups_committed += 1
        self.writes_committed += len(group)
        return results

    def _connection(self) -> Connection:
        """The writer keeps one connection: a pool checkout and reset per group costs more than the SQL."""
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._drop_connection()
            self._conn = self._engine.connect()
        return self._conn

    def _drop_connection(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
        self._conn = None


def _settle(outcomes: list[_Outcome]) -> None:
    """Hand every outcome of a group to its event loop with one wake-up per loop, not one per write: under
    load that is hundreds of self-pipe writes and loop wake-ups a second fewer."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Any, BaseException | None]]] = {}
    for (_write, future, loop), result, error in outcomes:
        by_loop.setdefault(loop, []).append((future, result, error))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is waiting any more
            loop.call_soon_threadsafe(_resolve, settled)


def _resolve(settled: list[tuple[asyncio.Future[Any], Any, BaseException | None]]) -> None:
    """On the event loop: complete each future (one whose caller gave up is left alone)."""
    for future, result, error in settled:
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)


def _current_exception() -> BaseException:
    exc = sys.exc_info()[1]
    assert exc is not None
    return exc
