"""create_app(settings): the lifespan builds database, broker and hub; routers; errors mapped once."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from openscg import __version__
from openscg.api_schema import document_errors
from openscg.context import Context
from openscg.db import make_engine, migrate
from openscg.demo_patient import router as demo_router
from openscg.errors import OpenSCGError, RateLimited
from openscg.live.admission import SocketAdmission
from openscg.live.broker import make_broker
from openscg.live.hub import Hub
from openscg.live.routes import routes as live_routes
from openscg.metrics import Metrics
from openscg.ratelimit import RateLimiter
from openscg.sessions.analysis_route import router as analysis_router
from openscg.sessions.retention import start_retention
from openscg.sessions.routes import router as sessions_router
from openscg.sessions.store import SessionStore
from openscg.settings import Settings

log = logging.getLogger(__name__)
HEALTH_TIMEOUT_S = 3.0


def create_app(settings: Settings) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.database_url, settings.db_pool_size)
        await asyncio.to_thread(migrate, engine)
        store = SessionStore(engine, settings.write_batch_max, settings.commit_gather_ms / 1000.0)
        store.start()
        broker = make_broker(settings.broker_url)
        await broker.start()
        metrics = Metrics()
        app.state.ctx = Context(
            settings=settings,
            store=store,
            broker=broker,
            hub=Hub(broker),
            metrics=metrics,
            create_limiter=RateLimiter(settings.sessions_per_minute, "sessions created"),
        )
        start_retention(app.state.ctx)  # cancelled with the other background tasks below
        log.info(
            "openscg ready",
            extra={"database": engine.url.get_backend_name(), "broker": settings.broker_url.split(":")[0]},
        )
        try:
            yield
        finally:
            for task in list(app.state.ctx.background):
                task.cancel()
            await asyncio.gather(*app.state.ctx.background, return_exceptions=True)
            await broker.close()
            await asyncio.to_thread(store.close)

    app = FastAPI(
        title="OpenSCG",
        version=__version__,
        summary="Live smartphone seismocardiography: capture, store, relay, analyse.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes, max_import_bytes=settings.max_import_bytes)
    app.add_middleware(
        SocketAdmission,
        allowed_origins=settings.cors_origins,
        max_sockets_per_address=settings.max_sockets_per_address,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.cors_origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        max_age=600,
    )
    app.include_router(sessions_router)
    app.include_router(analysis_router)
    app.include_router(demo_router)
    app.router.routes.extend(live_routes)
    _add_service_routes(app)
    _add_error_handlers(app)
    document_errors(app)
    return app


def _add_service_routes(app: FastAPI) -> None:
    @app.get("/health", tags=["service"], summary="Readiness: database and broker")
    async def health(request: Request) -> JSONResponse:
        ctx: Context = request.app.state.ctx
        checks = {
            "database": await _check(ctx.store.ping()),
            "broker": await _check(ctx.broker.ping()),
        }
        healthy = all(value == "ok" for value in checks.values())
        body = {"status": "ok" if healthy else "unavailable", "checks": checks}
        return JSONResponse(body, status_code=200 if healthy else 503)

    @app.get("/metrics", tags=["service"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        ctx: Context = request.app.state.ctx
        ctx.metrics.writer_pending.set(ctx.store.writer.pending)
        return Response(ctx.metrics.render(), media_type=CONTENT_TYPE_LATEST)


async def _check(probe: Any) -> str:
    try:
        await asyncio.wait_for(probe, timeout=HEALTH_TIMEOUT_S)
    except Exception as exc:
        return f"failing: {type(exc).__name__}: {str(exc)[:200]}"
    return "ok"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(OpenSCGError)
    async def domain_error(_request: Request, error: OpenSCGError) -> JSONResponse:
        headers = {"Retry-After": str(error.retry_after_s)} if isinstance(error, RateLimited) else None
        return JSONResponse({"detail": error.detail}, status_code=error.status, headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(_request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 400:  # FastAPI's "error parsing the body" (e.g. not UTF-8): an invalid body
            return JSONResponse({"detail": f"invalid body: {error.detail}"}, status_code=422)
        return JSONResponse({"detail": error.detail}, status_code=error.status_code, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_body(_request: Request, error: RequestValidationError) -> JSONResponse:
        reasons = []
        for item in error.errors():
            where = ".".join(str(part) for part in item.get("loc", ()) if part != "body") or "body"
            reasons.append(f"{where}: {item.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(reasons) or "invalid request"}, status_code=422)


class BodyLimit:
    """413 for a request body over the limit, counted as it arrives (Content-Length may be absent or lie)."""

    def __init__(self, app: ASGIApp, max_body_bytes: int, max_import_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_import_bytes = max_import_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_import_bytes if scope["path"].endswith("/import") else self.max_body_bytes
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _too_large(send, limit)
            return
        received = 0
        response_started = False
        answered = False  # the 413 is sent from receive: FastAPI turns errors raised there into a 400

        async def limited_receive() -> Message:
            nonlocal received, answered
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    if not response_started and not answered:
                        answered = True
                        await _too_large(send, limit)
                    raise _BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if answered:
                return  # the 413 went out in place of whatever the app answers now
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            if not response_started and not answered:
                await _too_large(send, limit)


class _BodyTooLarge(Exception):
    pass


async def _too_large(send: Send, limit: int) -> None:
    response = JSONResponse({"detail": f"request body exceeds the {limit}-byte limit"}, status_code=413)
    await response({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}
