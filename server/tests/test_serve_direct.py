"""`openscg serve` really writes acks and live viewer frames straight to the transport (live/direct_send.py).

The direct path engages only on uvicorn's websockets-sansio implementation, which serve.py pins. Under any
other implementation DirectWriter.write returns False and the normal send takes over: nothing breaks, the
server only gets slower. So this starts the real CLI, streams a few batches to a viewer, and asks /metrics:
`openscg_direct_frames_total` must have grown by at least one frame per ack (the viewer's frames add more
when it is idle and live, which is the common case but not guaranteed, so they are not counted on)."""

from __future__ import annotations

from tests.test_metrics import _value
from tests.wire import api, new_session, open_capture, open_watch, recv_type, samples, send_batch

BATCHES = 6


async def test_serve_writes_acks_and_viewer_frames_to_the_transport(start_server):
    server = start_server()
    session = new_session(server)
    viewer, _ = await open_watch(server, session)
    phone, _ = await open_capture(server, session)
    before = api(server, "GET", "/metrics").text
    for seq in range(BATCHES):
        assert await send_batch(phone, seq, samples(10, start=seq * 10)) == {"type": "ack", "seq": seq}
    assert [(await recv_type(viewer, "samples"))["seq"] for _ in range(BATCHES)] == list(range(BATCHES))
    after = api(server, "GET", "/metrics").text
    acks = _value(after, "openscg_acks_total") - _value(before, "openscg_acks_total")
    direct = _value(after, "openscg_direct_frames_total") - _value(before, "openscg_direct_frames_total")
    assert acks == BATCHES
    assert direct >= acks, (
        f"{direct:g} frames written directly for {acks:g} acks and {BATCHES} viewer frames: `openscg serve` no "
        "longer runs on uvicorn's websockets-sansio, or DirectWriter no longer engages on it"
    )
    await phone.close()
    await viewer.close()
