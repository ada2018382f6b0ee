"""`POST /api/v1/demo`: a virtual patient on the server, so a newcomer without a phone sees a real heartbeat.

It replays a bundled real recording (openscg/demo) into a new session through this server's own capture socket,
exactly as a phone would, looping for `demo_duration_s`, then ends the session.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from openscg.context import Context
from openscg.errors import ServiceBusy
from openscg.recordings import load_bundled
from openscg.sessions.routes import client_address, open_session

log = logging.getLogger(__name__)
router = APIRouter(tags=["demo"])


@router.post("/api/v1/demo", status_code=201, summary="Start a demo patient; answers its viewer link parts")
async def start_demo(request: Request) -> JSONResponse:
    ctx: Context = request.app.state.ctx
    ctx.create_limiter.check(client_address(request))
    running = sum(1 for task in ctx.background if task.get_name().startswith("demo:"))
    if running >= ctx.settings.max_demo_patients:
        raise ServiceBusy(f"{running} demo patients are already streaming; try again in a few minutes")
    recording = await asyncio.to_thread(load_bundled, ctx.settings.demo_recording)
    device = {"userAgent": "openscg-demo-patient", "platform": "virtual"}
    row, patient_token, viewer_token = await open_session(ctx, "demo patient", device)
    session_id = row["id"]
    task = asyncio.create_task(_stream(ctx, own_url(request), recording, session_id, patient_token))
    task.set_name(f"demo:{session_id}")
    ctx.background.add(task)
    task.add_done_callback(ctx.background.discard)
    body = {"sessionId": session_id, "viewerToken": viewer_token, "watchUrl": f"/ws/v1/sessions/{session_id}/watch"}
    return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})


def own_url(request: Request) -> str:
    """This server as seen from inside its own machine (the socket it listens on, via loopback)."""
    server: Any = request.scope.get("server") or ("127.0.0.1", 8000)
    host, port = server[0], server[1]
    if host in ("0.0.0.0", "::", "", None):
        host = "127.0.0.1"
    return f"http://{'[' + host + ']' if ':' in str(host) else host}:{port}"


async def _stream(ctx: Context, server_url: str, recording: Any, session_id: str, patient_token: str) -> None:
    from openscg.simulate import run_virtual_phone

    try:
        await run_virtual_phone(
            server_url,
            recording,
            session_id=session_id,
            patient_token=patient_token,
            loop=True,
            duration_s=ctx.settings.demo_duration_s,
        )
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("demo patient stopped", extra={"session_id": session_id})
