"""REST routes for sessions: thin — parse, call the store, answer. Errors are raised as domain errors and
mapped to statuses in app.py."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from openscg.context import Context
from openscg.document import DocumentError, iter_document_csv, iter_document_json, parse_document
from openscg.errors import InvalidInput
from openscg.live.broker import Event
from openscg.sessions.access import bearer_token, require_patient, role_for
from openscg.sessions.metadata import parse_iso_ms, session_metadata
from openscg.sessions.store import NewSession
from openscg.tokens import hash_token, new_token

router = APIRouter(prefix="/api/v1/sessions", tags=["sessions"])
Authorization = Annotated[str | None, Header(description="Bearer <patientToken or viewerToken>")]


class Device(BaseModel):
    model_config = ConfigDict(extra="allow")
    userAgent: str | None = Field(None, max_length=512)
    platform: str | None = Field(None, max_length=128)


class CreateSession(BaseModel):
    device: Device | None = None
    label: str | None = Field(None, max_length=200)


def _ctx(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def _metadata(ctx: Context, row: dict[str, Any]) -> dict[str, Any]:
    presence = await ctx.broker.presence(row["id"])
    return session_metadata(row, presence.patient_connected, presence.viewers)


def _created(ctx: Context, meta: dict[str, Any], patient_token: str, viewer_token: str) -> JSONResponse:
    session_id = meta["sessionId"]
    body = {
        **meta,
        "patientToken": patient_token,
        "viewerToken": viewer_token,
        "captureUrl": f"/ws/v1/sessions/{session_id}/capture",
        "watchUrl": f"/ws/v1/sessions/{session_id}/watch",
    }
    return JSONResponse(body, status_code=201, headers={"Cache-Control": "no-store"})


@router.post("", status_code=201, summary="Create a session (returns its two secrets once)")
async def create_session(request: Request, body: CreateSession | None = None) -> JSONResponse:
    ctx = _ctx(request)
    ctx.create_limiter.check(client_address(request))
    device = body.device.model_dump(exclude_none=True) if body and body.device else None
    row, patient_token, viewer_token = await open_session(ctx, body.label if body else None, device)
    return _created(ctx, await _metadata(ctx, row), patient_token, viewer_token)


async def open_session(
    ctx: Context, label: str | None, device: dict[str, Any] | None
) -> tuple[dict[str, Any], str, str]:
    """Create a session; return its row and its two secrets (which exist nowhere else from here on)."""
    patient_token, viewer_token = new_token(), new_token()
    new = NewSession(label, device, hash_token(patient_token), hash_token(viewer_token))
    return await ctx.store.create(new), patient_token, viewer_token


@router.post("/import", status_code=201, summary="Import a recording document as an ended session")
async def import_session(request: Request) -> JSONResponse:
    ctx = _ctx(request)
    ctx.create_limiter.check(client_address(request))
    raw = await request.body()
    try:
        document = parse_document(orjson.loads(raw), ctx.settings.max_abs_accel_ms2)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"body is not valid JSON: {exc}") from None
    except DocumentError as exc:
        raise InvalidInput(str(exc)) from None
    patient_token, viewer_token = new_token(), new_token()
    new = NewSession(document.label, document.device, hash_token(patient_token), hash_token(viewer_token))
    times = {
        "started_at_ms": parse_iso_ms(document.started_at),
        "ended_at_ms": parse_iso_ms(document.ended_at),
    }
    row = await ctx.store.import_session(new, document.samples, times)
    return _created(ctx, await _metadata(ctx, row), patient_token, viewer_token)


def _record(ctx: Context, request: Request, session_id: str, role: str, action: str) -> None:
    """Note this access in the session's access log (never waits; see sessions/access_log.py)."""
    ctx.store.access_log.record(session_id, role, action, request.headers.get("user-agent"))


@router.get("/{session_id}", summary="Session metadata")
async def get_session(request: Request, session_id: str, authorization: Authorization = None) -> dict[str, Any]:
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    _record(ctx, request, session_id, role_for(row, bearer_token(authorization)), "metadata")
    return await _metadata(ctx, row)


@router.post("/{session_id}/end", summary="End the session (patient; idempotent)")
async def end_session(request: Request, session_id: str, authorization: Authorization = None) -> dict[str, Any]:
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    require_patient(row, bearer_token(authorization))
    _record(ctx, request, session_id, "patient", "end")
    was_ended = row["status"] == "ended"
    row = await ctx.store.end(session_id)
    if not was_ended:
        await ctx.hub.publish(session_id, Event("ended"))
        await ctx.hub.publish_status(session_id, "ended")
    return await _metadata(ctx, row)


@router.delete("/{session_id}", status_code=204, summary="Erase the session and its samples (patient)")
async def delete_session(request: Request, session_id: str, authorization: Authorization = None) -> Response:
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    require_patient(row, bearer_token(authorization))
    await ctx.store.delete(session_id)
    await ctx.hub.publish(session_id, Event("deleted"))
    return Response(status_code=204)


@router.post("/{session_id}/viewer-token", summary="Revoke the share link: a new viewerToken (patient)")
async def replace_viewer_token(request: Request, session_id: str, authorization: Authorization = None) -> JSONResponse:
    """The old viewer token stops working at once (401) and its open watch sockets are closed with 4401, on
    every server process; sockets opened with the patient token stay."""
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    require_patient(row, bearer_token(authorization))
    viewer_token = new_token()
    await ctx.store.replace_viewer_token_hash(session_id, hash_token(viewer_token))
    await ctx.hub.publish(session_id, Event("revoked"))
    _record(ctx, request, session_id, "patient", "revoke")
    return JSONResponse({"viewerToken": viewer_token}, headers={"Cache-Control": "no-store"})


@router.get("/{session_id}/access-log", summary="Who accessed the session: time, role, action, client (patient)")
async def get_access_log(request: Request, session_id: str, authorization: Authorization = None) -> JSONResponse:
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    require_patient(row, bearer_token(authorization))
    entries = await ctx.store.access_log.entries(session_id)
    return JSONResponse({"entries": entries}, headers={"Cache-Control": "no-store"})


@router.get("/{session_id}/data", summary="The stored samples as a session document (or CSV)")
async def get_data(
    request: Request,
    session_id: str,
    authorization: Authorization = None,
    format: Annotated[str, Query(pattern="^(json|csv)$", description="json (default) or csv")] = "json",
) -> StreamingResponse:
    ctx = _ctx(request)
    row = await ctx.store.get(session_id)
    _record(ctx, request, session_id, role_for(row, bearer_token(authorization)), "data")
    meta = await _metadata(ctx, row)
    batches = ctx.store.iter_samples(session_id)
    if format == "csv":
        name = f"openscg-{session_id}.csv"
        return _stream(iter_document_csv(batches), "text/csv; charset=utf-8", name)
    return _stream(iter_document_json(meta, batches), "application/json", f"openscg-{session_id}.json")


def _stream(chunks: Iterator[bytes], media_type: str, filename: str) -> StreamingResponse:
    """Stream chunks produced by a blocking iterator without blocking the event loop."""

    async def body() -> AsyncIterator[bytes]:
        sentinel = object()
        while True:
            chunk = await asyncio.to_thread(next, chunks, sentinel)
            if chunk is sentinel:
                return
            yield chunk  # type: ignore[misc]

    headers = {"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"}
    return StreamingResponse(body(), media_type=media_type, headers=headers)
