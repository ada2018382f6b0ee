"""No secret reaches the server's log through any path: create, import, capture, watch, every REST call, a revoked
share link, and the errors — wrong, misplaced and malformed tokens, tokens inside malformed messages and close
reasons. Checked on the log file the real server process wrote, at the default level (INFO) and at DEBUG."""

from __future__ import annotations

import base64
import contextlib

import pytest

from tests.wire import (
    api,
    auth,
    connect_raw,
    messages_until_close,
    new_session,
    open_capture,
    open_watch,
    recv_json,
    send_json,
    session_path,
    stream,
)


def _forms(token: str) -> list[str]:
    """The token as sent, and its random bytes as hex (a careless log line might print either)."""
    forms = [token]
    with contextlib.suppress(ValueError):
        forms.append(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).hex())
    return forms


async def _refused(server, path: str, first_message: dict) -> int:
    ws = await connect_raw(server, path)
    await send_json(ws, first_message)
    return (await messages_until_close(ws))[1]


@pytest.mark.parametrize("privacy_server", ["sqlite"], indirect=True)
async def test_no_token_is_ever_logged(privacy_server):
    server = privacy_server
    before = len(server.log())
    session = new_session(server, device={"userAgent": "test", "platform": "test"}, label="log check")
    patient, viewer = session["patientToken"], session["viewerToken"]
    wrong = patient[:-2] + ("AA" if not patient.endswith("AA") else "BB")  # a near miss is a secret too
    secrets = [patient, viewer, wrong]

    phone, _ = await open_capture(server, session)
    await stream(phone, 3)
    watchers = [(await open_watch(server, {**session, "viewerToken": t}, since=0))[0] for t in (viewer, patient)]
    for token in (patient, viewer):
        for suffix in ("", "/data", "/data?format=csv", "/analysis"):
            assert api(server, "GET", session_path(session, suffix), token).status_code == 200
    assert api(server, "GET", session_path(session, "/access-log"), patient).status_code == 200

    # errors: a viewer token on patient actions, wrong and misplaced tokens
    for method, suffix in (("POST", "/end"), ("DELETE", ""), ("POST", "/viewer-token"), ("GET", "/access-log")):
        assert api(server, method, session_path(session, suffix), viewer).status_code == 403
    assert api(server, "GET", session_path(session), wrong).status_code == 401
    assert api(server, "GET", session_path(session), headers={"Authorization": f"Basic {patient}"}).status_code == 401
    assert await _refused(server, session["captureUrl"], {"type": "hello", "token": viewer}) == 4401
    assert await _refused(server, session["watchUrl"], {"type": "hello", "token": wrong}) == 4401
    for bad in ({"type": "samples", "seq": patient, "samples": []}, {"type": patient}, {"token": patient}):
        await send_json(phone, bad)
        assert (await recv_json(phone))["type"] == "error"
    await phone.send(f"not json {patient}")
    assert (await recv_json(phone))["code"] == "bad_message"

    # revocation, end, import, delete
    response = api(server, "POST", session_path(session, "/viewer-token"), patient)
    secrets.append(response.json()["viewerToken"])
    assert (await messages_until_close(watchers[0]))[1] == 4401
    assert api(server, "POST", session_path(session, "/end"), patient).status_code == 200
    imported = api(server, "POST", "/api/v1/sessions/import", json={"version": "0.2", "samples": [[1, 0, 0, 1]]})
    secrets += [imported.json()["patientToken"], imported.json()["viewerToken"]]
    assert api(server, "DELETE", session_path(session), patient).status_code == 204
    assert api(server, "GET", session_path(session), patient).status_code == 404
    for ws in (phone, watchers[1]):
        await ws.close()

    _assert_not_logged(server.log()[before:], session, secrets)


def _assert_not_logged(log: str, session: dict, secrets: list[str]) -> None:
    assert session["sessionId"] in log  # the right log: it tells about this session
    for secret in secrets:
        for form in _forms(secret):
            assert form not in log, f"a token reached the log: {_context(log, form)}"


def _context(log: str, form: str) -> str:
    at = log.index(form)
    return log[max(0, log.rfind("\n", 0, at)) : log.find("\n", at)].replace(form, "<TOKEN>")


@pytest.mark.parametrize("privacy_server", ["sqlite"], indirect=True)
async def test_a_token_inside_a_malformed_hello_is_not_logged(privacy_server):
    server = privacy_server
    before = len(server.log())
    session = new_session(server)
    patient = session["patientToken"]
    assert await _refused(server, session["watchUrl"], {"type": patient, "token": patient}) == 4400
    assert await _refused(server, session["watchUrl"], {"type": "hello", "token": patient, "since": patient}) == 4400
    _assert_not_logged(server.log()[before:], session, [patient])


@pytest.mark.parametrize("privacy_server", ["sqlite"], indirect=True)
async def test_a_token_misplaced_in_the_url_is_not_logged(privacy_server):
    """The protocol never puts a token in a URL (the share link keeps it in the fragment, which browsers do not
    send), but a careless client might."""
    server = privacy_server
    before = len(server.log())
    session = new_session(server)
    patient = session["patientToken"]
    assert api(server, "GET", session_path(session) + f"?token={patient}").status_code == 401
    assert api(server, "GET", session_path(session, "/data") + f"?access_token={patient}").status_code == 401
    _assert_not_logged(server.log()[before:], session, [patient])


async def test_no_token_is_logged_at_debug_level(start_server):
    server = start_server(OPENSCG_LOG_LEVEL="DEBUG")
    session = new_session(server)
    response = api(server, "GET", session_path(session), headers=auth(session["viewerToken"]))
    assert response.status_code == 200
    phone, _ = await open_capture(server, session)
    await stream(phone, 1)
    viewer, _ = await open_watch(server, session, since=0)
    for ws in (phone, viewer):
        await ws.close()
    _assert_not_logged(server.log(), session, [session["patientToken"], session["viewerToken"]])
