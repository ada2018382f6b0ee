"""The basic live path: a phone streams, a viewer sees every batch, the document holds every sample."""

from __future__ import annotations

import httpx

from tests.wire import auth, create_session, open_capture, open_watch, recv_json, samples, send_batch


async def test_phone_to_viewer_and_storage(live_server):
    session = create_session(live_server, label="smoke")
    phone, ready = await open_capture(live_server, session)
    assert ready == {"type": "ready", "nextSeq": 0}
    viewer, vready = await open_watch(live_server, session)
    assert vready["session"]["sessionId"] == session["sessionId"]
    sent = []
    for seq in range(5):
        batch = samples(10, start=seq * 10)
        sent.extend(batch)
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}
    got = []
    while len(got) < len(sent):
        message = await recv_json(viewer)
        if message["type"] == "samples":
            got.extend(message["samples"])
    assert got == sent
    data = httpx.get(
        live_server.base_url + f"/api/v1/sessions/{session['sessionId']}/data", headers=auth(session["viewerToken"])
    ).json()
    assert data["samples"] == sent
    assert data["format"] == "openscg" and data["version"] == "1.0"
    await phone.close()
    await viewer.close()
