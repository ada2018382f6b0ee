"""Who watched: every access to a session is logged (time, role, action, coarse client, no address), the patient
reads the log through `GET …/access-log` (a viewer gets 403), repeats within a minute are logged once, and the
log is erased with the session."""

from __future__ import annotations

import asyncio
import re
import time

import httpx
from websockets.asyncio.client import connect

from openscg.sessions.access_log import describe_client
from tests.privacy.storage import rows_of
from tests.wire import (
    api,
    error_detail,
    new_session,
    recv_json,
    send_json,
    session_path,
    stream,
)

ANDROID_CHROME = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile "
    "Safari/537.36"
)
IPHONE_SAFARI = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.5 Mobile/15E148 Safari/604.1"
)
WINDOWS_EDGE = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 "
    "Safari/537.36 Edg/131.0.0.0"
)
MAC_FIREFOX = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0"
ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")


def test_user_agents_are_reduced_to_browser_and_system():
    assert describe_client(ANDROID_CHROME) == "Chrome on Android"
    assert describe_client(IPHONE_SAFARI) == "Safari on iOS"
    assert describe_client(WINDOWS_EDGE) == "Edge on Windows"
    assert describe_client(MAC_FIREFOX) == "Firefox on macOS"
    assert describe_client("curl/8.5.0") == "curl"
    assert describe_client("python-httpx/0.28.1") == "Python httpx"
    assert describe_client(None) == describe_client("") == "unknown client"
    assert describe_client("x" * 10_000) == "other client"


async def _socket(server, session, path_key: str, token: str, user_agent: str):
    ws = await connect(server.ws_url(session[path_key]), user_agent_header=user_agent, max_size=None)
    await send_json(ws, {"type": "hello", "token": token, **({"since": 0} if path_key == "watchUrl" else {})})
    assert (await recv_json(ws))["type"] == "ready"
    return ws


async def _entries(server, session, count: int) -> list[dict]:
    """The access log once it holds `count` entries (writes are asynchronous, through the group writer)."""
    deadline = time.monotonic() + 10
    while True:
        response = api(server, "GET", session_path(session, "/access-log"), session["patientToken"])
        assert response.status_code == 200, response.text
        entries = response.json()["entries"]
        if len(entries) >= count or time.monotonic() > deadline:
            return entries
        await asyncio.sleep(0.05)


async def test_the_patient_reads_who_accessed_the_session(privacy_server):
    server = privacy_server
    session = new_session(server)
    assert (await _entries(server, session, 0)) == []  # creating is not an access
    phone = await _socket(server, session, "captureUrl", session["patientToken"], ANDROID_CHROME)
    await stream(phone, 2)
    viewer = await _socket(server, session, "watchUrl", session["viewerToken"], IPHONE_SAFARI)
    for _ in range(3):  # polling metadata: logged once a minute, not once a call
        headers = {"User-Agent": MAC_FIREFOX}
        assert api(server, "GET", session_path(session), session["viewerToken"], headers=headers).status_code == 200
    assert api(server, "GET", session_path(session, "/data"), session["viewerToken"]).status_code == 200
    headers = {"User-Agent": WINDOWS_EDGE}
    assert api(server, "GET", session_path(session), session["patientToken"], headers=headers).status_code == 200

    expected = [
        ("patient", "capture", "Chrome on Android"),
        ("viewer", "watch", "Safari on iOS"),
        ("viewer", "metadata", "Firefox on macOS"),
        ("viewer", "data", "Python httpx"),
        ("patient", "metadata", "Edge on Windows"),
    ]
    entries = await _entries(server, session, len(expected))
    assert [(e["role"], e["action"], e["client"]) for e in entries] == expected
    for entry in entries:
        assert set(entry) == {"at", "role", "action", "client"}
        assert ISO_Z.match(entry["at"]), entry
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert "127.0.0.1" not in api(server, "GET", session_path(session, "/access-log"), session["patientToken"]).text

    error_detail(api(server, "GET", session_path(session, "/access-log"), session["viewerToken"]), 403)
    error_detail(api(server, "GET", session_path(session, "/access-log")), 401)
    error_detail(api(server, "GET", session_path(session, "/access-log"), "not-a-token"), 401)
    missing = {**session, "sessionId": "00000000-0000-4000-8000-000000000000"}
    error_detail(api(server, "GET", session_path(missing, "/access-log"), session["patientToken"]), 404)

    url = server.env["OPENSCG_DATABASE_URL"]
    assert rows_of(url, session["sessionId"])["access_log"] == len(expected)
    assert api(server, "DELETE", session_path(session), session["patientToken"]).status_code == 204
    assert rows_of(url, session["sessionId"]) == {"sessions": 0, "batches": 0, "access_log": 0}
    for ws in (phone, viewer):
        await ws.close()


async def test_reading_the_analysis_is_logged(start_server):
    server = start_server()
    session = new_session(server)
    viewer = {"Authorization": f"Bearer {session['viewerToken']}", "User-Agent": "curl/8.0"}
    assert (
        httpx.get(f"{server.base_url}/api/v1/sessions/{session['sessionId']}/analysis", headers=viewer).status_code
        == 200
    )
    log_url = f"{server.base_url}/api/v1/sessions/{session['sessionId']}/access-log"
    patient = {"Authorization": f"Bearer {session['patientToken']}"}
    for _ in range(50):
        entries = httpx.get(log_url, headers=patient).json()["entries"]
        if any(entry["action"] == "analysis" for entry in entries):
            break
        await asyncio.sleep(0.1)
    assert {"role": "viewer", "action": "analysis"} in [{k: e[k] for k in ("role", "action")} for e in entries]
