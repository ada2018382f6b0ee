"""A lean WebSocket client on a raw asyncio protocol, so that one generator core can play thousands of sockets.

Why not a WebSocket library: at 500 phones × 2 viewers the generator handles ~40k frames a second (10k batches
out, 10k acks and 20k deliveries in); a full client library spends ~30-50 µs of Python per frame, more than one
core. Here a received text frame is handed over as bytes without decoding, and a sent one is a header plus the
payload (masked with the all-zero key, which RFC 6455 allows and which leaves the payload unchanged).
Only what the benchmark needs: text frames, ping → pong, close. Loopback only.
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import Callable

OnText = Callable[[bytes], None]
ZERO_MASK = b"\x00\x00\x00\x00"


def frame(payload: bytes, opcode: int = 1) -> bytes:
    """One client frame (FIN set, masked with the zero key)."""
    n = len(payload)
    if n < 126:
        head = bytes((0x80 | opcode, 0x80 | n))
    elif n < 65536:
        head = bytes((0x80 | opcode, 0xFE)) + n.to_bytes(2, "big")
    else:
        head = bytes((0x80 | opcode, 0xFF)) + n.to_bytes(8, "big")
    return head + ZERO_MASK + payload


class Socket(asyncio.Protocol):
    """One client WebSocket. `on_text` gets every text frame's payload; `closed` resolves to the close code
    (1006 when the connection dropped without a close frame) and `closed_at` is when (monotonic s)."""

    def __init__(self, on_text: OnText | None = None) -> None:
        loop = asyncio.get_running_loop()
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.upgraded: asyncio.Future[None] = loop.create_future()
        self.closed: asyncio.Future[int] = loop.create_future()
        self.closed_at = 0.0
        self._buffer = bytearray()
        self._first: asyncio.Future[bytes] | None = None

    # -- asyncio.Protocol ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(1006)
        if not self.upgraded.done():
            self.upgraded.set_exception(ConnectionError("connection lost during the handshake"))
        if self._first is not None and not self._first.done():
            self._first.set_exception(ConnectionError(f"closed before the first message ({self.close_code})"))

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        if not self.upgraded.done():
            end = self._buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            status = bytes(self._buffer[:end]).split(b"\r\n", 1)[0]
            del self._buffer[: end + 4]
            if b" 101 " not in status + b" ":
                self.upgraded.set_exception(ConnectionError(f"no upgrade: {status!r}"))
                return
            self.upgraded.set_result(None)
        self._parse()

    # -- frames ----------------------------------------------------------------------------------------
    def _parse(self) -> None:
        buf, pos, size = self._buffer, 0, len(self._buffer)
        while size - pos >= 2:
            opcode, length, head = buf[pos] & 0x0F, buf[pos + 1] & 0x7F, 2
            if length == 126:
                if size - pos < 4:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 4], "big"), 4
            elif length == 127:
                if size - pos < 10:
                    break
                length, head = int.from_bytes(buf[pos + 2 : pos + 10], "big"), 10
            if size - pos < head + length:
                break
            payload = bytes(buf[pos + head : pos + head + length])
            pos += head + length
            if opcode == 1:
                self._text(payload)
            elif opcode == 8:
                code = int.from_bytes(payload[:2], "big") if len(payload) >= 2 else 1005
                self._write(frame(payload[:2], 8))
                self._finish(code)
                if self.transport is not None:
                    self.transport.close()
            elif opcode == 9:
                self._write(frame(payload, 10))
        del buf[:pos]

    def _text(self, payload: bytes) -> None:
        if self._first is not None and not self._first.done():
            self._first.set_result(payload)
        elif self.on_text is not None:
            self.on_text(payload)

    def _finish(self, code: int) -> None:
        if not self.closed.done():
            self.closed_at = time.monotonic()
            self.closed.set_result(code)

    def _write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    # -- API -------------------------------------------------------------------------------------------
    @property
    def is_open(self) -> bool:
        return self.upgraded.done() and not self.closed.done()

    @property
    def close_code(self) -> int | None:
        return self.closed.result() if self.closed.done() else None

    def send(self, payload: bytes) -> None:
        self._write(frame(payload))

    def stall(self) -> None:
        """Stop reading (the kernel buffers fill, then the server's outbox for this socket)."""
        if self.transport is not None:
            self.transport.pause_reading()

    def unstall(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.resume_reading()

    def abort(self) -> None:
        """Drop the connection without a close frame (like a network drop)."""
        if self.transport is not None:
            self.transport.abort()

    def close(self) -> None:
        self._write(frame((1000).to_bytes(2, "big"), 8))
        if self.transport is not None:
            self.transport.close()


async def open_socket(
    host: str,
    port: int,
    path: str,
    hello: bytes,
    on_text: OnText | None = None,
    timeout_s: float = 60.0,
    receive_buffer: int = 0,
) -> tuple[Socket, bytes]:
    """Connect, upgrade, send `hello` and return the socket with the server's first message (`ready`); every
    later text frame goes to `on_text` (set before the handshake: frames may follow `ready` in the same read).
    `receive_buffer` > 0 caps the kernel's receive buffer (a stalled viewer then holds little on its side)."""
    loop = asyncio.get_running_loop()
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setblocking(False)
    if receive_buffer:
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    try:
        await asyncio.wait_for(loop.sock_connect(raw, (host, port)), timeout_s)
    except BaseException:
        raw.close()
        raise
    _transport, sock = await loop.create_connection(lambda: Socket(on_text), sock=raw)
    key = base64.b64encode(os.urandom(16)).decode()
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nUser-Agent: openscg-bench-load\r\n\r\n"
    )
    sock._first = loop.create_future()
    sock._write(request.encode())
    await asyncio.wait_for(sock.upgraded, timeout_s)
    sock.send(hello)
    first = await asyncio.wait_for(sock._first, timeout_s)
    if b'"ready"' not in first:
        sock.abort()
        raise ConnectionError(f"no ready: {first[:200]!r}")
    return sock, first
