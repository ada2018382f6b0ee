"""PROTOCOL.md, limits: no hello in time closes with 4401; WebSocket messages over the size limit close with
4413; REST bodies over the limit are 413 (import has its own, larger limit); creating and importing are
rate-limited with 429 and `Retry-After`."""

from __future__ import annotations

import json
import time
from pathlib import Path

import httpx
import pytest

from tests.server_process import ServerProcess
from tests.wire import (
    T0_MS,
    api,
    connect_raw,
    error_detail,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    open_watch,
    recv_json,
    samples,
    send_batch,
    send_json,
    stored_samples,
)

MESSAGE_LIMIT = 4096
BODY_LIMIT = 2048
IMPORT_LIMIT = 4096
DEFAULT_MESSAGE_LIMIT = 256 * 1024


@pytest.fixture(scope="module")
def small_server(tmp_path_factory: pytest.TempPathFactory):
    """A server with tiny size limits, a 1 s hello timeout (and the creation rate limit lifted), for this module."""
    folder = tmp_path_factory.mktemp("small_limits")
    server = ServerProcess(
        env={
            "OPENSCG_DATABASE_URL": f"sqlite:///{folder / 'openscg.db'}",
            "OPENSCG_MAX_MESSAGE_BYTES": str(MESSAGE_LIMIT),
            "OPENSCG_MAX_BODY_BYTES": str(BODY_LIMIT),
            "OPENSCG_MAX_IMPORT_BYTES": str(IMPORT_LIMIT),
            "OPENSCG_SESSIONS_PER_MINUTE": "100000",
            "OPENSCG_HELLO_TIMEOUT_S": "1",
        },
        log_path=Path(folder / "server.log"),
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("socket_kind", ["captureUrl", "watchUrl"])
async def test_the_hello_timeout_follows_the_setting(small_server, socket_kind):
    session = new_session(small_server)
    started = time.monotonic()
    ws = await connect_raw(small_server, session[socket_kind])
    assert await messages_until_close(ws, 15) == ([], 4401)
    assert 0.99 <= time.monotonic() - started <= 10


def _padded_batch(seq: int, size: int) -> str:
    """A valid samples message of exactly `size` bytes (JSON whitespace as padding)."""
    text = json.dumps({"type": "samples", "seq": seq, "samples": samples(5, start=seq * 5)})
    assert len(text) <= size
    return text[:-1] + " " * (size - len(text)) + "}"


@pytest.mark.parametrize("socket_kind", ["captureUrl", "watchUrl"])
async def test_an_oversized_first_message_closes_4413(small_server, socket_kind):
    session = new_session(small_server)
    ws = await connect_raw(small_server, session[socket_kind])
    await ws.send(json.dumps({"type": "hello", "token": session["patientToken"], "pad": "x" * MESSAGE_LIMIT}))
    assert await messages_until_close(ws) == ([], 4413)


@pytest.mark.parametrize("frame", ["text", "binary", "multibyte"])
async def test_an_oversized_batch_closes_4413_and_is_not_stored(small_server, frame):
    session = new_session(small_server)
    phone, _ = await open_capture(small_server, session)
    assert await send_batch(phone, 0, samples(5)) == {"type": "ack", "seq": 0}
    too_big = _padded_batch(1, MESSAGE_LIMIT + 1)
    if frame == "binary":
        await phone.send(too_big.encode())
    elif frame == "multibyte":  # fewer characters than the limit, more bytes: the limit is in bytes
        message = {"type": "samples", "seq": 1, "samples": samples(5, start=5), "note": "é" * 2000}
        text = json.dumps(message, ensure_ascii=False)
        assert len(text) < MESSAGE_LIMIT < len(text.encode())
        await phone.send(text)
    else:
        await phone.send(too_big)
    messages, code = await messages_until_close(phone)
    assert code == 4413 and not [m for m in messages if m["type"] == "ack"]
    assert metadata(small_server, session)["batchCount"] == 1


async def test_a_batch_of_exactly_the_limit_is_accepted(small_server):
    session = new_session(small_server)
    phone, _ = await open_capture(small_server, session)
    await phone.send(_padded_batch(0, MESSAGE_LIMIT))
    assert await recv_json(phone) == {"type": "ack", "seq": 0}
    await phone.close()


async def test_an_oversized_viewer_message_closes_4413(small_server):
    session = new_session(small_server)
    viewer, _ = await open_watch(small_server, session)
    await send_json(viewer, {"type": "ping", "pad": "x" * MESSAGE_LIMIT})
    _messages, code = await messages_until_close(viewer)
    assert code == 4413


async def test_the_default_message_limit_is_256_kib(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await phone.send(_padded_batch(0, DEFAULT_MESSAGE_LIMIT))
    assert await recv_json(phone) == {"type": "ack", "seq": 0}
    await phone.send(_padded_batch(1, DEFAULT_MESSAGE_LIMIT + 1))
    _messages, code = await messages_until_close(phone)
    assert code == 4413
    assert stored_samples(live_server, session) == samples(5)


def _create_body(size: int) -> bytes:
    """A valid create body of exactly `size` bytes (the device object allows extra fields)."""
    body = json.dumps({"label": "", "device": {"platform": "test", "pad": ""}})
    return json.dumps({"label": "", "device": {"platform": "test", "pad": "x" * (size - len(body))}}).encode()


def test_a_rest_body_over_the_limit_is_413(small_server):
    body = _create_body(BODY_LIMIT + 1)
    headers = {"Content-Type": "application/json"}
    error_detail(api(small_server, "POST", "/api/v1/sessions", content=body, headers=headers), 413)


@pytest.mark.parametrize("path", ["/api/v1/sessions", "/api/v1/sessions/import"])
def test_a_rest_body_over_the_limit_without_content_length_is_413(small_server, path):
    body = _create_body(BODY_LIMIT * 3) if path.endswith("sessions") else _import_body(IMPORT_LIMIT * 2)

    def chunks():  # chunked transfer: the server cannot trust a declared length, it must count
        for start in range(0, len(body), 512):
            yield body[start : start + 512]

    headers = {"Content-Type": "application/json"}
    response = httpx.post(small_server.base_url + path, content=chunks(), headers=headers, timeout=10)
    assert "content-length" not in response.request.headers
    declared = api(small_server, "POST", path, content=body, headers=headers)
    assert error_detail(response, 413) == error_detail(declared, 413)


def test_a_rest_body_at_the_limit_is_accepted(small_server):
    body = _create_body(BODY_LIMIT)
    assert len(body) == BODY_LIMIT
    response = api(small_server, "POST", "/api/v1/sessions", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 201, response.text


def _import_body(size: int) -> bytes:
    document = {"version": "0.2", "samples": [[T0_MS + 10 * i, 0.0, 0.0, 9.81] for i in range(10)]}
    text = json.dumps(document)
    return (text[:-1] + " " * (size - len(text)) + "}").encode()


def test_import_has_its_own_limit(small_server):
    headers = {"Content-Type": "application/json"}
    under = api(small_server, "POST", "/api/v1/sessions/import", content=_import_body(IMPORT_LIMIT), headers=headers)
    assert under.status_code == 201, under.text  # larger than the REST body limit, within the import limit
    over = api(small_server, "POST", "/api/v1/sessions/import", content=_import_body(IMPORT_LIMIT + 1), headers=headers)
    error_detail(over, 413)


def _retry_after(response: httpx.Response) -> int:
    error_detail(response, 429)
    value = response.headers.get("Retry-After")
    assert value is not None and value.isdigit() and 1 <= int(value) <= 60, response.headers
    return int(value)


def test_creating_and_importing_are_rate_limited_with_retry_after(start_server):
    server = start_server(OPENSCG_SESSIONS_PER_MINUTE="2")
    document = {"version": "0.2", "samples": [[T0_MS, 0.0, 0.0, 9.81]]}
    assert api(server, "POST", "/api/v1/sessions").status_code == 201
    assert api(server, "POST", "/api/v1/sessions/import", json=document).status_code == 201
    _retry_after(api(server, "POST", "/api/v1/sessions"))
    _retry_after(api(server, "POST", "/api/v1/sessions/import", json=document))
    assert api(server, "GET", "/health").status_code == 200  # only creation is limited
