"""The clinician's socket: every batch exactly once, in seq order, without a gap — stored ones first, then
live ones — plus status and analysis messages.

The database is the truth. A viewer keeps `next_seq`; a live batch beyond it (an event dropped anywhere on the
way) makes it read the missing ones from the database. While it is still catching up from the database, a full
outbox only drops live events (they will be read back); once live, a full outbox means the viewer is not
reading: it is closed with 1013 and reconnects with `since`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid

from starlette.websockets import WebSocket, WebSocketDisconnect

from openscg.context import Context
from openscg.errors import OpenSCGError, SessionNotFound
from openscg.live.broker import Event
from openscg.live.direct_send import DirectWriter
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
    SimpleMessage,
    dumps,
    parse_client_message,
    samples_frame,
    unpack_samples,
)
from openscg.sessions.access import role_for
from openscg.sessions.metadata import session_metadata

log = logging.getLogger(__name__)
CATCH_UP_CHUNK = 200


class ViewerMember:
    role = "viewer"

    def __init__(self, maxsize: int, ctx: Context) -> None:
        self.connection_id = uuid.uuid4().hex
        self.outbox: Outbox[Event] = Outbox(maxsize)
        self.live = False  # False while catching up from the database
        self.lagging = False  # live events were dropped while catching up
        self.too_slow = False
        self.token_role = "viewer"  # the token it opened with: a revoked share link closes only viewer tokens
        self.sender: asyncio.Task[None] | None = None  # the task writing to the socket (cancelled when too slow)
        self.next_seq = 0  # the next batch this viewer is owed
        self.idle = False  # the sender is waiting on an empty outbox: nothing is being written
        self.direct: DirectWriter | None = None
        self.frame_bytes = 256  # size of the latest batch frame: turns socket backlog bytes into frames
        self._ctx = ctx

    def deliver(self, event: Event) -> None:
        if event.kind == "samples":
            self.frame_bytes = len(event.frame) or len(event.text)
            if self._write_now(event):
                return
        if event.kind == "revoked":
            if self.token_role == "viewer":
                self.outbox.force(event)
            return
        if event.kind in ("deleted", "ended"):
            self.outbox.force(event)
            return
        if event.kind not in ("samples", "status", "analysis") or self.too_slow:
            return  # a viewer being let go takes nothing more: it resumes from the database with since
        if self.outbox.offer(event):
            if self.live and self._frames_held() > self.outbox.maxsize:
                self._let_go()
            return
        self._ctx.metrics.queue_drops.inc()
        if self.live:
            self._let_go()
        else:
            self.lagging = True
            self.outbox.clear()

    def _frames_held(self) -> int:
        """What this viewer holds at the server, in batch frames: its outbox, plus what its socket has not
        yet delivered (event-loop and kernel buffers) once the client stopped keeping up."""
        backlog_bytes = self.direct.backlog_bytes() if self.direct is not None else 0
        return len(self.outbox) + -(-backlog_bytes // max(self.frame_bytes, 1))

    def _let_go(self) -> None:
        """Close this live viewer with 1013. The sender is most likely blocked inside a send to a client that
        stopped reading: stop it now rather than queueing a marker behind frames it will never write."""
        self.too_slow = True
        self.outbox.clear()
        self.outbox.force(Event("too_slow"))
        if self.sender is not None:
            self.sender.cancel()

    def _write_now(self, event: Event) -> bool:
        """The common case, without a task switch: a live viewer, idle, owed exactly this batch, with room in
        its transport — the frame the hub built is written straight away. Anything else takes the outbox."""
        if not (self.idle and self.live and not self.outbox and event.seq == self.next_seq and event.frame):
            return False
        if self.direct is None or not self.direct.write(event.frame):
            return False
        self.next_seq += 1
        self._ctx.metrics.deliveries.inc()
        return True


async def handle_watch(ws: WebSocket, session_id: str, ctx: Context) -> None:
    await ws.accept()
    member: ViewerMember | None = None
    ctx.metrics.connections.labels("viewer").inc()
    try:
        hello = await receive_hello(ws, ctx)
        role = role_for(await ctx.store.get(session_id), hello.token)
        member = ViewerMember(ctx.settings.viewer_queue_batches, ctx)
        member.token_role = role
        start_seq = await _welcome(ws, session_id, ctx, hello, member)
        await _run(ws, session_id, ctx, member, start_seq)
    except CloseSocket as close:
        await close_socket(ws, ctx, close.code, close.reason)
    except SessionNotFound as error:
        if member is not None:  # it existed when this viewer joined: deleted meanwhile (e.g. during catch-up)
            await close_socket(ws, ctx, 4410, "session deleted")
        else:
            await close_socket(ws, ctx, error.close_code, error.detail)
    except OpenSCGError as error:
        await close_socket(ws, ctx, error.close_code, error.detail)
    except (Disconnected, WebSocketDisconnect):  # the client left, also in the middle of a send
        pass
    except Exception:
        log.exception("watch socket failed", extra={"session_id": session_id})
        await close_socket(ws, ctx, 1011, "internal error")
    finally:
        ctx.metrics.connections.labels("viewer").dec()
        if member is not None:
            with contextlib.suppress(Exception):
                await ctx.hub.detach(session_id, member)
                row = await ctx.store.get(session_id)
                await ctx.hub.publish_status(session_id, row["status"])


async def _welcome(ws: WebSocket, session_id: str, ctx: Context, hello: Hello, member: ViewerMember) -> int:
    """Attach, say ready with the session's metadata, and return the first seq to send. (A function of its own
    so that the session row and metadata are not kept alive for as long as the socket is open.)"""
    presence = await ctx.hub.attach(session_id, member)
    row = await ctx.store.get(session_id)
    role_for(row, hello.token)  # again: the share link may have been revoked before this socket attached
    ctx.store.access_log.record(session_id, member.token_role, "watch", ws.headers.get("user-agent"))
    meta = session_metadata(row, presence.patient_connected, presence.viewers)
    await ws.send_text(dumps({"type": "ready", "session": meta}))
    await ctx.hub.publish_status(session_id, row["status"])
    return hello.since if hello.since is not None else await _default_start(session_id, row, ctx)


async def _default_start(session_id: str, row: dict, ctx: Context) -> int:
    """The batch that covers the last `watch_default_window_s` seconds (0 for a session with no samples, and for
    an ended one: watching a finished recording replays everything stored)."""
    if row["last_t_ms"] is None or row["status"] == "ended":
        return 0
    return await ctx.store.seq_covering(session_id, row["last_t_ms"] - ctx.settings.watch_default_window_s * 1000)


async def _run(ws: WebSocket, session_id: str, ctx: Context, member: ViewerMember, start_seq: int) -> None:
    sender = asyncio.create_task(_send_loop(ws, session_id, ctx, member, start_seq))
    member.sender = sender
    receiver = asyncio.create_task(_receive_loop(ws, ctx))
    try:
        done, _pending = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sender, receiver):
            task.cancel()
        await asyncio.gather(sender, receiver, return_exceptions=True)
    if member.too_slow:
        raise CloseSocket(1013, "viewer too slow; reconnect with since = last seq + 1")
    for task in done:
        task.result()


async def _receive_loop(ws: WebSocket, ctx: Context) -> None:
    """A viewer may only ping; anything else is answered with read_only."""
    while True:
        try:
            message = parse_client_message(await receive_text(ws, ctx.settings.max_message_bytes))
        except ProtocolError:  # not JSON, not a message, or a binary frame: all read_only below
            message = None
        if isinstance(message, SimpleMessage) and message.type == "ping":
            await ws.send_text(dumps({"type": "pong"}))
        elif isinstance(message, Hello):  # hello is allowed on watch, but only once
            detail = "hello was already received on this socket"
            await ws.send_text(dumps({"type": "error", "code": "bad_message", "detail": detail}))
        else:
            ctx.metrics.errors.labels("read_only").inc()
            detail = "the watch socket is read-only: send only ping"
            await ws.send_text(dumps({"type": "error", "code": "read_only", "detail": detail}))


async def _send_loop(ws: WebSocket, session_id: str, ctx: Context, member: ViewerMember, next_seq: int) -> None:
    member.next_seq = await _catch_up(ws, session_id, ctx, member, next_seq)
    row = await ctx.store.get(session_id)
    if row["status"] == "ended":
        await _finish(ws, session_id, ctx, member, member.next_seq)
    while True:
        member.idle = True
        try:
            event = await member.outbox.get()
        finally:
            member.idle = False
        if event.kind == "samples":
            if event.seq < member.next_seq:
                continue
            if event.seq > member.next_seq:
                member.next_seq = await _catch_up(ws, session_id, ctx, member, member.next_seq, until_seq=event.seq)
                if event.seq < member.next_seq:
                    continue
            await ws.send_text(event.text)
            ctx.metrics.deliveries.inc()
            member.next_seq = event.seq + 1
        elif event.kind in ("status", "analysis"):
            await ws.send_text(event.text)
        elif event.kind == "ended":
            await _finish(ws, session_id, ctx, member, member.next_seq)
        elif event.kind == "deleted":
            raise CloseSocket(4410, "session deleted")
        elif event.kind == "revoked":
            raise CloseSocket(4401, "share link revoked")
        elif event.kind == "too_slow":
            raise CloseSocket(1013, "viewer too slow; reconnect with since = last seq + 1")


async def _catch_up(
    ws: WebSocket,
    session_id: str,
    ctx: Context,
    member: ViewerMember,
    next_seq: int,
    until_seq: int | None = None,
) -> int:
    """Send stored batches from next_seq on (up to until_seq, or everything stored); return the new next_seq."""
    member.live = False
    while True:
        member.lagging = False
        limit = CATCH_UP_CHUNK if until_seq is None else max(1, min(CATCH_UP_CHUNK, until_seq - next_seq))
        rows = await ctx.store.read_batches(session_id, next_seq, limit)
        for seq, data in rows:
            frame = samples_frame(seq, unpack_samples(data))
            member.frame_bytes = len(frame)
            await ws.send_text(frame)
            ctx.metrics.deliveries.inc()
            next_seq = seq + 1
        reached = until_seq is not None and next_seq >= until_seq
        if (len(rows) < limit or reached) and not member.lagging:
            if member.direct is None:
                await _go_live(ws, ctx, member)
                if member.lagging:
                    continue
            member.live = True
            return next_seq


async def _go_live(ws: WebSocket, ctx: Context, member: ViewerMember) -> None:
    """After the first catch-up: small socket buffers from now on, so a client that stops reading is noticed
    within `viewer_queue_batches` frames (catching up ran with the kernel's own, larger, buffers) — and wait
    until what the catch-up left in the event loop's buffer has gone, so it is not counted against the live
    limit."""
    limit_send_buffer(ws, ctx.settings.viewer_send_buffer_bytes)
    member.direct = DirectWriter(ws, ctx.metrics.direct_frames)
    await member.direct.drained()


async def _finish(ws: WebSocket, session_id: str, ctx: Context, member: ViewerMember, next_seq: int) -> None:
    """The session ended: send what is left, the final status, and close normally."""
    await _catch_up(ws, session_id, ctx, member, next_seq)
    presence = await ctx.hub.broker.presence(session_id)
    row = await ctx.store.get(session_id)
    meta = session_metadata(row, presence.patient_connected, presence.viewers)
    await ws.send_text(
        dumps(
            {
                "type": "status",
                "status": "ended",
                "patientConnected": meta["patientConnected"],
                "viewers": meta["viewers"],
            }
        )
    )
    raise CloseSocket(1000, "session ended; everything stored was sent")
