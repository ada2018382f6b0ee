"""A flaky mobile network: for over a minute, a loopback TCP proxy between the phone and the server cuts every
connection every 1–3 s (abruptly, like a lost radio link). The virtual phone reconnects and resends from
nextSeq; a viewer behind the same proxy reconnects with `since`. The recording ends complete and exact, and the
viewer saw every batch once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from openscg.simulate import run_virtual_phone
from tests.faults.phone_data import assert_exactly, recording
from tests.wire import new_session, send_json, stored_samples

WALL_S = 62.0
SPEED = 2.0


class CuttingProxy:
    """Forwards 127.0.0.1:port to the server; `cut()` aborts every open connection (both sides)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.transports: set[asyncio.WriteTransport] = set()
        self.cuts = 0
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self.server.sockets[0].getsockname()[1]

    async def _serve(self, client_reader, client_writer) -> None:
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        except OSError:
            client_writer.transport.abort()
            return
        pair = {client_writer.transport, server_writer.transport}
        self.transports |= pair
        try:
            await asyncio.gather(_pipe(client_reader, server_writer), _pipe(server_reader, client_writer))
        finally:
            self.transports -= pair
            for transport in pair:
                transport.abort()

    def cut(self) -> None:
        if self.transports:
            self.cuts += 1
        for transport in list(self.transports):
            transport.abort()

    async def close(self) -> None:
        self.cut()
        if self.server is not None:
            self.server.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    writer.transport.abort()


async def test_a_connection_cut_every_few_seconds_for_a_minute_loses_nothing(start_server):
    server = start_server(OPENSCG_ANALYSIS_INTERVAL_S="0")
    proxy = CuttingProxy(server.port)
    proxy_url = f"http://127.0.0.1:{await proxy.start()}"
    session = new_session(server)
    source = recording(WALL_S * SPEED)
    seen: list[int] = []
    viewer_reconnects = 0

    async def viewer() -> None:
        nonlocal viewer_reconnects
        while True:
            try:
                ws = await connect(proxy_url.replace("http", "ws") + session["watchUrl"], open_timeout=5)
                await send_json(ws, {"type": "hello", "token": session["viewerToken"], "since": len(seen)})
                async for raw in ws:
                    message = json.loads(raw)
                    if message["type"] == "samples":
                        assert message["seq"] == len(seen), (message["seq"], len(seen))
                        seen.append(message["seq"])
                if ws.close_code == 1000:
                    return
            except (OSError, TimeoutError, ConnectionClosed):
                pass
            viewer_reconnects += 1
            await asyncio.sleep(0.2)

    async def cutter() -> None:
        rng = random.Random(6)
        while True:
            await asyncio.sleep(rng.uniform(1.0, 3.0))
            proxy.cut()

    watching = asyncio.create_task(viewer())
    cutting = asyncio.create_task(cutter())
    report = await run_virtual_phone(
        proxy_url,
        source,
        session_id=session["sessionId"],
        patient_token=session["patientToken"],
        speed=SPEED,
        max_offline_s=60.0,
    )
    cutting.cancel()
    await asyncio.wait_for(watching, 60)
    await proxy.close()

    print(
        f"flaky network: {proxy.cuts} cuts in {report.elapsed_s:.0f} s; phone reconnected {report.reconnects} times "
        f"and resent {report.batches_resent} batches; viewer reconnected {viewer_reconnects} times"
    )
    assert report.ended and report.elapsed_s >= 60.0
    assert proxy.cuts >= 20 and report.reconnects >= 15, (proxy.cuts, report.reconnects)
    assert report.batches_acked == report.batches_sent
    assert_exactly(stored_samples(server, session), source)
    assert seen == list(range(report.batches_sent))
