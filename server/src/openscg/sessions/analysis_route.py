"""`GET /api/v1/sessions/{id}/analysis`: the offline analysis of everything stored so far."""

from __future__ import annotations

import asyncio
from typing import Any

import numpy as np
from fastapi import APIRouter, Request

from openscg.context import Context
from openscg.sessions.access import bearer_token, role_for
from openscg.sessions.routes import Authorization

router = APIRouter(prefix="/api/v1/sessions", tags=["analysis"])


@router.get("/{session_id}/analysis", summary="Heart rate, beats, signal quality, HRV and breathing")
async def get_analysis(request: Request, session_id: str, authorization: Authorization = None) -> dict[str, Any]:
    ctx: Context = request.app.state.ctx
    row = await ctx.store.get(session_id)
    role = role_for(row, bearer_token(authorization))
    ctx.store.access_log.record(session_id, role, "analysis", request.headers.get("user-agent"))
    result = await asyncio.to_thread(_analyze_stored, ctx, session_id)
    return {"sessionId": session_id, **result}


def _analyze_stored(ctx: Context, session_id: str) -> dict[str, Any]:
    from openscg.analysis import analyze_recording  # SciPy loads on first use, not at server startup

    rows = [sample for batch in ctx.store.iter_samples(session_id) for sample in batch]
    array = np.asarray(rows, dtype=np.float64).reshape(-1, 4)
    return analyze_recording(array[:, 0], array[:, 1:4])
