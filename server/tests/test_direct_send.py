"""live/direct_send.py against a real uvicorn (websockets-sansio, as `openscg serve` runs it) and a real client:
frames written straight to the transport arrive intact and in order with normal sends, the writer engages on
this uvicorn (so an upgrade that moves its internals is noticed here, not as a silent slowdown), and it steps
aside — returns False — on a compressed connection and once flow control pauses a connection whose reader
stopped reading. The server allows compression here; the clients decide whether to negotiate it."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect

from openscg.live.direct_send import DirectWriter, text_frame
from openscg.live.socket import limit_send_buffer

FRAME_TEXT = json.dumps({"type": "samples", "seq": 0, "samples": [[1.0, 0.1, 0.2, 9.8]] * 50})
results: dict[str, Any] = {}


async def interleaved(ws: WebSocket) -> None:
    await ws.accept()
    writer = DirectWriter(ws)
    results["available"] = writer.available
    results["first"] = writer.write(text_frame(json.dumps({"n": 0})))
    await ws.send_text(json.dumps({"n": 1}))
    results["second"] = writer.write(text_frame(json.dumps({"n": 2, "text": "é ∑ " * 40})))
    await ws.send_text(json.dumps({"n": 3}))
    await ws.receive_text()  # the client says it is done
    await ws.close()


async def flood(ws: WebSocket) -> None:
    """Write until the writer declines (the client never reads); report how many it took."""
    await ws.accept()
    limit_send_buffer(ws, 16 * 1024)
    writer = DirectWriter(ws)
    frame = text_frame(FRAME_TEXT)
    written = 0
    while written < 100_000 and writer.write(frame):
        written += 1
    results["flood_written"] = written
    results["flood_bytes"] = written * len(frame)
    await ws.close()


@pytest.fixture(scope="module")
def server_port() -> Iterator[int]:
    app = Starlette(routes=[WebSocketRoute("/interleaved", interleaved), WebSocketRoute("/flood", flood)])
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, ws="websockets-sansio", log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.02)
    assert server.started, "uvicorn did not start"
    yield port
    server.should_exit = True
    thread.join(timeout=10)


async def test_direct_frames_arrive_in_order_with_normal_sends(server_port: int) -> None:
    async with connect(f"ws://127.0.0.1:{server_port}/interleaved", compression=None) as ws:
        async with asyncio.timeout(10):
            received = [json.loads(await ws.recv()) for _ in range(4 if results.get("first") else 2)]
        await ws.send("done")
    assert results["available"] is True, "the direct writer does not engage on this uvicorn"
    assert results["first"] is True and results["second"] is True, results
    assert [message["n"] for message in received] == [0, 1, 2, 3]
    assert received[2]["text"] == "é ∑ " * 40


async def test_writer_declines_a_compressed_connection(server_port: int) -> None:
    """Raw frames would be wrong where permessage-deflate was negotiated (`openscg serve` turns it off)."""
    results.clear()
    async with connect(f"ws://127.0.0.1:{server_port}/interleaved", compression="deflate") as ws:
        async with asyncio.timeout(10):
            received = [json.loads(await ws.recv()) for _ in range(2)]
        await ws.send("done")
    assert results["available"] is False and results["first"] is False and results["second"] is False
    assert [message["n"] for message in received] == [1, 3]


async def test_writer_steps_aside_when_the_reader_stalls(server_port: int) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server_port))
    ws = await connect(f"ws://127.0.0.1:{server_port}/flood", sock=sock, max_queue=1, compression=None)
    for _ in range(100):
        if "flood_written" in results:
            break
        await asyncio.sleep(0.05)
    ws.transport.abort()  # a stalled reader does not take part in a closing handshake
    assert "flood_written" in results, "the server never stopped writing to a client that reads nothing"
    # bounded by the kernel buffers and the 16 KiB transport limit: far below the 100,000-frame cap
    assert 0 < int(results["flood_written"]) < 1000, results
