"""Writing a ready-made text frame straight to a WebSocket's transport, skipping the per-message ASGI path.

Why: under load most of the server's frames are the same few bytes for many sockets — a batch relayed to
each of its viewers — and acks. Through Starlette → uvicorn → websockets each send costs tens of µs of
Python before its system call. Here a batch is framed once (server frames are not masked) and the bytes are
written to every viewer's transport, and an ack is framed and written in one step.

It is used only when nothing can be in the way, and the caller falls back to the normal `send_text`
otherwise: the handshake is done, no close frame was sent, the connection is open, the transport is not
paused by flow control (so a slow reader still fills its outbox and is let go as before), and no
compression extension was negotiated (`openscg serve` turns it off). It engages only on uvicorn's
websockets-sansio implementation, which `openscg serve` selects; under any other server it stays off.
"""

from __future__ import annotations

from typing import Any

from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode
from websockets.protocol import State

SANSIO_PROTOCOL = "WebSocketsSansIOProtocol"


def text_frame(text: str) -> bytes:
    """`text` as one unmasked, unfragmented WebSocket text frame (what a server sends)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class DirectWriter:
    """The transport of one accepted WebSocket, when it can take frames directly."""

    def __init__(self, ws: WebSocket) -> None:
        self._protocol = _sansio_protocol(ws)

    @property
    def available(self) -> bool:
        return self._protocol is not None

    def write(self, frame: bytes) -> bool:
        """Write `frame` now if the connection is open and not under back-pressure; False if the caller must
        use the normal path."""
        protocol = self._protocol
        if (
            protocol is None
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.conn.state is not State.OPEN
            or protocol.transport.is_closing()
        ):
            return False
        protocol.transport.write(frame)
        return True


def _sansio_protocol(ws: WebSocket) -> Any | None:
    """uvicorn's protocol object behind this socket (its `receive` is a bound method of it), if it is the
    websockets-sansio one with the handshake done and no extension (compression) negotiated."""
    protocol: Any = getattr(getattr(ws, "_receive", None), "__self__", None)
    if protocol is None or type(protocol).__name__ != SANSIO_PROTOCOL:
        return None
    needed = ("conn", "transport", "writable", "close_sent", "disconnected", "handshake_complete")
    if not all(hasattr(protocol, name) for name in needed):
        return None
    if not protocol.handshake_complete or getattr(protocol.conn, "extensions", None):
        return None
    return protocol
