"""The phone's socket: hello → ready{nextSeq}, then batches in seq order, each acked only once committed.

One capture socket per session: a newer one takes over and the older is closed with 4409 (through the
broker, so this holds across server processes). See docs/protocol.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass

from starlette.websockets import WebSocket, WebSocketDisconnect

from openscg.context import Context
from openscg.errors import OpenSCGError, SessionGone, StorageUnavailable, Unauthorized
from openscg.live.analysis_feed import AnalysisFeed
from openscg.live.broker import Event
from openscg.live.direct_send import DirectWriter, text_frame
from openscg.live.outbox import Outbox
from openscg.live.socket import (
    CloseSocket,
    Disconnected,
    close_socket,
    limit_send_buffer,
    receive_hello,
    receive_text,
)
from openscg.protocol import (
    Hello,
    ProtocolError,
    SamplesMessage,
    SimpleMessage,
    check_clock,
    dumps,
    parse_client_message,
    samples_frame,
    validate_samples,
)
from openscg.ratelimit import TokenBucket
from openscg.sessions.access import role_for
from openscg.sessions.store import now_ms

log = logging.getLogger(__name__)
OUTBOX_SIZE = 16


class CaptureMember:
    """The capture socket as the hub sees it: told to step down, that the session ended, or analysis."""

    role = "patient"

    def __init__(self) -> None:
        self.connection_id = uuid.uuid4().hex
        self.outbox: Outbox[tuple[str, int, str]] = Outbox(OUTBOX_SIZE)

    def deliver(self, event: Event) -> None:
        if event.kind == "takeover" and event.origin != self.connection_id:
            self.outbox.force(("close", 4409, "superseded by a newer capture socket for this session"))
        elif event.kind == "deleted":
            self.outbox.force(("close", 4410, "session deleted"))
        elif event.kind == "ended" and event.origin != self.connection_id:
            self.outbox.force(("send", 0, dumps({"type": "ended"})))
            self.outbox.force(("close", 4410, "session ended"))
        elif event.kind == "analysis":
            self.outbox.offer(("send", 0, event.text))


@dataclass
class CaptureState:
    next_seq: int
    last_t_ms: float | None
    status: str
    first_t_ms: float | None = None
    sample_count: int = 0
    bad_messages: int = 0
    feed: AnalysisFeed | None = None
    rate: TokenBucket | None = None  # messages per second of this socket
    direct: DirectWriter | None = None  # acks go straight to the transport when it has room


async def handle_capture(ws: WebSocket, session_id: str, ctx: Context) -> None:
    await ws.accept()
    limit_send_buffer(ws, ctx.settings.viewer_send_buffer_bytes)  # a phone not reading its acks stalls soon
    member: CaptureMember | None = None
    state: CaptureState | None = None
    ctx.metrics.connections.labels("patient").inc()
    try:
        hello = await receive_hello(ws, ctx)
        state = await _open(session_id, hello, ctx)
        state.direct = DirectWriter(ws, ctx.metrics.direct_frames)
        member = CaptureMember()
        await ctx.hub.publish(session_id, Event("takeover", origin=member.connection_id))
        await ctx.hub.attach(session_id, member)
        await _resume(session_id, ctx, state)  # again: a superseded socket may just have stored a batch
        await ws.send_text(dumps({"type": "ready", "nextSeq": state.next_seq}))
        await ctx.hub.publish_status(session_id, state.status)
        log.info("capture ready", extra={"session_id": session_id, "seq": state.next_seq})
        ctx.store.access_log.record(session_id, "patient", "capture", ws.headers.get("user-agent"))
        if ctx.settings.analysis_interval_s > 0:
            state.feed = AnalysisFeed(session_id, ctx, ctx.settings.analysis_interval_s)
            await state.feed.start(state.last_t_ms)
        await _run(ws, session_id, ctx, state, member)
    except CloseSocket as close:
        await close_socket(ws, ctx, close.code, close.reason)
    except OpenSCGError as error:
        await close_socket(ws, ctx, error.close_code, error.detail)
    except (Disconnected, WebSocketDisconnect):  # the client left, also in the middle of a send
        pass
    except Exception:
        log.exception("capture socket failed", extra={"session_id": session_id})
        await close_socket(ws, ctx, 1011, "internal error")
    finally:
        ctx.metrics.connections.labels("patient").dec()
        if state is not None and state.feed is not None:
            await state.feed.stop()
        if member is not None:
            await _leave(session_id, member, ctx)


async def _open(session_id: str, hello: Hello, ctx: Context) -> CaptureState:
    row = await ctx.store.get(session_id)
    if role_for(row, hello.token) != "patient":
        raise Unauthorized("the capture socket needs the patient token")
    if row["status"] == "ended":
        raise SessionGone("session has ended; create a new session to record again")
    rate = TokenBucket(ctx.settings.capture_batches_per_s, ctx.settings.capture_batch_burst)
    return CaptureState(int(row["batch_count"]), row["last_t_ms"], row["status"], rate=rate)


async def _resume(session_id: str, ctx: Context, state: CaptureState) -> None:
    """Take the counters from the stored session (the row is not kept: it would live as long as the socket)."""
    row = await ctx.store.get(session_id)
    state.next_seq, state.last_t_ms = int(row["batch_count"]), row["last_t_ms"]
    state.first_t_ms, state.sample_count = row["first_t_ms"], int(row["sample_count"])


async def _leave(session_id: str, member: CaptureMember, ctx: Context) -> None:
    with contextlib.suppress(Exception):
        await ctx.hub.detach(session_id, member)
        row = await ctx.store.get(session_id)
        await ctx.hub.publish_status(session_id, row["status"])


async def _run(ws: WebSocket, session_id: str, ctx: Context, state: CaptureState, member: CaptureMember) -> None:
    """Receive messages until the client leaves, while a sibling task forwards what the hub delivered."""
    receiver = asyncio.create_task(_receive_loop(ws, session_id, ctx, state, member))
    sender = asyncio.create_task(_send_loop(ws, member))
    try:
        done, _pending = await asyncio.wait({receiver, sender}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (receiver, sender):
            task.cancel()
        await asyncio.gather(receiver, sender, return_exceptions=True)
    for task in done:
        task.result()  # re-raise CloseSocket / Disconnected / errors from whichever ended first


async def _send_loop(ws: WebSocket, member: CaptureMember) -> None:
    while True:
        action, code, text = await member.outbox.get()
        if action == "close":
            raise CloseSocket(code, text)
        await ws.send_text(text)


async def _receive_loop(
    ws: WebSocket, session_id: str, ctx: Context, state: CaptureState, member: CaptureMember
) -> None:
    settings = ctx.settings
    while True:
        try:
            text = await receive_text(ws, settings.max_message_bytes)  # ProtocolError for a binary frame
            if state.rate is not None and not state.rate.take():  # every message counts: pings cost too
                ctx.metrics.errors.labels("rate_limited").inc()
                limit = f"{settings.capture_batches_per_s:g}/s, bursts of {settings.capture_batch_burst}"
                raise CloseSocket(4429, f"too many messages ({limit}); reconnect and resend from nextSeq")
            message = parse_client_message(text)
            if isinstance(message, SamplesMessage):
                await _on_samples(ws, session_id, ctx, state, message)
            elif isinstance(message, SimpleMessage) and message.type == "end":
                await _on_end(ws, session_id, ctx, member)
                return
            elif isinstance(message, SimpleMessage) and message.type == "ping":
                await ws.send_text(dumps({"type": "pong"}))
            else:
                raise ProtocolError("bad_message", "hello was already received on this socket")
        except ProtocolError as error:
            ctx.metrics.errors.labels(error.code).inc()
            await ws.send_text(dumps(error.to_message()))
            if error.code == "bad_message":
                state.bad_messages += 1
                if state.bad_messages >= settings.bad_message_limit:
                    raise CloseSocket(4400, f"{state.bad_messages} malformed messages") from None


async def _on_samples(
    ws: WebSocket, session_id: str, ctx: Context, state: CaptureState, message: SamplesMessage
) -> None:
    seq = message.seq
    if seq < state.next_seq:  # a resend of what is stored already: ack again, store nothing
        await _ack(ws, state, seq)
        ctx.metrics.acks.inc()
        return
    if seq > state.next_seq:
        ctx.metrics.errors.labels("seq_gap").inc()
        await ws.send_text(dumps({"type": "error", "code": "seq_gap", "expected": state.next_seq}))
        return
    try:
        check_clock(message.samples, now_ms(), ctx.settings.max_clock_skew_s)  # first: the cause of the rest
        validate_samples(
            message.samples,
            state.last_t_ms,
            ctx.settings.max_samples_per_batch,
            ctx.settings.max_abs_accel_ms2,
        )
        _check_session_length(ctx, state, message.samples)
    except ProtocolError as error:
        raise ProtocolError(error.code, error.detail, seq=seq, extra=error.extra) from None
    started = time.perf_counter()
    try:
        await ctx.store.append(session_id, seq, message.samples)
    except StorageUnavailable as error:
        ctx.metrics.errors.labels("storage_unavailable").inc()
        detail = "storage unavailable; batch not stored — reconnect and resend from nextSeq"
        await ws.send_text(dumps({"type": "error", "code": "storage_unavailable", "seq": seq, "detail": detail}))
        raise CloseSocket(1011, "storage unavailable, reconnect later") from error
    except SessionGone:
        row = await ctx.store.get(session_id)  # SessionNotFound if it was deleted meanwhile
        if int(row["batch_count"]) <= seq:
            raise
        # another socket of this session stored the same batch first: it is durable, so ack it
    ctx.metrics.commit_seconds.observe(time.perf_counter() - started)
    state.next_seq = seq + 1
    state.last_t_ms = message.samples[-1][0]
    if state.first_t_ms is None:
        state.first_t_ms = message.samples[0][0]
    state.sample_count += len(message.samples)
    await _ack(ws, state, seq)
    ctx.metrics.acks.inc()
    ctx.metrics.batches.inc()
    ctx.metrics.samples.inc(len(message.samples))
    if state.feed is not None:
        state.feed.push(message.samples)
    await ctx.hub.publish(session_id, Event("samples", seq=seq, text=samples_frame(seq, message.samples)))
    if state.status == "created":
        state.status = "live"
        await ctx.hub.publish_status(session_id, "live")


async def _ack(ws: WebSocket, state: CaptureState, seq: int) -> None:
    text = dumps({"type": "ack", "seq": seq})
    if state.direct is None or not state.direct.write(text_frame(text)):
        await ws.send_text(text)


def _check_session_length(ctx: Context, state: CaptureState, samples: list[list[float]]) -> None:
    """Refuse a batch that would make the session longer than the configured duration or sample count."""
    settings = ctx.settings
    if state.sample_count + len(samples) > settings.max_session_samples:
        raise ProtocolError(
            "invalid_samples",
            f"the session would exceed {settings.max_session_samples} samples; end it and start a new session",
        )
    first_t_ms = state.first_t_ms if state.first_t_ms is not None else samples[0][0]
    if (samples[-1][0] - first_t_ms) / 1000.0 > settings.max_session_duration_s:
        raise ProtocolError(
            "invalid_samples",
            f"the session would last longer than {settings.max_session_duration_s:g} s; end it and start a new session",
        )


async def _on_end(ws: WebSocket, session_id: str, ctx: Context, member: CaptureMember) -> None:
    await ctx.store.end(session_id)
    await ctx.hub.publish(session_id, Event("ended", origin=member.connection_id))
    await ctx.hub.publish_status(session_id, "ended")
    await ws.send_text(dumps({"type": "ended"}))
    raise CloseSocket(1000, "session ended")
