"""PROTOCOL.md: "A viewer too slow to keep up is closed with 1013; it reconnects with `since` = last seq + 1 and
loses nothing" — and it does not slow the other viewers."""

from __future__ import annotations

import asyncio
import json
import re
import socket

from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.protocol import State
from websockets.uri import parse_uri

from tests.wire import (
    T0_MS,
    api,
    messages_until_close,
    new_session,
    open_capture,
    open_watch,
    samples,
    send_batch,
    send_json,
    session_path,
    stored_samples,
)

MAX_BATCHES = 400  # ~20 MB: far beyond what the tiny socket buffer and the 16-batch queue can hold


def _batch(seq: int) -> list[list[float]]:
    """1000 samples (~50 KB of JSON), so a viewer that does not read backs up quickly."""
    return [[T0_MS + (seq * 1000 + i) * 10.0, 0.123456789 * (i % 7), -0.02, 9.81] for i in range(1000)]


def _queue_drops(server) -> float:
    found = re.search(r"^openscg_queue_drops_total (\S+)$", api(server, "GET", "/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


async def _stalled_viewer(server, session):
    """A viewer that reads nothing: a 4 KiB receive buffer and a one-message client queue, never drained."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect(("127.0.0.1", server.port))
    ws = await connect(server.ws_url(session["watchUrl"]), sock=sock, max_queue=1, max_size=None)
    await send_json(ws, {"type": "hello", "token": session["viewerToken"], "since": 0})
    return ws


async def test_slow_viewer_is_closed_1013_and_recovers_everything_with_since(start_server):
    server = start_server(OPENSCG_VIEWER_QUEUE_BATCHES="16")
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    fast, _ = await open_watch(server, session, since=0)
    slow = await _stalled_viewer(server, session)
    fast_seqs: list[int] = []
    seq = 0
    while seq < MAX_BATCHES and (seq < 8 or _queue_drops(server) == 0):
        assert await send_batch(phone, seq, _batch(seq)) == {"type": "ack", "seq": seq}
        while len(fast_seqs) <= seq:  # the fast viewer keeps up, batch by batch, while the slow one stalls
            message = json.loads(await fast.recv())
            if message["type"] == "samples":
                fast_seqs.append(message["seq"])
        seq += 1
    assert fast_seqs == list(range(seq))
    # now the stalled viewer reads what reached it: a gap-free prefix, then 1013
    messages, code = await messages_until_close(slow, timeout_s=20)
    assert code == 1013, f"not closed for slowness after {seq} batches of 50 KB (close {code})"
    got = [m["seq"] for m in messages if m["type"] == "samples"]
    assert got == list(range(len(got))) and len(got) < seq
    # it reconnects with since = last seq + 1 while the phone goes on, and loses nothing
    for more in range(seq, seq + 5):
        assert await send_batch(phone, more, _batch(more)) == {"type": "ack", "seq": more}
    again, _ = await open_watch(server, session, since=len(got))
    reading = asyncio.create_task(messages_until_close(again, timeout_s=20))  # this time it reads as it goes
    for more in range(seq + 5, seq + 10):
        assert await send_batch(phone, more, _batch(more)) == {"type": "ack", "seq": more}
    api(server, "POST", session_path(session, "/end"), session["patientToken"])
    rest, code = await reading
    assert code == 1000
    resumed = [m for m in rest if m["type"] == "samples"]
    assert got + [m["seq"] for m in resumed] == list(range(seq + 10))
    assert all(m["samples"] == _batch(m["seq"]) for m in resumed)
    assert len(stored_samples(server, session)) == (seq + 10) * 1000
    await fast.close()


def _closes(server, code: int) -> float:
    found = re.search(rf'^openscg_ws_closes_total{{code="{code}"}} (\S+)$', api(server, "GET", "/metrics").text, re.M)
    return float(found.group(1)) if found else 0.0


def _frozen_viewer(server, session) -> socket.socket:
    """A viewer that says hello and then never reads again: not even the client library buffers anything,
    so whatever the server took on for it and did not deliver is held by the server (or by this socket's
    own small receive buffer)."""
    protocol = ClientProtocol(parse_uri(server.ws_url(session["watchUrl"])))
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    protocol.send_request(protocol.connect())
    sock.sendall(b"".join(protocol.data_to_send()))
    while protocol.handshake_exc is None and not protocol.events_received() and protocol.state is State.CONNECTING:
        protocol.receive_data(sock.recv(1))  # byte by byte: take the handshake answer and nothing after it
    assert protocol.state is State.OPEN, protocol.handshake_exc
    protocol.send_text(json.dumps({"type": "hello", "token": session["viewerToken"], "since": 0}).encode())
    sock.sendall(b"".join(protocol.data_to_send()))
    return sock


async def test_a_stalled_viewer_is_let_go_before_it_holds_more_than_its_queue(start_server):
    """The default limit (VIEWER_QUEUE_BATCHES = 64) counts the frames a live viewer holds at the server —
    its queue and what its socket buffers have not delivered — not only its queue."""
    server = start_server()
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    frozen = _frozen_viewer(server, session)
    watcher, _ = await open_watch(server, session, since=0)  # reads along: its frames give the wire size
    rcvbuf_bytes = frozen.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
    sent, frame_bytes = 0, 1
    while _closes(server, 1013) == 0 and sent < 1000:
        assert await send_batch(phone, sent, samples(5, start=sent * 5)) == {"type": "ack", "seq": sent}
        raw = await watcher.recv()
        while json.loads(raw)["type"] != "samples":
            raw = await watcher.recv()
        frame_bytes = max(frame_bytes, len(raw.encode()) + 4)  # payload and a 4-byte frame header
        sent += 1
    frozen.close()
    assert _closes(server, 1013) == 1, f"the frozen viewer was never let go after {sent} batches"
    # its own receive buffer takes up to about twice its nominal size in payload (Linux); before the limit counted
    # the socket buffers, the server held 64 queued frames plus ~200 in its buffers (bench/README-load.md)
    client_frames = 2 * rcvbuf_bytes // frame_bytes
    assert sent <= 64 + client_frames + 2, f"let go only after {sent} frames (its own buffer: ≤ {client_frames})"
