"""WebSocket hardening: the browser `Origin` is checked against OPENSCG_CORS_ORIGINS (4403 with a reason), clients
without one (the simulator, scripts) are let through; permessage-deflate is never negotiated (no decompression
bombs); a phone that stops reading its acks cannot make the server's memory grow."""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.wire import messages_until_close, new_session, open_capture, recv_json, samples, send_batch, send_json

ALLOWED = "https://clinic.example.org"


async def _hello_answer(server, session, origin: str | None, kind: str = "watchUrl"):
    """Open a socket with this Origin header (None: no header) and say hello; (first message or None, close)."""
    headers = {"Origin": origin} if origin is not None else None
    ws = await connect(server.ws_url(session[kind]), additional_headers=headers, origin=None, max_size=None)
    token = session["patientToken"] if kind == "captureUrl" else session["viewerToken"]
    with contextlib.suppress(Exception):
        await send_json(ws, {"type": "hello", "token": token})
    messages, code = [], None
    with contextlib.suppress(Exception):
        messages.append(await recv_json(ws, timeout_s=5))
    if messages and messages[0]["type"] == "ready":
        await ws.close()
        return "ready", None
    _, code = await messages_until_close(ws)
    return None, (code, ws.close_reason)


async def test_origins_outside_the_allowlist_are_closed_4403(start_server):
    server = start_server(OPENSCG_CORS_ORIGINS=ALLOWED)
    session = new_session(server)
    for kind in ("watchUrl", "captureUrl"):
        ready, refused = await _hello_answer(server, session, "https://evil.example.com", kind)
        assert ready is None and refused[0] == 4403 and "origin not allowed" in refused[1], refused
        assert (await _hello_answer(server, session, "null", kind))[1][0] == 4403  # sandboxed frames, file://
        assert await _hello_answer(server, session, ALLOWED, kind) == ("ready", None)
        assert await _hello_answer(server, session, ALLOWED + "/", kind) == ("ready", None)
        assert await _hello_answer(server, session, None, kind) == ("ready", None)  # not a browser
        assert await _hello_answer(server, session, server.base_url, kind) == ("ready", None)  # same origin
    preflight = httpx.options(
        server.base_url + "/api/v1/sessions",
        headers={"Origin": "https://evil.example.com", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


async def test_a_star_allows_every_origin(start_server):
    server = start_server(OPENSCG_CORS_ORIGINS="*")
    session = new_session(server)
    assert await _hello_answer(server, session, "https://anywhere.example.net") == ("ready", None)


async def test_permessage_deflate_is_never_negotiated(live_server):
    session = new_session(live_server)
    ws = await connect(live_server.ws_url(session["watchUrl"]), compression="deflate")
    assert ws.response is not None
    assert "Sec-WebSocket-Extensions" not in ws.response.headers, ws.response.headers
    await ws.close()


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


async def test_a_phone_that_stops_reading_acks_cannot_grow_server_memory(start_server):
    server = start_server(OPENSCG_CAPTURE_BATCHES_PER_S="1000000", OPENSCG_CAPTURE_BATCH_BURST="1000000")
    assert server.process is not None
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    assert await send_batch(phone, 0, samples(100)) == {"type": "ack", "seq": 0}
    resend = json.dumps({"type": "samples", "seq": 0, "samples": samples(100)})  # acked again, every time
    before_kib = _rss_kib(server.process.pid)
    phone.transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    phone.transport.pause_reading()  # the phone's app stops reading: acks pile up in the kernel, then the server

    sent = 0

    async def keep_sending() -> None:
        nonlocal sent
        while True:
            await phone.send(resend)
            sent += 1

    sender = asyncio.create_task(keep_sending())
    stalled_at = -1
    for _ in range(60):  # until the sender blocks: the server stopped reading this phone
        await asyncio.sleep(1.0)
        if sent == stalled_at:
            break
        stalled_at = sent
    grown_kib = _rss_kib(server.process.pid) - before_kib
    print(f"stalled phone: {sent} resends ({sent * len(resend) / 1e6:.1f} MB) sent, server RSS +{grown_kib} KiB")
    assert sent == stalled_at, "the server kept reading from a phone that does not read"
    assert grown_kib < 40 * 1024
    other = new_session(server)  # the server still serves everyone else
    phone2, _ = await open_capture(server, other)
    assert await send_batch(phone2, 0, samples(10)) == {"type": "ack", "seq": 0}
    assert httpx.get(server.base_url + "/health", timeout=5).status_code == 200
    sender.cancel()
    phone.transport.abort()
    await phone2.close()
