"""A small protocol client for tests: REST calls and WebSocket handshakes exactly as PROTOCOL.md says."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.server_process import ServerProcess

T0_MS = 1_764_000_000_000.0  # a fixed epoch for synthetic samples


def samples(n: int, t0_ms: float = T0_MS, dt_ms: float = 10.0, start: int = 0) -> list[list[float]]:
    """n valid samples, t strictly increasing from t0 + start·dt; values vary so mistakes show."""
    return [
        [t0_ms + (start + i) * dt_ms, 0.01 * ((start + i) % 7), -0.02, 9.81 + 0.001 * (start + i)] for i in range(n)
    ]


def create_session(server: ServerProcess, **body: Any) -> dict[str, Any]:
    response = httpx.post(server.base_url + "/api/v1/sessions", json=body or None, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def recv_json(ws: ClientConnection, timeout_s: float = 10.0) -> dict[str, Any]:
    return json.loads(await asyncio.wait_for(ws.recv(), timeout_s))


async def send_json(ws: ClientConnection, message: Any) -> None:
    await ws.send(json.dumps(message))


async def open_capture(server: ServerProcess, session: dict[str, Any], token: str | None = None):
    """Connect the phone's socket and complete hello → ready. Returns (socket, ready message)."""
    ws = await connect(server.ws_url(session["captureUrl"]), max_size=None)
    await send_json(ws, {"type": "hello", "token": token or session["patientToken"]})
    ready = await recv_json(ws)
    assert ready["type"] == "ready", ready
    return ws, ready


async def open_watch(server: ServerProcess, session: dict[str, Any], since: int | None = None, **kwargs: Any):
    ws = await connect(server.ws_url(session["watchUrl"]), max_size=None, **kwargs)
    hello: dict[str, Any] = {"type": "hello", "token": session["viewerToken"]}
    if since is not None:
        hello["since"] = since
    await send_json(ws, hello)
    ready = await recv_json(ws)
    assert ready["type"] == "ready", ready
    return ws, ready


async def send_batch(ws: ClientConnection, seq: int, batch: list[list[float]]) -> dict[str, Any]:
    """Send one batch and return the server's answer to it (ack or error), skipping other messages."""
    await send_json(ws, {"type": "samples", "seq": seq, "samples": batch})
    while True:
        answer = await recv_json(ws)
        if answer["type"] in ("ack", "error"):
            return answer


async def close_code(ws: ClientConnection, timeout_s: float = 15.0) -> int | None:
    """Wait for the server to close the socket; return its close code (messages before it are discarded)."""
    try:
        async with asyncio.timeout(timeout_s):
            async for _ in ws:
                pass
    except TimeoutError:
        raise AssertionError("the server did not close the socket") from None
    except Exception:
        pass
    return ws.close_code
