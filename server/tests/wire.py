"""A small protocol client for tests: REST calls and WebSocket handshakes exactly as PROTOCOL.md says."""

from __future__ import annotations

import asyncio
import functools
import json
import time
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from tests.server_process import ServerProcess

# Synthetic samples start at a whole hour an hour or two before now: the server refuses live samples far from its
# clock (OPENSCG_MAX_CLOCK_SKEW_S), and a whole number keeps every derived value exact.
T0_MS = float((int(time.time()) // 3600 - 1) * 3_600_000)


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


# -- helpers for the protocol conformance suite (tests/protocol) -------------------------------------------


@functools.cache
def _http_client() -> httpx.Client:
    """One client for the whole test run: building one costs ~40 ms (TLS context), a request ~1 ms."""
    return httpx.Client(timeout=10)


def api(server: ServerProcess, method: str, path: str, token: str | None = None, **kwargs: Any) -> httpx.Response:
    """One REST call on `path` (relative to the server), with a bearer token when given."""
    headers = {**kwargs.pop("headers", {}), **(auth(token) if token else {})}
    return _http_client().request(method, server.base_url + path, headers=headers, **kwargs)


def session_path(session: dict[str, Any], suffix: str = "") -> str:
    return f"/api/v1/sessions/{session['sessionId']}{suffix}"


def error_detail(response: httpx.Response, status: int) -> str:
    """Assert an error answer: this status and exactly `{"detail": "<non-empty string>"}`; return the detail."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert list(body) == ["detail"], body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    return body["detail"]


def metadata(server: ServerProcess, session: dict[str, Any]) -> dict[str, Any]:
    response = api(server, "GET", session_path(session), session["viewerToken"])
    assert response.status_code == 200, response.text
    return response.json()


def stored_samples(server: ServerProcess, session: dict[str, Any]) -> list[list[float]]:
    response = api(server, "GET", session_path(session, "/data"), session["viewerToken"])
    assert response.status_code == 200, response.text
    return response.json()["samples"]


async def connect_raw(server: ServerProcess, path: str, **kwargs: Any) -> ClientConnection:
    """A WebSocket with no handshake sent yet (for clients that break the hello rules)."""
    return await connect(server.ws_url(path), max_size=None, **kwargs)


async def recv_type(ws: ClientConnection, *types: str, timeout_s: float = 10.0) -> dict[str, Any]:
    """The next message of one of `types`, skipping the others (status, analysis…)."""
    while True:
        message = await recv_json(ws, timeout_s)
        if message["type"] in types:
            return message


async def messages_until_close(ws: ClientConnection, timeout_s: float = 15.0) -> tuple[list[dict[str, Any]], int]:
    """Every message until the server closes the socket, and its close code."""
    messages: list[dict[str, Any]] = []
    try:
        async with asyncio.timeout(timeout_s):
            async for raw in ws:
                messages.append(json.loads(raw))
    except TimeoutError:
        raise AssertionError(f"the server did not close the socket; got {messages[-3:]}") from None
    except Exception:
        pass
    assert ws.close_code is not None
    return messages, ws.close_code


async def assert_open(ws: ClientConnection) -> None:
    """The socket still answers: ping → pong (skipping status/analysis messages in between)."""
    await send_json(ws, {"type": "ping"})
    assert await recv_type(ws, "pong") == {"type": "pong"}


async def stream(ws: ClientConnection, count: int, per_batch: int = 10, first_seq: int = 0) -> list[list[float]]:
    """Send batches first_seq … first_seq+count-1 of `samples()` and expect each acked; return the samples."""
    sent: list[list[float]] = []
    for seq in range(first_seq, first_seq + count):
        batch = samples(per_batch, start=seq * per_batch)
        assert await send_batch(ws, seq, batch) == {"type": "ack", "seq": seq}
        sent.extend(batch)
    return sent


def new_session(server: ServerProcess, **body: Any) -> dict[str, Any]:
    """create_session through the shared client (faster when a test creates many)."""
    response = api(server, "POST", "/api/v1/sessions", json=body or None)
    assert response.status_code == 201, response.text
    return response.json()


async def next_message(ws: ClientConnection, *types: str) -> dict[str, Any]:
    """The next message that is not live analysis (its shape belongs to the analysis work); must be of `types`."""
    while True:
        message = await recv_json(ws)
        if message["type"] != "analysis":
            assert message["type"] in types, message
            return message


def status_message(status: str, patient_connected: bool, viewers: int) -> dict[str, Any]:
    return {"type": "status", "status": status, "patientConnected": patient_connected, "viewers": viewers}
