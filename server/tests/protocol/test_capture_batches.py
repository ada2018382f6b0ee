"""PROTOCOL.md, capture socket: samples → ack (durable), resends, seq_gap, invalid_samples, bad_message, the
limit of 10 bad messages (4400), and ending by message, by REST, and by delete."""

from __future__ import annotations

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
    stored_samples,
    stream,
)


async def _phone_with_one_batch(server):
    """A session whose batch 0 (10 samples, t = T0 … T0+90 ms) is stored, and its open capture socket."""
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    sent = await stream(phone, 1)
    return session, phone, sent


async def test_ack_means_the_batch_is_stored(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    sent = []
    for seq in range(3):
        batch = samples(7, start=seq * 7)
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}
        sent += batch
        assert stored_samples(live_server, session) == sent  # readable the moment it is acked
    await phone.close()


async def test_acked_batches_survive_kill_9(start_server):
    server = start_server()
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    sent = await stream(phone, 5, per_batch=50)
    server.kill()
    server.start()
    assert stored_samples(server, session) == sent
    phone, ready = await open_capture(server, session)
    assert ready == {"type": "ready", "nextSeq": 5}
    await phone.close()


async def test_a_resent_batch_is_acked_again_and_not_stored_twice(live_server):
    session, phone, sent = await _phone_with_one_batch(live_server)
    assert await send_batch(phone, 0, sent) == {"type": "ack", "seq": 0}
    await phone.close()
    phone, ready = await open_capture(live_server, session)  # a resend after a reconnect
    assert ready["nextSeq"] == 1
    assert await send_batch(phone, 0, sent) == {"type": "ack", "seq": 0}
    assert await send_batch(phone, 0, samples(3, start=500)) == {"type": "ack", "seq": 0}  # stored one wins
    meta = metadata(live_server, session)
    assert (meta["batchCount"], meta["sampleCount"]) == (1, 10)
    assert stored_samples(live_server, session) == sent
    await stream(phone, 1, first_seq=1)
    await phone.close()


@pytest.mark.parametrize("seq", [2, 3, 1000])
async def test_seq_beyond_the_next_is_seq_gap_and_nothing_stored(live_server, seq):
    session, phone, sent = await _phone_with_one_batch(live_server)
    answer = await send_batch(phone, seq, samples(10, start=10))
    assert answer == {"type": "error", "code": "seq_gap", "expected": 1}
    assert stored_samples(live_server, session) == sent
    await stream(phone, 1, first_seq=1)  # the socket stays open and the right seq is accepted
    await phone.close()


def _with(index: int, value) -> list:
    batch = samples(10, start=10)
    batch[5] = value
    return batch


def _set(index: int, column: int, value) -> list:
    batch = samples(10, start=10)
    batch[index] = [*batch[index][:column], value, *batch[index][column + 1 :]]
    return batch


LAST_STORED_T = T0_MS + 90.0
INVALID_BATCHES = {
    "empty": [],
    "1001-samples": samples(1001, start=10),
    "three-values": _with(5, [T0_MS + 150, 0.0, 9.8]),
    "five-values": _with(5, [T0_MS + 150, 0.0, 0.0, 9.8, 1.0]),
    "sample-is-number": _with(5, 9.81),
    "sample-is-object": _with(5, {"t": T0_MS + 150, "ax": 0, "ay": 0, "az": 9.8}),
    "value-is-string": _set(5, 3, "9.81"),
    "value-is-boolean": _set(5, 1, True),
    "value-is-null": _set(5, 2, None),
    "value-is-array": _set(5, 1, [0.0]),
    "t-is-string": _set(0, 0, "1764000000100"),
    "ax-over-1000": _set(5, 1, 1000.001),
    "ay-under-minus-1000": _set(5, 2, -1000.5),
    "az-huge": _set(9, 3, 1e300),
    "t-repeated-in-batch": _set(5, 0, T0_MS + 140.0),
    "t-decreasing-in-batch": _set(5, 0, T0_MS + 100.0),
    "t-equal-to-last-stored": _set(0, 0, LAST_STORED_T),
    "t-before-last-stored": [[T0_MS + 50.0, 0.0, 0.0, 9.8]],
}


@pytest.mark.parametrize("name", list(INVALID_BATCHES))
async def test_invalid_samples_are_refused_with_seq_and_detail(live_server, name):
    session, phone, sent = await _phone_with_one_batch(live_server)
    answer = await send_batch(phone, 1, INVALID_BATCHES[name])
    assert set(answer) == {"type", "code", "seq", "detail"}, answer
    assert (answer["type"], answer["code"], answer["seq"]) == ("error", "invalid_samples", 1)
    assert isinstance(answer["detail"], str) and answer["detail"]
    assert stored_samples(live_server, session) == sent  # nothing of that batch
    await stream(phone, 1, first_seq=1)  # the socket stays open; the same seq is accepted once valid
    await phone.close()


async def test_the_limits_themselves_are_accepted(live_server):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    full = samples(1000)
    edge = [[T0_MS + 10_000.5, 1000.0, -1000.0, 0], [T0_MS + 10_000.75, -1000, 1000, 1e-300]]
    assert await send_batch(phone, 0, full) == {"type": "ack", "seq": 0}
    assert await send_batch(phone, 1, edge) == {"type": "ack", "seq": 1}
    assert await send_batch(phone, 2, [[T0_MS + 10_000.751, 0, 0, 9.8]]) == {"type": "ack", "seq": 2}
    got = stored_samples(live_server, session)
    assert got == full + [[float(v) for v in s] for s in edge] + [[T0_MS + 10_000.751, 0.0, 0.0, 9.8]]
    await phone.close()


