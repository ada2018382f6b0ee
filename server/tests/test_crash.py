"""Crash safety: `kill -9` the server mid-stream, restart it on the same database; every acked batch is there,
the phone's reconnect is told nextSeq = stored batches, and the stream completes with nothing lost or doubled.
Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio

import httpx
from websockets.exceptions import ConnectionClosed

from tests.wire import auth, create_session, open_capture, recv_json, samples, send_json

BATCHES = 400
KILL_AT = 150
BATCH = 10


def batch(seq: int) -> list[list[float]]:
    return samples(BATCH, start=seq * BATCH)


async def pipelined_phone(server, session, acked: set[int], stop_at: int | None, kill) -> None:
    """Send batches without waiting for acks (as a phone on a slow network does); kill the server mid-flight."""
    phone, ready = await open_capture(server, session)
    first = ready["nextSeq"]
    assert acked <= set(range(first)), f"acked batches {sorted(acked - set(range(first)))[:5]} not stored"
    try:
        for seq in range(first, BATCHES):
            await send_json(phone, {"type": "samples", "seq": seq, "samples": batch(seq)})
            if stop_at is not None and seq == stop_at:
                while not acked:  # crash only once something was acked, with more batches still in flight
                    message = await recv_json(phone)
                    if message["type"] == "ack":
                        acked.add(message["seq"])
                kill()
            while True:  # read whatever acks are ready, without waiting for this one
                try:
                    message = await asyncio.wait_for(recv_json(phone), 0.001 if seq + 1 < BATCHES else 10)
                except TimeoutError:
                    break
                if message["type"] == "ack":
                    acked.add(message["seq"])
                    if message["seq"] == BATCHES - 1:
                        break
        await send_json(phone, {"type": "end"})
        while (await recv_json(phone))["type"] != "ended":
            pass
    except (ConnectionClosed, OSError):
        return


async def test_kill_9_mid_stream_loses_nothing(start_server, database_url):
    server = start_server(OPENSCG_DATABASE_URL=database_url)
    session = create_session(server)
    acked: set[int] = set()
    await pipelined_phone(server, session, acked, stop_at=KILL_AT, kill=server.kill)
    assert acked, "nothing was acked before the crash"
    acked_before = set(acked)
    server.start()  # same port, same database

    meta = httpx.get(f"{server.base_url}/api/v1/sessions/{session['sessionId']}", headers=auth(session["viewerToken"]))
    stored = meta.json()["batchCount"]
    assert stored >= max(acked_before) + 1, "an acked batch was lost in the crash"
    assert stored <= KILL_AT + 1

    phone, ready = await open_capture(server, session)
    assert ready["nextSeq"] == stored
    await phone.close()
    await pipelined_phone(server, session, acked, stop_at=None, kill=None)
    assert acked >= set(range(stored, BATCHES))

    url = f"{server.base_url}/api/v1/sessions/{session['sessionId']}/data"
    document = httpx.get(url, headers=auth(session["patientToken"]), timeout=30).json()
    expected = [value for seq in range(BATCHES) for value in batch(seq)]
    assert document["samples"] == expected
    assert document["endedAt"] is not None
