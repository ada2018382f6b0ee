"""What both socket handlers share: reading a frame within the size limit, the hello handshake, closing with
a code and a reason, and mapping domain errors to close codes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket

from starlette.websockets import WebSocket, WebSocketState

from openscg.context import Context
from openscg.errors import OpenSCGError
from openscg.live.direct_send import server_protocol
from openscg.protocol import Hello, ProtocolError, parse_client_message

log = logging.getLogger(__name__)
MAX_REASON_BYTES = 120  # a close reason may hold at most 123 bytes


class CloseSocket(Exception):
    """End this connection with `code` and a human-readable `reason`."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason

    @classmethod
    def from_error(cls, error: OpenSCGError) -> CloseSocket:
        return cls(error.close_code, error.detail)


class Disconnected(Exception):
    """The client went away."""


def limit_send_buffer(ws: WebSocket, size_bytes: int) -> bool:
    """Cap the kernel's send buffer of this connection, so a client that stops reading shows up as a full
    outbox within a bounded number of frames instead of hiding megabytes in an auto-tuned TCP buffer.
    Returns False where the server does not expose its transport (the limit then rests on the outbox)."""
    transport = getattr(server_protocol(ws), "transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or transport is None or transport.is_closing():
        return False
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size_bytes)
        transport.set_write_buffer_limits(high=size_bytes)  # the event loop's own buffer, above the kernel's
    except (OSError, ValueError, AttributeError, NotImplementedError):  # ValueError: closed meanwhile
        return False
    return True


async def receive_text(ws: WebSocket, max_bytes: int) -> str:
    """The next text frame; CloseSocket(4413) if it is over the limit, ProtocolError for a binary frame."""
    message = await ws.receive()
    if message["type"] == "websocket.disconnect":
        raise Disconnected()
    text = message.get("text")
    if text is None:
        size = len(message.get("bytes") or b"")
        if size > max_bytes:
            raise CloseSocket(4413, f"message of {size} bytes exceeds the {max_bytes}-byte limit")
        raise ProtocolError("bad_message", "binary frames are not part of the protocol; send JSON text")
    if len(text) > max_bytes or (len(text) * 4 > max_bytes and len(text.encode()) > max_bytes):
        raise CloseSocket(4413, f"message exceeds the {max_bytes}-byte limit")
    return text


async def receive_hello(ws: WebSocket, ctx: Context) -> Hello:
    """Wait for `hello`; close with 4401 after the timeout and 4400 for anything else first."""
    limit = ctx.settings.hello_timeout_s
    try:
        text = await asyncio.wait_for(receive_text(ws, ctx.settings.max_message_bytes), timeout=limit)
    except TimeoutError:
        raise CloseSocket(4401, f"no hello within {limit:g} s") from None
    except ProtocolError as exc:  # a binary frame first
        raise CloseSocket(4400, f"first message must be hello: {exc.detail}") from None
    try:
        message = parse_client_message(text)
    except ProtocolError as exc:
        raise CloseSocket(4400, f"first message must be hello: {exc.detail}") from None
    if not isinstance(message, Hello):
        raise CloseSocket(4400, "first message must be hello")
    return message


SLOW_CLOSE_TIMEOUT_S = 10.0  # a stalled reader gets this long to drain what is queued and see its close code


async def close_socket(ws: WebSocket, ctx: Context, code: int, reason: str) -> None:
    """Close with a code and a reason (trimmed to what a close frame can carry); never raises.

    The close frame queues behind what the client has not read yet; a reader that stays stalled longer than
    the timeout is cut off (it sees 1006 and reconnects like after any network drop)."""
    timeout_s = SLOW_CLOSE_TIMEOUT_S if code == 1013 else 2.0
    ctx.metrics.closes.labels(str(code)).inc()
    log.info("closing socket", extra={"code": code, "reason": reason, "path": ws.url.path})
    if ws.application_state == WebSocketState.DISCONNECTED:
        return
    reason_bytes = reason.encode()[:MAX_REASON_BYTES]
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(code, reason_bytes.decode(errors="ignore")), timeout=timeout_s)
