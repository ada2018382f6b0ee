"""The floor of the stack: a relay with nothing of OpenSCG's work in it, served exactly as `openscg serve` is.

Speaks just enough of the protocol for the load generator: create a session, hello → ready, and for every
batch an ack and the phone's own text forwarded to each viewer. No storage, no validation, no hub, no
metrics. Same uvicorn, WebSocket implementation (websockets-sansio), loop (uvloop), GC and GIL settings as
`openscg serve`. With `--direct`, acks and relayed frames go out through openscg's DirectWriter, as in the
server; without it, through Starlette's `send_text`.

What this relay costs per batch is what any server on this stack pays before storing or checking anything:
`bench/load.py --only floor` runs the sweep against it (bench/README-load.md).
"""

from __future__ import annotations

import argparse
import uuid

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from openscg.live.direct_send import DirectWriter, text_frame
from openscg.serve import GIL_SWITCH_INTERVAL_S, tune_gc

DIRECT = False
viewers: dict[str, list[tuple[WebSocket, DirectWriter | None]]] = {}


async def create_session(_request: Request) -> JSONResponse:
    session_id = str(uuid.uuid4())
    viewers[session_id] = []
    return JSONResponse(
        {
            "id": session_id,
            "patientToken": "p",
            "viewerToken": "v",
            "captureUrl": f"/ws/{session_id}/capture",
            "watchUrl": f"/ws/{session_id}/watch",
        },
        status_code=201,
    )


async def health(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("ok")


async def metrics(_request: Request) -> PlainTextResponse:
    return PlainTextResponse("")


async def send(ws: WebSocket, direct: DirectWriter | None, text: str, frame: bytes | None) -> None:
    if direct is None or frame is None or not direct.write(frame):
        await ws.send_text(text)


async def capture(ws: WebSocket) -> None:
    await ws.accept()
    watchers = viewers[ws.path_params["session_id"]]
    direct = DirectWriter(ws) if DIRECT else None
    await ws.receive_text()  # hello
    await ws.send_text('{"type":"ready","nextSeq":0}')
    try:
        while True:
            text = await ws.receive_text()
            seq = orjson.loads(text)["seq"]
            ack = f'{{"type":"ack","seq":{seq}}}'
            await send(ws, direct, ack, text_frame(ack) if DIRECT else None)
            frame = text_frame(text) if DIRECT else None
            for viewer, viewer_direct in watchers:
                await send(viewer, viewer_direct, text, frame)
    except WebSocketDisconnect:
        pass


async def watch(ws: WebSocket) -> None:
    await ws.accept()
    watchers = viewers[ws.path_params["session_id"]]
    await ws.receive_text()  # hello
    await ws.send_text('{"type":"ready","session":{}}')
    entry = (ws, DirectWriter(ws) if DIRECT else None)
    watchers.append(entry)
    try:
        while True:
            await ws.receive_text()
    except WebSocketDisconnect:
        pass
    finally:
        watchers.remove(entry)


def app() -> Starlette:
    import sys

    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    routes = [
        Route("/api/v1/sessions", create_session, methods=["POST"]),
        Route("/health", health),
        Route("/metrics", metrics),
        WebSocketRoute("/ws/{session_id}/capture", capture),
        WebSocketRoute("/ws/{session_id}/watch", watch),
    ]
    application = Starlette(routes=routes)
    tune_gc()
    return application


def main() -> None:
    global DIRECT
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--direct",
        action="store_true",
        help="acks and relayed frames through DirectWriter",
    )
    args = parser.parse_args()
    DIRECT = args.direct
    uvicorn.run(
        app(),
        host=args.host,
        port=args.port,
        ws="websockets-sansio",
        ws_per_message_deflate=False,
        log_config=None,
        access_log=False,
    )


if __name__ == "__main__":
    main()