BAD_MESSAGES = {
    "not-json": "samples please",
    "truncated-json": '{"type": "samples", "seq": 1',
    "json-array": "[1, 2, 3]",
    "json-string": '"samples"',
    "json-number": "42",
    "json-null": "null",
    "missing-type": '{"seq": 1, "samples": []}',
    "type-not-string": '{"type": 7}',
    "unknown-type": '{"type": "sample", "seq": 1, "samples": []}',
    "seq-string": '{"type": "samples", "seq": "1", "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-negative": '{"type": "samples", "seq": -1, "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-fraction": '{"type": "samples", "seq": 1.5, "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-boolean": '{"type": "samples", "seq": true, "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-beyond-bigint": '{"type": "samples", "seq": 9223372036854775808, "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-beyond-uint64": '{"type": "samples", "seq": 18446744073709551616, "samples": [[1764000000100, 0, 0, 9.8]]}',
    "seq-missing": '{"type": "samples", "samples": [[1764000000100, 0, 0, 9.8]]}',
    "samples-object": '{"type": "samples", "seq": 1, "samples": {"t": 1764000000100}}',
    "samples-string": '{"type": "samples", "seq": 1, "samples": "[]"}',
    "samples-null": '{"type": "samples", "seq": 1, "samples": null}',
    "samples-missing": '{"type": "samples", "seq": 1}',
    "NaN": '{"type": "samples", "seq": 1, "samples": [[1764000000100, NaN, 0, 9.8]]}',
    "Infinity": '{"type": "samples", "seq": 1, "samples": [[1764000000100, Infinity, 0, 9.8]]}',
    "minus-Infinity": '{"type": "samples", "seq": 1, "samples": [[1764000000100, 0, -Infinity, 9.8]]}',
    "1e999": '{"type": "samples", "seq": 1, "samples": [[1764000000100, 0, 0, 1e999]]}',
    "binary-frame": b'{"type": "samples", "seq": 1, "samples": [[1764000000100, 0, 0, 9.8]]}',
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
async def test_malformed_message_is_bad_message_and_the_socket_stays(live_server, name):
    session, phone, sent = await _phone_with_one_batch(live_server)
    await phone.send(BAD_MESSAGES[name])
    answer = await recv_json(phone)
    assert set(answer) == {"type", "code", "detail"}, answer
    assert (answer["type"], answer["code"]) == ("error", "bad_message")
    assert isinstance(answer["detail"], str) and answer["detail"]
    await assert_open(phone)
    assert stored_samples(live_server, session) == sent
    await stream(phone, 1, first_seq=1)
    await phone.close()


async def test_ten_bad_messages_close_4400(live_server):
    session, phone, _sent = await _phone_with_one_batch(live_server)
    for _ in range(9):
        await phone.send("not json")
        assert (await recv_json(phone))["code"] == "bad_message"
    await stream(phone, 1, first_seq=1)  # valid messages in between do not reset nor close
    await phone.send('{"type": "nonsense"}')
    messages, code = await messages_until_close(phone)
    assert [m["code"] for m in messages] == ["bad_message"]
    assert code == 4400
    assert metadata(live_server, session)["batchCount"] == 2


async def test_seq_gap_and_invalid_samples_do_not_count_towards_the_limit(live_server):
    _session, phone, _sent = await _phone_with_one_batch(live_server)
    for _ in range(6):
        assert (await send_batch(phone, 5, samples(1, start=10)))["code"] == "seq_gap"
        assert (await send_batch(phone, 1, []))["code"] == "invalid_samples"
    await stream(phone, 1, first_seq=1)
    await phone.close()


async def test_end_message_answers_ended_and_closes_1000(live_server):
    session, phone, sent = await _phone_with_one_batch(live_server)
    await send_json(phone, {"type": "end"})
    messages, code = await messages_until_close(phone)
    assert [m for m in messages if m["type"] != "analysis"] == [{"type": "ended"}]
    assert code == 1000
    meta = metadata(live_server, session)
    assert meta["status"] == "ended" and meta["endedAt"] is not None
    assert stored_samples(live_server, session) == sent
    ws = await connect_raw(live_server, session["captureUrl"])
    await send_json(ws, {"type": "hello", "token": session["patientToken"]})
    assert await messages_until_close(ws) == ([], 4410)


async def test_end_by_rest_tells_the_capture_socket_ended_then_4410(live_server):
    session, phone, sent = await _phone_with_one_batch(live_server)
    response = api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    assert response.status_code == 200
    messages, code = await messages_until_close(phone)
    assert [m for m in messages if m["type"] != "analysis"] == [{"type": "ended"}]
    assert code == 4410
    assert stored_samples(live_server, session) == sent


async def test_delete_closes_capture_and_watch_sockets_4410(live_server):
    session, phone, _sent = await _phone_with_one_batch(live_server)
    viewer, _ = await open_watch(live_server, session)
    response = api(live_server, "DELETE", session_path(session), session["patientToken"])
    assert response.status_code == 204
    (_, phone_code), (_, viewer_code) = await messages_until_close(phone), await messages_until_close(viewer)
    assert (phone_code, viewer_code) == (4410, 4410)
    assert api(live_server, "GET", session_path(session), session["patientToken"]).status_code == 404
