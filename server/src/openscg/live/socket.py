"""What both socket handlers share: reading a frame within the size limit, the hello handshake, closing with
a code and a reason, and mapping domain errors to close codes."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketState

from openscg.context import Context
from openscg.errors import OpenSCGError
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


async def close_socket(ws: WebSocket, ctx: Context, code: int, reason: str) -> None:
    """Close with a code and a reason (trimmed to what a close frame can carry); never raises."""
    ctx.metrics.closes.labels(str(code)).inc()
    if ws.application_state == WebSocketState.DISCONNECTED:
        return
    reason_bytes = reason.encode()[:MAX_REASON_BYTES]
    with contextlib.suppress(Exception):
        await asyncio.wait_for(ws.close(code, reason_bytes.decode(errors="ignore")), timeout=2.0)
