"""Limits with clear answers (docs/protocol.md, "Limits"): batches per second of a capture socket (4429), open
sockets per client address (4429 at connect), session length (invalid_samples). Each breaking input is far beyond
the limit; each answer carries a reason; what was acked before is stored exactly, nothing after it."""

from __future__ import annotations

import asyncio
import json

from websockets.exceptions import ConnectionClosed

from tests.wire import (
    connect_raw,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    open_watch,
    samples,
    send_batch,
    send_json,
    stored_samples,
)

FLOOD_BATCHES = 2000


async def test_a_phone_flooding_batches_is_closed_4429_and_keeps_what_was_acked(start_server):
    server = start_server(OPENSCG_CAPTURE_BATCHES_PER_S="50", OPENSCG_CAPTURE_BATCH_BURST="200")
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    frames = [
        json.dumps({"type": "samples", "seq": seq, "samples": samples(1, start=seq)}) for seq in range(FLOOD_BATCHES)
    ]

    async def flood() -> int:
        sent = 0
        try:
            for frame in frames:  # as fast as the socket takes them, acks unread meanwhile
                await phone.send(frame)
                sent += 1
        except ConnectionClosed:
            pass
        return sent

    sender = asyncio.create_task(flood())
    messages, code = await messages_until_close(phone, timeout_s=60)
    sent = await sender
    acked = [message["seq"] for message in messages if message["type"] == "ack"]
    print(f"flood: {sent} of {FLOOD_BATCHES} batches sent, {len(acked)} acked, then close {code}")
    assert code == 4429
    assert phone.close_reason and "too many messages" in phone.close_reason, phone.close_reason
    assert acked == list(range(len(acked))) and 200 <= len(acked) < FLOOD_BATCHES
    assert metadata(server, session)["batchCount"] == len(acked)
    assert stored_samples(server, session) == [s for seq in acked for s in samples(1, start=seq)]

    phone, ready = await open_capture(server, session)  # a new socket starts with a full bucket
    assert ready["nextSeq"] == len(acked)
    batch = samples(1, start=len(acked))
    assert await send_batch(phone, len(acked), batch) == {"type": "ack", "seq": len(acked)}
    await phone.close()


async def test_one_address_opening_too_many_sockets_gets_4429(start_server):
    server = start_server(OPENSCG_MAX_SOCKETS_PER_ADDRESS="4")
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    viewers = [(await open_watch(server, session))[0] for _ in range(3)]
    for _ in range(3):  # beyond the limit, again and again: each is told why
        extra = await connect_raw(server, session["watchUrl"])
        assert await messages_until_close(extra) == ([], 4429)
        assert extra.close_reason and "too many open sockets" in extra.close_reason
    await viewers.pop().close()
    await asyncio.sleep(0.3)
    again, ready = await open_watch(server, session)  # a closed socket frees its place
    assert ready["type"] == "ready"
    for ws in [phone, again, *viewers]:
        await ws.close()


async def test_a_session_over_its_length_limits_refuses_batches(start_server):
    server = start_server(OPENSCG_MAX_SESSION_SAMPLES="1000", OPENSCG_MAX_SESSION_DURATION_S="60")
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    for seq in range(9):
        assert await send_batch(phone, seq, samples(100, start=seq * 100)) == {"type": "ack", "seq": seq}
    refused = await send_batch(phone, 9, samples(101, start=900))
    assert refused["code"] == "invalid_samples" and "1000 samples" in refused["detail"], refused
    assert await send_batch(phone, 9, samples(100, start=900)) == {"type": "ack", "seq": 9}  # exactly at the limit

    other = new_session(server)
    phone2, _ = await open_capture(server, other)
    assert await send_batch(phone2, 0, samples(2, dt_ms=30_000.0)) == {"type": "ack", "seq": 0}
    refused = await send_batch(phone2, 1, samples(1, start=3, dt_ms=30_000.0))  # 90 s after the first sample
    assert refused["code"] == "invalid_samples" and "longer than 60 s" in refused["detail"], refused
    assert metadata(server, other)["sampleCount"] == 2
    await send_json(phone, {"type": "end"})
    for ws in (phone, phone2):
        await ws.close()
