"""PROTOCOL.md, watch socket: hello (either token) → ready{session}, refusals, `since` and the default 30 s start,
every batch exactly once in order, status messages, read_only, ping, and the end of a session."""

from __future__ import annotations

import uuid

import pytest

from tests.wire import (
    T0_MS,
    api,
    assert_open,
    connect_raw,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    open_watch,
    recv_json,
    samples,
    send_batch,
    send_json,
    session_path,
    stream,
)

METADATA_KEYS = {"sessionId", "status", "createdAt", "startedAt", "endedAt", "sampleCount", "batchCount"} | {
    "durationS",
    "samplingRateHz",
    "device",
    "patientConnected",
    "viewers",
}


async def _next(ws, *types: str) -> dict:
    """The next message that is not live analysis (its shape belongs to the analysis work), checked by type."""
    while True:
        message = await recv_json(ws)
        if message["type"] != "analysis":
            assert message["type"] in types, message
            return message


async def _seqs(ws, count: int) -> list[int]:
    """Seqs of the next `count` samples messages (status messages in between are skipped)."""
    seqs = []
    while len(seqs) < count:
        message = await _next(ws, "samples", "status")
        if message["type"] == "samples":
            assert set(message) == {"type", "seq", "samples"}
            assert message["samples"] == samples(10, start=message["seq"] * 10)
            seqs.append(message["seq"])
    return seqs


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


async def test_since_replays_from_that_seq_then_live_exactly_once(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 5)
    from_two, _ = await open_watch(live_server, session, since=2)
    from_zero, _ = await open_watch(live_server, session, since=0)
    await stream(phone, 3, first_seq=5)
    assert await _seqs(from_two, 6) == [2, 3, 4, 5, 6, 7]
    assert await _seqs(from_zero, 8) == list(range(8))
    await send_json(phone, {"type": "end"})
    for viewer in (from_two, from_zero):  # nothing more than the status ended and a normal close
        messages, code = await messages_until_close(viewer)
        assert [m["type"] for m in messages if m["type"] != "analysis"][-1:] == ["status"]
        assert not [m for m in messages if m["type"] == "samples"] and code == 1000


async def _stream_a_minute(phone) -> None:
    """12 batches of 5 s (samples 1 s apart): batch k ends at T0 + 5000k + 4000 ms; the last at T0 + 59 s."""
    for seq in range(12):
        batch = [[T0_MS + 5000 * seq + 1000 * i, 0.0, 0.0, 9.8] for i in range(5)]
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}


async def test_without_since_a_live_session_starts_at_the_batch_covering_the_last_30_s(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await _stream_a_minute(phone)
    viewer, _ = await open_watch(live_server, session)
    # the newest sample is T0 + 59 s; batch 5 ends at T0 + 29 s, exactly 30 s before: the first within the window
    first = await _next(viewer, "samples", "status")
    while first["type"] != "samples":
        first = await _next(viewer, "samples", "status")
    assert first["seq"] == 5
    await phone.close()
    await viewer.close()


async def test_without_since_a_fresh_session_starts_at_its_first_batch(live_server):
    session = new_session(live_server)
    viewer, ready = await open_watch(live_server, session)
    assert ready["session"]["status"] == "created"
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 3)
    assert await _seqs(viewer, 3) == [0, 1, 2]
    await phone.close()
    await viewer.close()


def _status(status: str, patient: bool, viewers: int) -> dict:
    return {"type": "status", "status": status, "patientConnected": patient, "viewers": viewers}


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


async def test_watching_an_ended_session_replays_everything_then_status_ended_and_1000(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await _stream_a_minute(phone)  # longer than the 30 s default window: an ended session still replays all
    await send_json(phone, {"type": "end"})
    await messages_until_close(phone)
    for token in (session["viewerToken"], session["patientToken"]):
        ws = await connect_raw(live_server, session["watchUrl"])
        await send_json(ws, {"type": "hello", "token": token})
        messages, code = await messages_until_close(ws)
        messages = [m for m in messages if m["type"] != "analysis"]
        assert messages[0]["type"] == "ready" and messages[0]["session"]["status"] == "ended"
        assert [m["seq"] for m in messages[1:-1]] == list(range(12))
        assert messages[-1] == _status("ended", False, 1)
        assert code == 1000
    viewer, _ = await open_watch(live_server, session, since=9)
    messages, code = await messages_until_close(viewer)
    assert [m["seq"] for m in messages if m["type"] == "samples"] == [9, 10, 11] and code == 1000


async def test_a_session_ending_while_watched_sends_the_rest_then_ended_and_1000(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    viewer, _ = await open_watch(live_server, session)
    await stream(phone, 20)
    api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    messages, code = await messages_until_close(viewer)
    assert [m["seq"] for m in messages if m["type"] == "samples"] == list(range(20))
    assert [m for m in messages if m["type"] != "analysis"][-1]["status"] == "ended"
    assert code == 1000


async def test_viewers_joining_mid_stream_get_every_batch_once_in_order(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    viewers = []
    for seq in range(120):
        if seq in (0, 17, 55, 90):  # join while batches are being stored and published
            viewers.append((await open_watch(live_server, session, since=0))[0])
        assert await send_batch(phone, seq, samples(10, start=seq * 10)) == {"type": "ack", "seq": seq}
    await send_json(phone, {"type": "end"})
    for viewer in viewers:
        messages, code = await messages_until_close(viewer)
        got = [m for m in messages if m["type"] == "samples"]
        assert [m["seq"] for m in got] == list(range(120)) and code == 1000
        assert all(m["samples"] == samples(10, start=m["seq"] * 10) for m in got)


async def test_the_largest_since_waits_for_batches_that_never_come(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    await stream(phone, 2)
    viewer, _ = await open_watch(live_server, session, since=2**63 - 1)
    await stream(phone, 1, first_seq=2)
    await assert_open(viewer)
    api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    messages, code = await messages_until_close(viewer)
    assert not [m for m in messages if m["type"] == "samples"] and code == 1000
