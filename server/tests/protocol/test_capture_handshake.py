"""PROTOCOL.md, capture socket: hello → ready{nextSeq}, and every way to open it wrongly (4400/4401/4404/4410),
the hello timeout, the second hello, ping, and the takeover by a newer socket (4409)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.wire import (
    api,
    assert_open,
    connect_raw,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    recv_json,
    send_json,
    session_path,
    stream,
)


async def _refused(server, path: str, first_message) -> tuple[list, int]:
    """Send one first message on a fresh socket; return what came back before the close, and the close code."""
    ws = await connect_raw(server, path)
    if isinstance(first_message, (bytes, str)):
        await ws.send(first_message)
    else:
        await send_json(ws, first_message)
    return await messages_until_close(ws)


async def test_hello_answers_ready_with_next_seq_zero(live_server):
    session = new_session(live_server)
    ws = await connect_raw(live_server, session["captureUrl"])
    await send_json(ws, {"type": "hello", "token": session["patientToken"], "device": {"platform": "test"}})
    assert await recv_json(ws) == {"type": "ready", "nextSeq": 0}
    await ws.close()


async def test_reconnect_gets_next_seq_equal_to_stored_batches(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 3)
    await phone.close()
    phone, ready = await open_capture(live_server, session)
    assert ready == {"type": "ready", "nextSeq": 3}
    await phone.close()


FIRST_MESSAGES = {
    "samples": {"type": "samples", "seq": 0, "samples": [[1.0, 0, 0, 9.8]]},
    "ping": {"type": "ping"},
    "end": {"type": "end"},
    "unknown-type": {"type": "helo", "token": "x"},
    "no-type": {"token": "x"},
    "array": [{"type": "hello"}],
    "not-json": "hello",
    "binary": b'{"type": "hello"}',
    "token-not-string": {"type": "hello", "token": 12345},
    "device-not-object": {"type": "hello", "token": "{patient}", "device": "phone"},
}


@pytest.mark.parametrize("name", list(FIRST_MESSAGES))
async def test_anything_but_hello_first_closes_4400(live_server, name):
    session = new_session(live_server)
    message = FIRST_MESSAGES[name]
    if isinstance(message, dict) and message.get("token") == "{patient}":
        message = {**message, "token": session["patientToken"]}
    messages, code = await _refused(live_server, session["captureUrl"], message)
    assert (messages, code) == ([], 4400)
    assert metadata(live_server, session)["sampleCount"] == 0


@pytest.mark.parametrize("token", ["wrong", "viewer", "other-patient", "", None, "missing"])
async def test_bad_token_closes_4401(live_server, token):
    session = new_session(live_server)
    other = new_session(live_server)
    hello = {"type": "hello"}
    if token != "missing":
        hello["token"] = {"viewer": session["viewerToken"], "other-patient": other["patientToken"]}.get(token, token)
    assert await _refused(live_server, session["captureUrl"], hello) == ([], 4401)
    assert metadata(live_server, session)["patientConnected"] is False


@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-session", "1234"])
async def test_unknown_or_malformed_session_closes_4404(live_server, session_id):
    token = new_session(live_server)["patientToken"]
    path = f"/ws/v1/sessions/{session_id}/capture"
    assert await _refused(live_server, path, {"type": "hello", "token": token}) == ([], 4404)


async def test_ended_session_closes_4410(live_server):
    session = new_session(live_server)
    api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    hello = {"type": "hello", "token": session["patientToken"]}
    assert await _refused(live_server, session["captureUrl"], hello) == ([], 4410)


async def test_imported_session_is_ended_for_capture_4410(live_server):
    response = api(live_server, "POST", "/api/v1/sessions/import", json={"version": "0.2", "samples": [[1, 0, 0, 1]]})
    created = response.json()
    hello = {"type": "hello", "token": created["patientToken"]}
    assert await _refused(live_server, created["captureUrl"], hello) == ([], 4410)


async def test_no_hello_within_the_default_10_s_closes_4401(live_server):
    session = new_session(live_server)
    started = time.monotonic()
    capture = await connect_raw(live_server, session["captureUrl"])
    watch = await connect_raw(live_server, session["watchUrl"])
    (_, capture_code), (_, watch_code) = await asyncio.gather(
        messages_until_close(capture, 30), messages_until_close(watch, 30)
    )
    assert (capture_code, watch_code) == (4401, 4401)
    assert 9.9 <= time.monotonic() - started <= 25  # not before 10 s; the upper bound only allows for a busy CI


async def test_a_second_hello_is_bad_message_and_the_socket_stays(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await send_json(phone, {"type": "hello", "token": session["patientToken"]})
    error = await recv_json(phone)
    assert (error["type"], error["code"], set(error)) == ("error", "bad_message", {"type", "code", "detail"})
    assert isinstance(error["detail"], str) and error["detail"]
    await assert_open(phone)
    await stream(phone, 1)
    await phone.close()


async def test_ping_answers_pong(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await send_json(phone, {"type": "ping"})
    assert await recv_json(phone) == {"type": "pong"}
    await phone.close()


async def test_newer_capture_socket_takes_over_and_the_older_closes_4409(live_server):
    session = new_session(live_server)
    older, _ = await open_capture(live_server, session)
    sent = await stream(older, 2)
    newer, ready = await open_capture(live_server, session)
    assert ready == {"type": "ready", "nextSeq": 2}
    _messages, code = await messages_until_close(older)
    assert code == 4409
    sent += await stream(newer, 2, first_seq=2)
    assert metadata(live_server, session)["patientConnected"] is True
    response = api(live_server, "GET", session_path(session, "/data"), session["viewerToken"])
    assert response.json()["samples"] == sent
    await newer.close()
