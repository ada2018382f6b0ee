"""Redis killed and restarted (empty) under three server instances sharing one database: viewers on the phone's
own instance keep receiving while Redis is away; viewers on the others catch up from the database when it returns;
no instance crashes; `/health` names the broker meanwhile. Every viewer gets every batch once, in order."""

from __future__ import annotations

import asyncio
import json

import httpx
import redis

from tests.wire import new_session, open_capture, open_watch, recv_json, samples, send_json

BATCH = 10
BEFORE, DURING, AFTER = 20, 40, 30  # batches sent before, while and after Redis is away


async def test_redis_killed_and_restarted_under_three_instances(start_server, private_redis, health):
    env = {"OPENSCG_BROKER_URL": private_redis.url, "OPENSCG_ANALYSIS_INTERVAL_S": "0"}
    a, b, c = (start_server(**env) for _ in range(3))
    session = new_session(a)
    received: dict[str, list[int]] = {"a": [], "b": [], "c": []}
    closes: dict[str, int | None] = {}

    async def viewer(name: str, server) -> None:
        ws, _ = await open_watch(server, session, since=0)
        async for raw in ws:
            message = json.loads(raw)
            if message["type"] == "samples":
                received[name].append(message["seq"])
        closes[name] = ws.close_code

    viewers = [asyncio.create_task(viewer(name, server)) for name, server in (("a", a), ("b", b), ("c", c))]
    phone, _ = await open_capture(a, session)
    seq = 0

    async def send(count: int) -> None:
        nonlocal seq
        for _ in range(count):
            await send_json(phone, {"type": "samples", "seq": seq, "samples": samples(BATCH, start=seq * BATCH)})
            while (answer := await recv_json(phone))["type"] != "ack":
                pass
            assert answer["seq"] == seq
            seq += 1
            await asyncio.sleep(0.02)

    async def until(predicate, timeout_s: float = 20.0) -> None:
        async with asyncio.timeout(timeout_s):
            while not predicate():
                await asyncio.sleep(0.05)

    await send(BEFORE)
    await until(lambda: all(len(seqs) == BEFORE for seqs in received.values()))

    private_redis.kill()
    await send(DURING)  # acks go on: the database is the truth
    await until(lambda: len(received["a"]) == BEFORE + DURING)  # the phone's own instance keeps serving
    for server in (a, b, c):
        body = await asyncio.to_thread(health, server, 503)
        assert body["checks"]["broker"] != "ok" and body["checks"]["database"] == "ok", body

    private_redis.start()
    for server in (a, b, c):
        await asyncio.to_thread(health, server, 200)
    await asyncio.sleep(2.0)  # each instance's subscriber reconnects on its own schedule
    await send(AFTER)
    await send_json(phone, {"type": "end"})
    while (await recv_json(phone))["type"] != "ended":
        pass
    await asyncio.wait_for(asyncio.gather(*viewers), 30)

    total = BEFORE + DURING + AFTER
    for name, seqs in received.items():
        assert seqs == list(range(total)), f"viewer on {name}: {len(seqs)} batches, first gap near {_gap(seqs)}"
        assert closes[name] == 1000
    await phone.close()
    for server in (a, b, c):
        assert server.process is not None and server.process.poll() is None, "an instance crashed"
        assert '"level":"ERROR"' not in server.log(), server.log()[-3000:]
        await until(lambda server=server: _open_sockets(server) == 0)  # nothing left behind in any instance
    keys = [f"openscg:p:{session['sessionId']}:{role}" for role in ("patient", "viewer")]
    client = redis.Redis.from_url(private_redis.url)
    assert [client.zcard(key) for key in keys] == [0, 0], "presence left in Redis"


def _open_sockets(server) -> float:
    text = httpx.get(server.base_url + "/metrics", timeout=5).text
    return sum(float(line.split()[-1]) for line in text.splitlines() if line.startswith("openscg_connections{"))


def _gap(seqs: list[int]) -> int | None:
    return next((i for i, seq in enumerate(seqs) if seq != i), None)
