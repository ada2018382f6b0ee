"""WebSocket routes: the phone's capture socket and the viewers' watch socket.

Plain Starlette routes, not FastAPI's `@router.websocket`: these handlers take no dependencies, and FastAPI's
dependency machinery keeps its exit stacks and caches alive for as long as the socket is open — about 7 KiB
per connection, measured with tracemalloc over 450 open sockets (bench/README-load.md)."""

from __future__ import annotations

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket

from openscg.live.capture import handle_capture
from openscg.live.watch import handle_watch


async def capture(websocket: WebSocket) -> None:
    await handle_capture(websocket, websocket.path_params["session_id"], websocket.app.state.ctx)


async def watch(websocket: WebSocket) -> None:
    await handle_watch(websocket, websocket.path_params["session_id"], websocket.app.state.ctx)


routes = [
    WebSocketRoute("/ws/v1/sessions/{session_id}/capture", capture),
    WebSocketRoute("/ws/v1/sessions/{session_id}/watch", watch),
]
