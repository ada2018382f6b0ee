"""Several server processes sharing PostgreSQL and Redis: a phone on A reaches viewers on B and C; presence is
counted across processes; a capture socket on another process supersedes the first; one instance killed and
restarted mid-stream costs its viewers nothing (they reconnect with `since`)."""

from __future__ import annotations

import asyncio
import json

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from tests.wire import auth, close_code, create_session, open_capture, open_watch, recv_json, samples, send_json

BATCHES = 300
BATCH = 10


async def until(predicate, timeout_s: float = 10.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not predicate():
            await asyncio.sleep(0.05)


async def test_phone_on_a_viewers_on_b_and_c_one_instance_killed(start_server, postgres_url, redis_url):
    env = {"OPENSCG_DATABASE_URL": postgres_url, "OPENSCG_BROKER_URL": redis_url}
    a, b, c = (start_server(**env) for _ in range(3))
    session = create_session(a)
    received: dict[str, list[int]] = {"b": [], "c": []}
    closes: dict[str, list[int]] = {"b": [], "c": []}

    async def viewer(name: str, servers: list) -> None:
        since = 0
        for attempt in range(60):
            server = servers[attempt % len(servers)]
            try:
                ws = await connect(server.ws_url(session["watchUrl"]), open_timeout=2)
            except OSError:
                await asyncio.sleep(0.2)
                continue
            await send_json(ws, {"type": "hello", "token": session["viewerToken"], "since": since})
            try:
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "samples":
                        assert message["seq"] == since
                        received[name].append(message["seq"])
                        since += 1
            except ConnectionClosed:
                pass
            closes[name].append(ws.close_code or 0)
            if ws.close_code == 1000:
                return
            await asyncio.sleep(0.2)

    tasks = [asyncio.create_task(viewer("b", [b, c])), asyncio.create_task(viewer("c", [c]))]
    phone, _ = await open_capture(a, session)
    for seq in range(BATCHES):
        answer = await asyncio.wait_for(_send(phone, seq), 10)
        assert answer == {"type": "ack", "seq": seq}
        if seq == 100:
            b.kill()
        if seq == 150:
            b.start()
        await asyncio.sleep(0.01)
    await send_json(phone, {"type": "end"})
    await asyncio.wait_for(asyncio.gather(*tasks), 60)
    assert received["b"] == list(range(BATCHES)), closes["b"]
    assert received["c"] == list(range(BATCHES)), closes["c"]
    assert closes["b"][0] != 1000, "the killed instance's viewer should have been cut off"


async def _send(phone, seq: int) -> dict:
    await send_json(phone, {"type": "samples", "seq": seq, "samples": samples(BATCH, start=seq * BATCH)})
    while True:
        message = await recv_json(phone)
        if message["type"] in ("ack", "error"):
            return message


async def test_presence_and_takeover_across_instances(start_server, postgres_url, redis_url):
    env = {"OPENSCG_DATABASE_URL": postgres_url, "OPENSCG_BROKER_URL": redis_url}
    a, b = start_server(**env), start_server(**env)
    session = create_session(a)
    url = f"/api/v1/sessions/{session['sessionId']}"

    def presence(server) -> tuple[bool, int]:
        meta = httpx.get(server.base_url + url, headers=auth(session["viewerToken"])).json()
        return meta["patientConnected"], meta["viewers"]

    first_phone, _ = await open_capture(a, session)
    viewer_b, _ = await open_watch(b, session)
    viewer_a, _ = await open_watch(a, session)
    assert presence(b) == (True, 2)
    assert presence(a) == (True, 2)

    second_phone, ready = await open_capture(b, session)  # the phone reconnects through another instance
    assert ready["nextSeq"] == 0
    assert await close_code(first_phone) == 4409
    await viewer_a.close()
    await until(lambda: presence(a) == (True, 1))
    await second_phone.close()
    await until(lambda: presence(a) == (False, 1))
    status = None
    while status is None or status["patientConnected"]:
        message = await recv_json(viewer_b)
        status = message if message["type"] == "status" else status
    assert status["viewers"] == 1
    await viewer_b.close()
