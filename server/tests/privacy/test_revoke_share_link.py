"""The patient revokes the share link: `POST …/viewer-token` answers a new viewerToken; viewers on the old one are
closed with 4401 "share link revoked" (on every server process), a watcher holding the patient token stays, and
the old token gets 401 everywhere."""

from __future__ import annotations

import asyncio
import re
import time

import pytest

from tests.wire import (
    api,
    assert_open,
    connect_raw,
    error_detail,
    messages_until_close,
    new_session,
    open_capture,
    open_watch,
    recv_type,
    send_json,
    session_path,
    stream,
)

OPEN_SOCKETS = re.compile(r"^openscg_connections\{.*\} (?!0\.0$)")


async def _watch_with(server, session, token: str):
    return await open_watch(server, {**session, "viewerToken": token}, since=0)


async def test_revoke_closes_old_viewers_and_the_old_token_stops_working(privacy_server):
    server = privacy_server
    session = new_session(server)
    old = session["viewerToken"]
    phone, _ = await open_capture(server, session)
    await stream(phone, 2)
    viewer, _ = await _watch_with(server, session, old)
    patient_watcher, _ = await _watch_with(server, session, session["patientToken"])

    error_detail(api(server, "POST", session_path(session, "/viewer-token"), old), 403)
    error_detail(api(server, "POST", session_path(session, "/viewer-token")), 401)
    response = api(server, "POST", session_path(session, "/viewer-token"), session["patientToken"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert list(response.json()) == ["viewerToken"]
    new = response.json()["viewerToken"]
    assert new != old and len(new) >= 22

    _messages, code = await messages_until_close(viewer)
    assert code == 4401 and viewer.close_reason == "share link revoked"
    await assert_open(patient_watcher)

    for suffix in ("", "/data", "/analysis", "/viewer-token", "/access-log"):
        method = "POST" if suffix == "/viewer-token" else "GET"
        error_detail(api(server, method, session_path(session, suffix), old), 401)
    refused = await connect_raw(server, session["watchUrl"])
    await send_json(refused, {"type": "hello", "token": old})
    assert (await messages_until_close(refused))[1] == 4401

    assert api(server, "GET", session_path(session), new).status_code == 200
    assert api(server, "GET", session_path(session, "/data"), new).json()["samples"]
    viewer2, _ = await _watch_with(server, session, new)
    assert (await recv_type(viewer2, "samples"))["seq"] == 0
    await stream(phone, 1, first_seq=2)  # the phone was not disturbed; the patient's watcher still receives
    assert (await recv_type(patient_watcher, "samples"))["seq"] == 2
    for ws in (phone, patient_watcher, viewer2):
        await ws.close()


async def test_revoke_twice_keeps_only_the_newest_and_works_after_the_end(privacy_server):
    server = privacy_server
    session = new_session(server)
    api(server, "POST", session_path(session, "/end"), session["patientToken"])
    tokens = [session["viewerToken"]]
    for _ in range(2):
        response = api(server, "POST", session_path(session, "/viewer-token"), session["patientToken"])
        assert response.status_code == 200
        tokens.append(response.json()["viewerToken"])
    assert len(set(tokens)) == 3
    assert [api(server, "GET", session_path(session), token).status_code for token in tokens] == [401, 401, 200]
    missing = {**session, "sessionId": "00000000-0000-4000-8000-000000000000"}
    error_detail(api(server, "POST", session_path(missing, "/viewer-token"), session["patientToken"]), 404)


@pytest.mark.postgres
@pytest.mark.redis
async def test_revoke_and_delete_reach_sockets_on_another_instance(start_server, postgres_url, redis_url):
    """Two processes share PostgreSQL and Redis: the revoke and the DELETE are sent to A, the sockets are on B."""
    env = {"OPENSCG_DATABASE_URL": postgres_url, "OPENSCG_BROKER_URL": redis_url}
    a, b = start_server(**env), start_server(**env)
    session = new_session(a)
    phone, _ = await open_capture(b, session)
    await stream(phone, 1)
    viewer_b, _ = await _watch_with(b, session, session["viewerToken"])
    patient_b, _ = await _watch_with(b, session, session["patientToken"])
    viewer_a, _ = await _watch_with(a, session, session["viewerToken"])
    for ws in (viewer_b, patient_b, viewer_a):
        assert (await recv_type(ws, "samples"))["seq"] == 0

    response = api(a, "POST", session_path(session, "/viewer-token"), session["patientToken"])
    assert response.status_code == 200
    for ws in (viewer_b, viewer_a):
        _messages, code = await messages_until_close(ws)
        assert code == 4401 and ws.close_reason == "share link revoked"
    await stream(phone, 1, first_seq=1)
    assert (await recv_type(patient_b, "samples"))["seq"] == 1
    error_detail(api(b, "GET", session_path(session), session["viewerToken"]), 401)
    new_b, _ = await _watch_with(b, session, response.json()["viewerToken"])

    assert api(a, "DELETE", session_path(session), session["patientToken"]).status_code == 204
    for ws in (phone, patient_b, new_b):  # every socket of the session on B, the phone's among them
        assert (await messages_until_close(ws))[1] == 4410
    for server in (a, b):
        error_detail(api(server, "GET", session_path(session), session["patientToken"]), 404)
        await _until_no_sockets(server)


async def _until_no_sockets(server, timeout_s: float = 10.0) -> None:
    """The process holds no socket any more (each one leaves the hub just after its close frame went out)."""
    deadline = time.monotonic() + timeout_s
    while True:
        metrics = api(server, "GET", "/metrics").text
        open_sockets = [line for line in metrics.splitlines() if OPEN_SOCKETS.match(line)]
        if not open_sockets:
            return
        assert time.monotonic() < deadline, f"sockets of the deleted session are still open: {open_sockets}"
        await asyncio.sleep(0.1)
