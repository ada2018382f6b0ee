"""Nothing lost, nothing doubled: ten minutes of 100 Hz at ×20, three viewers (one from the start, one joining
late with `since`, one so slow it is disconnected with 1013 and reconnects with `since`)."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from dataclasses import dataclass, field

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.wire import auth, create_session, open_capture, recv_json, samples, send_json

RECORDING_S = 600
RATE_HZ = 100
BATCH = 10  # 100 ms batches
SPEED = 20
BATCHES = RECORDING_S * RATE_HZ // BATCH


@dataclass
class ViewerLog:
    seqs: list[int] = field(default_factory=list)
    samples: list[list[float]] = field(default_factory=list)
    closes: list[int] = field(default_factory=list)


async def stream_phone(server, session) -> None:
    """Send every batch on the ×20 schedule, pipelined; acks are read by a sibling task."""
    phone, ready = await open_capture(server, session)
    assert ready["nextSeq"] == 0
    acked: set[int] = set()

    async def read_acks() -> None:
        while len(acked) < BATCHES:
            message = await recv_json(phone, timeout_s=30)
            assert message["type"] in ("ack", "status", "analysis"), message
            if message["type"] == "ack":
                acked.add(message["seq"])

    reader = asyncio.create_task(read_acks())
    start = time.monotonic()
    for seq in range(BATCHES):
        due = start + seq * (BATCH / RATE_HZ) / SPEED
        await asyncio.sleep(max(0.0, due - time.monotonic()))
        await send_json(phone, {"type": "samples", "seq": seq, "samples": samples(BATCH, start=seq * BATCH)})
    await asyncio.wait_for(reader, 60)
    assert acked == set(range(BATCHES))
    await send_json(phone, {"type": "end"})
    assert (await recv_json(phone))["type"] == "ended"


async def watch(server, session, log: ViewerLog, since: int, stall_s: float = 0.0) -> None:
    """Collect every batch until the session ends; reconnect with `since` after a 1013."""
    while True:
        sock = None
        if stall_s:
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        kwargs = {"sock": sock, "max_queue": 1} if sock else {}
        ws = await connect(server.ws_url(session["watchUrl"]), max_size=None, **kwargs)
        await send_json(ws, {"type": "hello", "token": session["viewerToken"], "since": since})
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "samples":
                    assert message["seq"] == since, f"expected seq {since}, got {message['seq']}"
                    log.seqs.append(message["seq"])
                    log.samples.extend(message["samples"])
                    since += 1
                    if stall_s and len(log.seqs) == 50:
                        await asyncio.sleep(stall_s)  # stop reading: the server must give up on us
                        stall_s = 0.0
        except ConnectionClosed:
            pass
        log.closes.append(ws.close_code or 0)
        if ws.close_code != 1013:
            return


async def test_ten_minutes_three_viewers_nothing_lost(start_server):
    # ×20 is 200 batches/s, far above a real phone: lift the per-socket rate limit for this test
    server = start_server(OPENSCG_VIEWER_QUEUE_BATCHES="16", OPENSCG_CAPTURE_BATCHES_PER_S="1000")
    session = create_session(server, label="nothing lost")
    first, late, slow = ViewerLog(), ViewerLog(), ViewerLog()
    viewers = [
        asyncio.create_task(watch(server, session, first, since=0)),
        asyncio.create_task(watch(server, session, slow, since=0, stall_s=5.0)),
    ]
    phone = asyncio.create_task(stream_phone(server, session))
    await asyncio.sleep(10)
    viewers.append(asyncio.create_task(watch(server, session, late, since=0)))
    await asyncio.wait_for(phone, 120)
    await asyncio.wait_for(asyncio.gather(*viewers), 120)

    sent = [value for seq in range(BATCHES) for value in samples(BATCH, start=seq * BATCH)]
    summary = {name: (len(log.seqs), log.closes) for name, log in (("first", first), ("late", late), ("slow", slow))}
    for log in (first, late, slow):
        assert log.seqs == list(range(BATCHES)), summary
        assert log.samples == sent
        assert log.closes[-1] == 1000
    assert 1013 in slow.closes, f"the stalled viewer was never disconnected: {slow.closes}"
    url = server.base_url + f"/api/v1/sessions/{session['sessionId']}/data"
    document = httpx.get(url, headers=auth(session["viewerToken"]), timeout=30).json()
    assert document["samples"] == sent
    assert abs(document["samplingRateHz"] - RATE_HZ) < 0.01
