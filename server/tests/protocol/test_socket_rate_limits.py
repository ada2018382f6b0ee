"""PROTOCOL.md, close code 4429 (rate-limited): a client address over its number of open sockets, and a capture
socket sending faster than its message rate. The phone recovers from nextSeq like after any drop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.server_process import ServerProcess
from tests.wire import (
    connect_raw,
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    open_watch,
    samples,
    send_json,
    stream,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """3 sockets per address; a capture socket may send 1 message/s after a burst of 5."""
    folder = tmp_path_factory.mktemp("socket_limits")
    server = ServerProcess(
        env={
            "OPENSCG_DATABASE_URL": f"sqlite:///{folder / 'openscg.db'}",
            "OPENSCG_MAX_SOCKETS_PER_ADDRESS": "3",
            "OPENSCG_CAPTURE_BATCHES_PER_S": "1",
            "OPENSCG_CAPTURE_BATCH_BURST": "5",
        },
        log_path=Path(folder / "server.log"),
    )
    server.start()
    yield server
    server.stop()


async def test_one_socket_more_than_allowed_per_address_closes_4429(server):
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    first, _ = await open_watch(server, session)
    second, _ = await open_watch(server, session)
    for path in (session["watchUrl"], session["captureUrl"]):
        extra = await connect_raw(server, path)
        assert await messages_until_close(extra) == ([], 4429)
    await stream(phone, 1)  # the admitted sockets are unaffected
    await second.close()
    async with asyncio.timeout(10):  # the server counts the closed socket out when its handler has returned
        while True:
            again = await connect_raw(server, session["watchUrl"])
            try:  # refused sockets are closed at once: even the hello may meet the close
                await send_json(again, {"type": "hello", "token": session["viewerToken"]})
                message = await again.recv()
            except Exception:
                assert again.close_code == 4429, again.close_code
                await asyncio.sleep(0.05)
                continue
            assert '"ready"' in message
            break
    await again.close()
    await first.close()
    await phone.close()


async def test_a_capture_socket_over_its_message_rate_closes_4429_and_resumes(server):
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    for seq in range(20):  # pipelined, as fast as the socket takes them
        await send_json(phone, {"type": "samples", "seq": seq, "samples": samples(10, start=seq * 10)})
    messages, code = await messages_until_close(phone)
    assert code == 4429
    acked = [m["seq"] for m in messages if m["type"] == "ack"]
    assert acked == list(range(len(acked))) and 5 <= len(acked) < 20
    assert metadata(server, session)["batchCount"] == len(acked)  # nothing beyond the acks was stored
    phone, ready = await open_capture(server, session)
    assert ready == {"type": "ready", "nextSeq": len(acked)}
    await stream(phone, 2, first_seq=len(acked))
    await phone.close()
