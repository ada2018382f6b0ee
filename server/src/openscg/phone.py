"""The phone side of the capture WebSocket (PROTOCOL.md): hello → ready{nextSeq}, numbered batches kept
until acked, reconnect with backoff and resend from `nextSeq`, `end`.

Transport only: what to send and when is decided by the caller (`openscg.simulate`, used by the command line
and the server's demo); the browser's twin is client/lib/capture-socket.ts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    import numpy as np
    from websockets.asyncio.client import ClientConnection

logger = logging.getLogger(__name__)

BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.2, 5.0
REPLY_TIMEOUT_S = 10.0  # for `ready` after hello and `ended` after end
ACK_TIMEOUT_S = 30.0  # unacked batches and a silent server this long: reconnect
FATAL_CLOSE_CODES = {  # resending the same thing cannot help
    4400: "the server saw a protocol violation",
    4401: "the server refused the patient token",
    4404: "no such session",
    4409: "another phone took over this session",
    4410: "the session has ended or was deleted",
    4413: "a message was over the server's size limit",
}


class PhoneError(Exception):
    """The virtual phone cannot go on; `report` says how far it got."""

    def __init__(self, detail: str, report: PhoneReport) -> None:
        super().__init__(detail)
        self.report = report


@dataclass
class PhoneReport:
    """What the virtual phone did. Samples and batches count each batch once, however often it was resent."""

    session_id: str = ""
    viewer_token: str | None = None
    samples_sent: int = 0
    samples_acked: int = 0
    batches_sent: int = 0
    batches_acked: int = 0
    batches_resent: int = 0
    reconnects: int = 0
    resumed_from: list[int] = field(default_factory=list)  # `nextSeq` of every `ready`
    ended: bool = False
    started_monotonic: float = field(default_factory=time.monotonic)

    @property
    def elapsed_s(self) -> float:
        return time.monotonic() - self.started_monotonic


class _Reconnect(Exception):
    """Drop this connection and open a new one; the phone resends from the server's `nextSeq`."""


