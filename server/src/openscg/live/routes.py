"""WebSocket routes: the phone's capture socket and the viewers' watch socket."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from openscg.live.capture import handle_capture
from openscg.live.watch import handle_watch

router = APIRouter()


@router.websocket("/ws/v1/sessions/{session_id}/capture")
async def capture(websocket: WebSocket, session_id: str) -> None:
    await handle_capture(websocket, session_id, websocket.app.state.ctx)


@router.websocket("/ws/v1/sessions/{session_id}/watch")
async def watch(websocket: WebSocket, session_id: str) -> None:
    await handle_watch(websocket, session_id, websocket.app.state.ctx)
