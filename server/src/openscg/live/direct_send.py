"""Writing a ready-made text frame straight to a WebSocket's transport, skipping the per-message ASGI path.

Why: under load most of the server's frames are the same few bytes for many sockets — a batch relayed to
each of its viewers — and acks. Through Starlette → uvicorn → websockets each send costs tens of µs of
Python before its system call. Here a batch is framed once (server frames are not masked) and the bytes are
written to every viewer's transport, and an ack is framed and written in one step.

It is used only when nothing can be in the way, and the caller falls back to the normal `send_text`
otherwise: the handshake is done, no close frame was sent, the connection is open, the transport is not
paused by flow control (so a slow reader still fills its outbox and is let go as before), and no
compression extension was negotiated (`openscg serve` turns it off). It engages only on uvicorn's
websockets-sansio implementation, which `openscg serve` selects; under any other server it stays off —
silently but for /metrics: every frame written here counts in `openscg_direct_frames_total`.
"""

from __future__ import annotations

import fcntl
import socket
import struct
import termios
from typing import Any

from starlette.websockets import WebSocket
from websockets.frames import Frame, Opcode
from websockets.protocol import State

from openscg.metrics import HotCounter

SANSIO_PROTOCOL = "WebSocketsSansIOProtocol"


def text_frame(text: str) -> bytes:
    """`text` as one unmasked, unfragmented WebSocket text frame (what a server sends)."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False, extensions=[])


class DirectWriter:
    """The transport of one accepted WebSocket, when it can take frames directly."""

    def __init__(self, ws: WebSocket, written: HotCounter | None = None) -> None:
        self._protocol = _sansio_protocol(ws)
        #: counts every frame written here (the server passes Metrics.direct_frames; others need not)
        self._written = written if written is not None else HotCounter("direct_frames", "not exported")
        #: the most of the kernel's send queue counted as held: what its send buffer takes now; more can only be
        #: left over from before the buffer was made smaller, and drains without new frames joining it
        self._kernel_cap_bytes = _kernel_buffer_bytes(self._protocol.transport) if self._protocol else 0

    async def drained(self) -> None:
        """Return once the event loop's buffer for this socket is below its low-water mark."""
        if self._protocol is not None:
            await self._protocol.writable.wait()

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
        self._written.inc()
        return True

    def backlog_bytes(self) -> int:
        """Bytes written to this socket that its client has not taken yet — the event loop's buffer plus the
        kernel's send queue — counted only while the event loop holds some (the kernel refused more: the
        client is not keeping up); 0 otherwise, and where the transport is unknown."""
        if self._protocol is None:
            return 0
        transport = self._protocol.transport
        buffered = int(transport.get_write_buffer_size())
        return buffered + min(_kernel_queue_bytes(transport), self._kernel_cap_bytes) if buffered else 0


def _kernel_buffer_bytes(transport: Any) -> int:
    """The socket's send buffer size (0 where the socket is gone: the client left)."""
    sock = transport.get_extra_info("socket")
    try:
        return int(sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)) if sock is not None else 0
    except (OSError, ValueError):
        return 0


def _kernel_queue_bytes(transport: Any) -> int:
    """The socket's bytes not yet taken by the peer, in the kernel (Linux SIOCOUTQ); its send buffer size
    where that cannot be asked."""
    sock = transport.get_extra_info("socket")
    if sock is None:
        return 0
    try:
        return int(struct.unpack("i", fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, bytes(4)))[0])
    except (OSError, ValueError):
        return _kernel_buffer_bytes(transport)


def server_protocol(ws: WebSocket) -> Any | None:
    """The ASGI server's protocol object behind this socket (its `receive` is a bound method of it), if any."""
    return getattr(getattr(ws, "_receive", None), "__self__", None)


def _sansio_protocol(ws: WebSocket) -> Any | None:
    """uvicorn's protocol object behind this socket, if it is the websockets-sansio one with the handshake done
    and no extension (compression) negotiated."""
    protocol = server_protocol(ws)
    if protocol is None or type(protocol).__name__ != SANSIO_PROTOCOL:
        return None
    needed = ("conn", "transport", "writable", "close_sent", "disconnected", "handshake_complete")
    if not all(hasattr(protocol, name) for name in needed):
        return None
    if not protocol.handshake_complete or getattr(protocol.conn, "extensions", None):
        return None
    return protocol
