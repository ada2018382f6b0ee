"""Who may open a WebSocket at all, decided before any handler runs (ASGI middleware, see app.py).

- `Origin`: a browser always sends it; a page of an origin not in `OPENSCG_CORS_ORIGINS` (nor the server's own
  origin) is closed with 4403, so another site cannot use a visitor's browser to reach the server. Clients
  without `Origin` (the phone simulator, scripts) are not browsers and are let through; `*` allows any origin.
- Open sockets per client address: one more than `OPENSCG_MAX_SOCKETS_PER_ADDRESS` is closed with 4429.
  Counted per server process, in memory.

A refused socket is accepted and closed at once, so the client sees the close code and a reason (a refusal
during the handshake would show only as HTTP 403).
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)


class SocketAdmission:
    def __init__(self, app: ASGIApp, allowed_origins: list[str], max_sockets_per_address: int) -> None:
        self.app = app
        self.any_origin = "*" in allowed_origins
        self.allowed_origins = {origin.rstrip("/").lower() for origin in allowed_origins}
        self.max_sockets_per_address = max_sockets_per_address
        self.open_sockets: dict[str, int] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        if not self._scope_origin_allowed(scope):
            reason = "origin not allowed: add it to OPENSCG_CORS_ORIGINS"
            await _refuse(scope, receive, send, 4403, reason)
            return
        client = scope.get("client")
        address = client[0] if client else ""
        count = self.open_sockets.get(address, 0)
        if count >= self.max_sockets_per_address:
            reason = f"too many open sockets from this address (limit {self.max_sockets_per_address})"
            await _refuse(scope, receive, send, 4429, reason)
            return
        self.open_sockets[address] = count + 1
        try:
            await self.app(scope, receive, send)
        finally:
            left = self.open_sockets.get(address, 1) - 1
            if left > 0:
                self.open_sockets[address] = left
            else:
                self.open_sockets.pop(address, None)

    def _scope_origin_allowed(self, scope: Scope) -> bool:
        """A method of its own: the headers dict is not kept for as long as the socket is open."""
        headers = dict(scope.get("headers", []))
        origin = headers.get(b"origin")
        return origin is None or self._origin_allowed(origin.decode("latin-1"), headers.get(b"host"))

    def _origin_allowed(self, origin: str, host: bytes | None) -> bool:
        origin = origin.rstrip("/").lower()
        if self.any_origin or origin in self.allowed_origins:
            return True
        # the server's own origin (client and API behind one host): same host and port as the request
        return host is not None and urlsplit(origin).netloc == host.decode("latin-1").lower()


async def _refuse(scope: Scope, receive: Receive, send: Send, code: int, reason: str) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    log.info("socket refused", extra={"code": code, "reason": reason, "path": scope.get("path", "")})
    app = scope.get("app")
    ctx = getattr(getattr(app, "state", None), "ctx", None)
    if ctx is not None:
        ctx.metrics.closes.labels(str(code)).inc()
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": code, "reason": reason})
