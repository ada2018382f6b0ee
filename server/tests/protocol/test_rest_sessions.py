"""PROTOCOL.md, REST: create, metadata, end, and who may call them (401 / 403 / 404 / 422)."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import httpx
import pytest

from tests.wire import (
    api,
    close_code,
    connect_raw,
    error_detail,
    metadata,
    new_session,
    open_capture,
    open_watch,
    send_json,
    session_path,
    stream,
)

METADATA_KEYS = {
    "sessionId",
    "status",
    "createdAt",
    "startedAt",
    "endedAt",
    "sampleCount",
    "batchCount",
    "durationS",
    "samplingRateHz",
    "device",
    "patientConnected",
    "viewers",
}
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def _iso(value: str) -> datetime:
    assert ISO_Z.match(value), value
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def test_create_answers_201_with_ids_tokens_and_socket_urls(live_server):
    response = httpx.post(live_server.base_url + "/api/v1/sessions", timeout=10)
    assert response.status_code == 201, response.text
    body = response.json()
    assert {"sessionId", "createdAt", "status", "patientToken", "viewerToken", "captureUrl", "watchUrl"} <= set(body)
    session_id = body["sessionId"]
    assert uuid.UUID(session_id).version == 4 and str(uuid.UUID(session_id)) == session_id
    assert body["status"] == "created"
    _iso(body["createdAt"])
    assert body["captureUrl"] == f"/ws/v1/sessions/{session_id}/capture"
    assert body["watchUrl"] == f"/ws/v1/sessions/{session_id}/watch"
    assert body["patientToken"] != body["viewerToken"]


def test_create_keeps_the_optional_device(live_server):
    device = {"userAgent": "Mozilla/5.0 (iPhone) test", "platform": "iOS"}
    session = new_session(live_server, device=device, label="ward 3")
    assert metadata(live_server, session)["device"] == device


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"label": 5}', "label"),
        ('{"label": "' + "x" * 500 + '"}', "label"),
        ('{"device": "iPhone"}', "device"),
        ('{"device": {"userAgent": 12}}', "userAgent"),
        ("[1, 2]", ""),
        ('{"label": ', ""),
    ],
    ids=["label-not-string", "label-too-long", "device-not-object", "userAgent-not-string", "array", "not-json"],
)
def test_create_with_an_invalid_body_is_422_with_a_string_reason(live_server, body, where):
    response = api(live_server, "POST", "/api/v1/sessions", content=body, headers={"Content-Type": "application/json"})
    detail = error_detail(response, 422)
    assert where in detail


def test_metadata_for_viewer_and_patient(live_server):
    session = new_session(live_server)
    for token in (session["viewerToken"], session["patientToken"]):
        response = api(live_server, "GET", session_path(session), token)
        assert response.status_code == 200, response.text
        meta = response.json()
        assert set(meta) >= METADATA_KEYS, METADATA_KEYS - set(meta)
        assert meta["sessionId"] == session["sessionId"]
        assert meta["status"] == "created"
        assert meta["createdAt"] == session["createdAt"]
        assert meta["startedAt"] is None and meta["endedAt"] is None
        assert (meta["sampleCount"], meta["batchCount"]) == (0, 0)
        assert meta["patientConnected"] is False and meta["viewers"] == 0


async def test_metadata_follows_the_session_created_live_ended(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    viewer, _ = await open_watch(live_server, session)
    assert metadata(live_server, session)["status"] == "created"
    await stream(phone, 3, per_batch=100)  # 300 samples 10 ms apart: 2.99 s at 100 Hz
    meta = metadata(live_server, session)
    assert meta["status"] == "live"
    assert (meta["sampleCount"], meta["batchCount"]) == (300, 3)
    assert meta["durationS"] == pytest.approx(2.99, abs=1e-3)
    assert meta["samplingRateHz"] == pytest.approx(100.0, rel=1e-3)
    assert meta["patientConnected"] is True and meta["viewers"] == 1
    assert _iso(meta["startedAt"]) >= _iso(meta["createdAt"])
    response = api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    assert response.status_code == 200, response.text
    ended = response.json()
    assert set(ended) >= METADATA_KEYS
    assert ended["status"] == "ended"
    assert _iso(ended["endedAt"]) >= _iso(ended["startedAt"])
    await phone.close()
    await viewer.close()


def test_end_is_idempotent(live_server):
    session = new_session(live_server)
    first = api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    second = api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    assert first.status_code == second.status_code == 200
    assert first.json()["status"] == second.json()["status"] == "ended"
    assert first.json()["endedAt"] == second.json()["endedAt"]


# Every route that takes a session, with the token that is enough for it.
ROUTES = [
    ("GET", ""),
    ("GET", "/data"),
    ("GET", "/data?format=csv"),
    ("GET", "/analysis"),
    ("POST", "/end"),
    ("DELETE", ""),
]


@pytest.fixture(scope="module")
def two_sessions(live_server):
    """Sessions for the refusal matrices: every call on them is refused, so they can be shared."""
    return new_session(live_server), new_session(live_server)


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer wrong-token", "Basic {patient}", "{patient}", "Bearer other-session"],
    ids=["none", "empty", "wrong", "basic-scheme", "no-scheme", "other-session"],
)
def test_missing_or_wrong_token_is_401(live_server, two_sessions, method, suffix, header):
    session, other = two_sessions
    headers = {}
    if header is not None:
        value = header.format(patient=session["patientToken"])
        headers["Authorization"] = value.replace("other-session", other["patientToken"])
    response = api(live_server, method, session_path(session, suffix), headers=headers)
    error_detail(response, 401)


@pytest.mark.parametrize(("method", "suffix"), [("POST", "/end"), ("DELETE", "")])
def test_viewer_token_on_a_patient_action_is_403(live_server, method, suffix):
    session = new_session(live_server)
    response = api(live_server, method, session_path(session, suffix), session["viewerToken"])
    error_detail(response, 403)
    assert metadata(live_server, session)["status"] == "created"  # nothing happened


@pytest.mark.parametrize(("method", "suffix"), ROUTES)
@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-uuid", "0" * 36, "%20"])
def test_unknown_or_malformed_session_id_is_404(live_server, two_sessions, method, suffix, session_id):
    token = two_sessions[0]["patientToken"]
    response = api(live_server, method, f"/api/v1/sessions/{session_id}{suffix}", token)
    error_detail(response, 404)


def test_data_format_other_than_json_or_csv_is_422(live_server):
    session = new_session(live_server)
    response = api(live_server, "GET", session_path(session, "/data?format=xml"), session["viewerToken"])
    assert "format" in error_detail(response, 422)


async def test_delete_erases_and_every_later_call_is_404(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 2)
    await phone.close()
    response = api(live_server, "DELETE", session_path(session), session["patientToken"])
    assert response.status_code == 204 and response.content == b""
    for method, suffix in ROUTES:
        for token in (session["patientToken"], session["viewerToken"]):
            error_detail(api(live_server, method, session_path(session, suffix), token), 404)


async def test_deleted_session_cannot_be_captured_or_watched(live_server):
    session = new_session(live_server)
    api(live_server, "DELETE", session_path(session), session["patientToken"])
    for url, token in ((session["captureUrl"], session["patientToken"]), (session["watchUrl"], session["viewerToken"])):
        ws = await connect_raw(live_server, url)
        await send_json(ws, {"type": "hello", "token": token})
        assert await close_code(ws) == 4404


@pytest.mark.parametrize("role", ["viewerToken", "patientToken"])
@pytest.mark.parametrize("batches", [0, 1, 30])
async def test_analysis_answers_200_to_viewer_and_patient(live_server, role, batches):
    """Only who may call it and that it answers; the payload belongs to the analysis work."""
    session = new_session(live_server)
    if batches:
        phone, _ = await open_capture(live_server, session)
        await stream(phone, batches)
        await phone.close()
    response = api(live_server, "GET", session_path(session, "/analysis"), session[role])
    assert response.status_code == 200, response.text
    assert response.json()["sessionId"] == session["sessionId"]


JSON = {"Content-Type": "application/json"}
ODD_REQUESTS = {
    "create-text-plain": ("POST", "/api/v1/sessions", {"content": b"hi", "headers": {"Content-Type": "text/plain"}}),
    "create-json-null": ("POST", "/api/v1/sessions", {"content": b"null", "headers": JSON}),
    "create-form": ("POST", "/api/v1/sessions", {"data": {"label": "x"}}),
    "import-form": ("POST", "/api/v1/sessions/import", {"data": {"samples": "1"}}),
    "import-json-null": ("POST", "/api/v1/sessions/import", {"json": None}),
    "import-deep-nesting": ("POST", "/api/v1/sessions/import", {"content": b"[" * 5000 + b"]" * 5000}),
    "put-sessions": ("PUT", "/api/v1/sessions", {}),
    "delete-collection": ("DELETE", "/api/v1/sessions", {}),
    "get-import": ("GET", "/api/v1/sessions/import", {}),
    "unknown-route": ("GET", "/api/v1/nothing", {}),
}


@pytest.mark.parametrize("name", list(ODD_REQUESTS))
def test_odd_requests_get_a_4xx_json_reason_never_500(live_server, name):
    method, path, kwargs = ODD_REQUESTS[name]
    response = api(live_server, method, path, **kwargs)
    if response.status_code == 201:  # an empty create body is allowed
        assert name == "create-json-null"
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    error_detail(response, response.status_code)
