"""PROTOCOL.md, watch socket: `since`, the default start at the batch covering the last 30 s, every batch exactly
once and in order (also for viewers joining mid-stream), and the end of a session (replay, status ended, 1000)."""

from __future__ import annotations

import asyncio

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
    samples,
    send_batch,
    send_json,
    session_path,
    stream,
)
from tests.wire import next_message as _next
from tests.wire import status_message as _status


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


async def _pipeline(phone, first_seq: int) -> None:
    """Send batches without waiting for acks (as a phone catching up does) until the socket closes."""
    seq = first_seq
    while True:
        try:
            await send_json(phone, {"type": "samples", "seq": seq, "samples": samples(10, start=seq * 10)})
        except Exception:
            return
        seq += 1
        await asyncio.sleep(0.001)


async def test_a_viewer_watching_as_the_session_ends_gets_every_batch_that_is_stored(live_server):
    for attempt in range(10):  # a race: each attempt ends the session at a different moment of the stream
        session = new_session(live_server)
        phone, _ = await open_capture(live_server, session)
        await stream(phone, 1)
        viewer, _ = await open_watch(live_server, session, since=0)
        sender = asyncio.create_task(_pipeline(phone, 1))
        await asyncio.sleep(0.02 + 0.003 * attempt)  # let some batches flow; not a synchronisation
        await asyncio.to_thread(api, live_server, "POST", session_path(session, "/end"), session["patientToken"])
        messages, code = await messages_until_close(viewer)
        await messages_until_close(phone)
        await sender
        seen = [m["seq"] for m in messages if m["type"] == "samples"]
        assert code == 1000
        assert seen == list(range(metadata(live_server, session)["batchCount"])), f"attempt {attempt}"
