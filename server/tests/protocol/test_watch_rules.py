"""PROTOCOL.md, watch socket: hello (either token) → ready{session}, the refusals (4400/4401/4404), status
messages whenever status, patientConnected or viewers change, read_only, and ping."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from tests.wire import (
    assert_open,
    connect_raw,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    open_watch,
    recv_json,
    send_json,
    stream,
)
from tests.wire import next_message as _next
from tests.wire import status_message as _status

METADATA_KEYS = {"sessionId", "status", "createdAt", "startedAt", "endedAt", "sampleCount", "batchCount"} | {
    "durationS",
    "samplingRateHz",
    "device",
    "patientConnected",
    "viewers",
}


@pytest.mark.parametrize("role", ["viewerToken", "patientToken"])
async def test_hello_with_either_token_answers_ready_with_metadata(live_server, role):
    session = new_session(live_server)
    ws = await connect_raw(live_server, session["watchUrl"])
    await send_json(ws, {"type": "hello", "token": session[role]})
    ready = await recv_json(ws)
    assert set(ready) == {"type", "session"} and ready["type"] == "ready"
    assert set(ready["session"]) >= METADATA_KEYS
    expected = {**metadata(live_server, session), "viewers": 1}
    assert {key: ready["session"][key] for key in METADATA_KEYS} == {key: expected[key] for key in METADATA_KEYS}
    await ws.close()


REFUSED = {
    "wrong-token": ({"type": "hello", "token": "wrong"}, 4401),
    "no-token": ({"type": "hello"}, 4401),
    "other-session-token": ({"type": "hello", "token": "{other}"}, 4401),
    "samples-first": ({"type": "samples", "seq": 0, "samples": [[1, 0, 0, 9.8]]}, 4400),
    "ping-first": ({"type": "ping"}, 4400),
    "not-json-first": ("hello", 4400),
    "binary-first": (b'{"type": "hello"}', 4400),
    "since-negative": ({"type": "hello", "token": "{viewer}", "since": -1}, 4400),
    "since-string": ({"type": "hello", "token": "{viewer}", "since": "3"}, 4400),
    "since-fraction": ({"type": "hello", "token": "{viewer}", "since": 1.5}, 4400),
    "since-beyond-bigint": ({"type": "hello", "token": "{viewer}", "since": 2**63}, 4400),
    "since-beyond-uint64": ({"type": "hello", "token": "{viewer}", "since": 2**64}, 4400),
}


@pytest.mark.parametrize("name", list(REFUSED))
async def test_refused_hello_closes_with_its_code(live_server, name):
    session, other = new_session(live_server), new_session(live_server)
    message, expected_code = REFUSED[name]
    ws = await connect_raw(live_server, session["watchUrl"])
    if isinstance(message, dict):
        token = {"{other}": other["viewerToken"], "{viewer}": session["viewerToken"]}.get(message.get("token"))
        await send_json(ws, {**message, "token": token} if token else message)
    else:
        await ws.send(message)
    assert await messages_until_close(ws) == ([], expected_code)
    assert metadata(live_server, session)["viewers"] == 0


@pytest.mark.parametrize("session_id", [str(uuid.uuid4()), "not-a-session"])
async def test_unknown_session_closes_4404(live_server, session_id):
    token = new_session(live_server)["viewerToken"]
    ws = await connect_raw(live_server, f"/ws/v1/sessions/{session_id}/watch")
    await send_json(ws, {"type": "hello", "token": token})
    assert await messages_until_close(ws) == ([], 4404)


async def test_status_is_sent_whenever_status_patient_or_viewers_change(live_server):
    session = new_session(live_server)
    viewer, ready = await open_watch(live_server, session)
    assert (ready["session"]["patientConnected"], ready["session"]["viewers"]) == (False, 1)
    assert await _next(viewer, "status") == _status("created", False, 1)
    phone, _ = await open_capture(live_server, session)
    assert await _next(viewer, "status") == _status("created", True, 1)
    await stream(phone, 1)
    assert (await _next(viewer, "samples"))["seq"] == 0
    assert await _next(viewer, "status") == _status("live", True, 1)
    other, _ = await open_watch(live_server, session)
    assert await _next(viewer, "status") == _status("live", True, 2)
    await other.close()
    assert await _next(viewer, "status") == _status("live", True, 1)
    await phone.close()
    assert await _next(viewer, "status") == _status("live", False, 1)
    phone, _ = await open_capture(live_server, session)
    assert await _next(viewer, "status") == _status("live", True, 1)
    await send_json(phone, {"type": "end"})
    messages, code = await messages_until_close(viewer)
    last = [m for m in messages if m["type"] != "analysis"][-1]
    # the phone is closing at that moment: whether it still counts as connected is a race either answer fits
    assert last in (_status("ended", True, 1), _status("ended", False, 1))
    assert code == 1000


READ_ONLY = {
    "samples": '{"type": "samples", "seq": 0, "samples": [[1764000000000, 0, 0, 9.8]]}',
    "end": '{"type": "end"}',
    "unknown-type": '{"type": "pause"}',
    "no-type": "{}",
    "not-json": "stop",
    "json-array": "[]",
    "binary": b'{"type": "end"}',
}


@pytest.mark.parametrize("name", list(READ_ONLY))
async def test_a_viewer_sending_anything_but_ping_gets_read_only_and_stays(live_server, name):
    session = new_session(live_server)
    viewer, _ = await open_watch(live_server, session)
    await viewer.send(READ_ONLY[name])
    error = await _next(viewer, "error", "status")
    while error["type"] == "status":
        error = await _next(viewer, "error", "status")
    assert (error["type"], error["code"]) == ("error", "read_only")
    await assert_open(viewer)
    meta = metadata(live_server, session)
    assert (meta["status"], meta["sampleCount"]) == ("created", 0)  # nothing ended nor stored
    await viewer.close()


async def test_a_second_hello_on_watch_is_bad_message(live_server):
    session = new_session(live_server)
    viewer, _ = await open_watch(live_server, session)
    await send_json(viewer, {"type": "hello", "token": session["viewerToken"]})
    error = await _next(viewer, "error", "status")
    while error["type"] == "status":
        error = await _next(viewer, "error", "status")
    assert (error["type"], error["code"]) == ("error", "bad_message")
    await assert_open(viewer)
    await viewer.close()


async def test_ping_answers_pong(live_server):
    session = new_session(live_server)
    viewer, _ = await open_watch(live_server, session)
    await assert_open(viewer)
    await viewer.close()


async def _last_status_after_quiet(ws, quiet_s: float = 0.2) -> dict:
    """The last status message received before `quiet_s` pass without one."""
    last = None
    while True:
        try:
            message = await _next_within(ws, quiet_s)
        except TimeoutError:
            assert last is not None, "no status message arrived"
            return last
        if message["type"] == "status":
            last = message


async def _next_within(ws, timeout_s: float) -> dict:
    async with asyncio.timeout(timeout_s):
        return json.loads(await ws.recv())


async def test_the_viewer_count_is_right_after_a_reload(live_server):
    """A clinician reloading the page: the old socket leaves while the new one joins. The status published
    last must carry the count as it is then, not one read before the other socket joined (seen as
    "viewers": 0 on a page that was watching)."""
    session = new_session(live_server)
    observer, _ = await open_watch(live_server, session)
    page, _ = await open_watch(live_server, session)
    for attempt in range(40):
        reloaded = asyncio.create_task(open_watch(live_server, session))
        await asyncio.sleep(0.002 * (attempt % 10))  # vary which of the two sockets gets where first
        await page.close()
        page, _ = await reloaded
        last = await _last_status_after_quiet(observer)
        assert last["viewers"] == 2 == metadata(live_server, session)["viewers"], f"attempt {attempt}: {last}"


async def test_a_storm_of_joins_is_told_in_a_few_status_messages(live_server):
    """Thirty viewers arriving at once (a reconnect after a restart): the others are told the new count in a
    few status messages — coalesced per session — not one per arrival, and the last one is right."""
    session = new_session(live_server)
    observer, _ = await open_watch(live_server, session)
    await _last_status_after_quiet(observer)  # its own arrival
    arrivals = await asyncio.gather(*(open_watch(live_server, session) for _ in range(30)))
    statuses = []
    while True:
        try:
            message = await _next_within(observer, 0.3)
        except TimeoutError:
            break
        if message["type"] == "status":
            statuses.append(message)
    assert statuses and statuses[-1]["viewers"] == 31 == metadata(live_server, session)["viewers"], statuses[-1:]
    assert len(statuses) <= 10, f"{len(statuses)} status messages for 30 arrivals"
    for viewer, _ in arrivals:
        await viewer.close()


async def test_a_viewer_gone_right_after_ready_is_no_server_error(live_server):
    """A page closed just after it was answered: the socket is gone while the server still sets it up (reads the
    stored batches, sizes its buffers). That is a normal departure, never a logged error (the shared server's
    log is checked after every test)."""
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 3)
    for attempt in range(20):
        viewer, _ = await open_watch(live_server, session, since=0)
        if attempt % 2:
            viewer.transport.abort()  # gone without a word
        else:
            await viewer.close()  # or with a closing handshake
    await asyncio.sleep(0.5)  # let the server notice every departure before the log is checked