class VirtualPhone:
    """The capture side of PROTOCOL.md for one phone: batches wait in `pending` (seq → frame, sample count)
    until acked; one sender and one ack reader per connection; reconnect with exponential backoff. The
    buffer is bounded in practice by `max_offline_s` (after that long without a server the phone gives up)."""

    def __init__(
        self, ws_url: str, token: str, device: dict[str, Any], report: PhoneReport, *, end: bool, max_offline_s: float
    ) -> None:
        self.ws_url, self.token, self.device, self.report = ws_url, token, device, report
        self.end, self.max_offline_s = end, max_offline_s
        self.pending: dict[int, tuple[str, int]] = {}
        self.next_seq = 0  # seq of the next new batch
        self.sent_upto = 0  # every seq below was sent at least once
        self.producing, self.ending = True, False
        self.more, self.settled = asyncio.Event(), asyncio.Event()  # new batch queued; all produced and acked
        self.producer: asyncio.Task[None] | None = None
        self.start_producer: Callable[[], asyncio.Task[None]] = lambda: asyncio.create_task(asyncio.sleep(0))
        self.stop: asyncio.Event | None = None

    async def run(
        self,
        plan: Callable[[float], Iterator[tuple[float, np.ndarray]]],
        rebase: Callable[[], float],
        speed: float,
        stop: asyncio.Event | None,
    ) -> None:
        self.start_producer = lambda: asyncio.create_task(self._produce(plan, rebase, speed, stop))
        self.stop = stop
        try:
            await self._connect_loop()
            if self.producer is not None and not self.report.ended:
                await self.producer
        finally:
            if self.producer is not None:
                self.producer.cancel()

    async def _connect_loop(self) -> None:
        """Connect until done. The backoff restarts only after progress (an ack), so a server that accepts
        and drops at once is not hammered; no ack for `max_offline_s` ends the run with PhoneError."""
        backoff_s, stalled_since = BACKOFF_FIRST_S, time.monotonic()
        while True:
            acked_before = self.report.batches_acked
            try:
                await self._connect_once()
                return
            except _Reconnect as exc:
                logger.info("reconnecting: %s", exc, extra={"session_id": self.report.session_id})
            if self.stop is not None and self.stop.is_set() and not self.pending:
                return  # stopped with nothing left to deliver: no reason to wait for a server
            if self.report.batches_acked > acked_before:
                backoff_s, stalled_since = BACKOFF_FIRST_S, time.monotonic()
            if time.monotonic() - stalled_since > self.max_offline_s:
                raise PhoneError(f"no progress for {self.max_offline_s:g} s with {self.ws_url}", self.report)
            await asyncio.sleep(backoff_s * random.uniform(0.8, 1.2))
            backoff_s = min(2 * backoff_s, BACKOFF_MAX_S)

    async def _connect_once(self) -> None:
        """One connection from hello to the end; raise _Reconnect when trying again makes sense."""
        from websockets.asyncio.client import connect
        from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

        try:
            async with connect(self.ws_url, open_timeout=REPLY_TIMEOUT_S, close_timeout=2.0) as ws:
                await self._converse(ws, await self._handshake(ws))
        except ConnectionClosed as exc:
            code = exc.rcvd.code if exc.rcvd else None
            if code == 4410:
                return self._ended_by_server(f"closed with {code}")
            if code in FATAL_CLOSE_CODES:
                raise PhoneError(f"{FATAL_CLOSE_CODES[code]} (close code {code})", self.report) from None
            raise _Reconnect(f"connection closed ({code})") from None
        except InvalidStatus as exc:
            if exc.response.status_code in (401, 403, 404):
                raise PhoneError(f"the server refused the socket: {exc}", self.report) from None
            raise _Reconnect(str(exc)) from None
        except (OSError, TimeoutError, InvalidHandshake) as exc:
            raise _Reconnect(f"cannot connect: {exc!r}") from None

    def _ended_by_server(self, how: str) -> None:
        if not self.ending:
            logger.warning("the session was ended elsewhere (%s); stopping", how)
        self.report.ended = True

    async def _handshake(self, ws: ClientConnection) -> int:
        await ws.send(orjson.dumps({"type": "hello", "token": self.token, "device": self.device}).decode())
        reply = orjson.loads(await asyncio.wait_for(ws.recv(), REPLY_TIMEOUT_S))
        if not isinstance(reply, dict) or reply.get("type") != "ready" or type(reply.get("nextSeq")) is not int:
            raise PhoneError(f"unexpected answer to hello: {reply!r}", self.report)
        self.report.resumed_from.append(reply["nextSeq"])
        self.report.reconnects = len(self.report.resumed_from) - 1
        return int(reply["nextSeq"])

    def _resume(self, next_seq: int) -> None:
        """Batches below the server's `nextSeq` are stored: forget them. The first `ready` numbers ours."""
        if self.producer is None:
            self.next_seq = self.sent_upto = next_seq
            self.producer = self.start_producer()
            return
        lowest_unacked = min(self.pending, default=self.next_seq)
        if not lowest_unacked <= next_seq <= self.next_seq:
            detail = f"server nextSeq {next_seq}, but unacked batches are {lowest_unacked}..{self.next_seq - 1}"
            raise PhoneError(detail, self.report)
        for seq in [seq for seq in self.pending if seq < next_seq]:
            self._acked(seq)

    async def _converse(self, ws: ClientConnection, next_seq: int) -> None:
        self._resume(next_seq)
        sender = asyncio.create_task(self._send_from(ws, next_seq))
        receiver = asyncio.create_task(self._receive(ws))
        try:
            done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # a lost connection raises here
            if receiver in done:
                return self._ended_by_server("'ended' message")
            if self.end:
                self.ending = True
                await ws.send('{"type":"end"}')
                await asyncio.wait_for(receiver, REPLY_TIMEOUT_S)
                self.report.ended = True
        finally:
            sender.cancel()
            receiver.cancel()

    async def _send_from(self, ws: ClientConnection, cursor: int) -> None:
        """Send every pending batch from `cursor` on, then new ones as they come; return once all acked."""
        while True:
            while cursor < self.next_seq:
                if (item := self.pending.get(cursor)) is not None:
                    await ws.send(item[0])
                    self._count_sent(cursor, item[1])
                cursor += 1
            if not self.producing:
                await self.settled.wait()
                return
            self.more.clear()
            if cursor >= self.next_seq:
                await self.more.wait()

    async def _receive(self, ws: ClientConnection) -> None:
        """Read acks until the server says `ended`; a silent server with unacked batches means reconnect."""
        while True:
            try:
                message = orjson.loads(await asyncio.wait_for(ws.recv(), ACK_TIMEOUT_S))
            except TimeoutError:
                if self.pending:
                    raise _Reconnect(f"no ack for {ACK_TIMEOUT_S:g} s") from None
                continue
            kind = message.get("type")
            if kind == "ack":
                self._acked(message.get("seq"))
            elif kind == "ended":
                return
            elif kind == "error":
                self._on_error(message)

    def _on_error(self, message: dict[str, Any]) -> None:
        code, detail = message.get("code"), message.get("detail", "")
        if code == "seq_gap":
            raise _Reconnect(f"server expected seq {message.get('expected')}")
        if code in ("invalid_samples", "bad_message"):
            raise PhoneError(f"the server refused a message: {code}: {detail}", self.report)
        logger.warning("server error %s: %s", code, detail, extra={"session_id": self.report.session_id})

    async def _produce(
        self,
        plan: Callable[[float], Iterator[tuple[float, np.ndarray]]],
        rebase: Callable[[], float],
        speed: float,
        stop: asyncio.Event | None,
    ) -> None:
        """Queue each planned batch at its due time (`due_ms / speed` after the start), until done or stop."""
        start = time.monotonic()
        for due_ms, rows in plan(rebase()):
            delay_s = start + due_ms / 1000.0 / speed - time.monotonic()
            if stop is not None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), max(delay_s, 0.0))
                if stop.is_set():
                    break
            elif delay_s > 0:
                await asyncio.sleep(delay_s)
            seq = self.next_seq
            frame = orjson.dumps({"type": "samples", "seq": seq, "samples": rows.tolist()}).decode()
            self.pending[seq] = (frame, len(rows))
            self.next_seq += 1
            self.more.set()
        self.producing = False
        self.more.set()
        self._check_settled()

    def _count_sent(self, seq: int, samples: int) -> None:
        if seq >= self.sent_upto:
            self.report.batches_sent += 1
            self.report.samples_sent += samples
            self.sent_upto = seq + 1
        else:
            self.report.batches_resent += 1

    def _acked(self, seq: Any) -> None:
        item = self.pending.pop(seq, None) if type(seq) is int else None
        if item is not None:
            self.report.batches_acked += 1
            self.report.samples_acked += item[1]
            self._check_settled()

    def _check_settled(self) -> None:
        if not self.producing and not self.pending:
            self.settled.set()
