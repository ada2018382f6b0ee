"""Analysis reaches people over real sockets: the live `analysis` message to viewers and to the phone, the
offline `GET …/analysis`, and the demo patient of `POST /api/v1/demo`."""

from __future__ import annotations

import asyncio

import httpx

from openscg.recordings import Recording
from openscg.simulate import run_virtual_phone
from openscg.synthetic import synthesize_scg
from tests.wire import auth, open_watch, recv_json

LIVE_KEYS = {"type", "tMs", "heartRateBpm", "quality", "qualityReason", "beats", "respiratoryRateBpm"}


async def test_live_and_offline_heart_rate_of_a_synthetic_patient(start_server):
    server = start_server(OPENSCG_ANALYSIS_INTERVAL_S="0.25")
    t_ms, accel_ms2, beat_t_ms = synthesize_scg(60.0, 72.0, fs_hz=100.0, seed=3)
    created: dict = {}
    phone = asyncio.create_task(
        run_virtual_phone(
            server.base_url, Recording(t_ms, accel_ms2, "synthetic 72 bpm"), speed=4.0, on_created=created.update
        )
    )
    while "sessionId" not in created:
        await asyncio.sleep(0.05)
    viewer, _ready = await open_watch(server, created)
    rates, beats = [], 0
    while not phone.done() or rates == []:
        message = await recv_json(viewer, timeout_s=30)
        if message["type"] == "analysis":
            assert set(message) == LIVE_KEYS
            assert 0.0 <= message["quality"] <= 1.0
            beats += len(message["beats"])
            if message["heartRateBpm"] is not None:
                rates.append(message["heartRateBpm"])
        if message["type"] == "status" and message["status"] == "ended":
            break
    await phone
    assert rates, "no live heart rate was published for a clean 72 bpm signal"
    assert abs(sorted(rates)[len(rates) // 2] - 72.0) < 2.0, rates
    assert beats > 30
    url = f"{server.base_url}/api/v1/sessions/{created['sessionId']}/analysis"
    result = httpx.get(url, headers=auth(created["viewerToken"]), timeout=60).json()
    assert result["sessionId"] == created["sessionId"]
    assert abs(result["heartRateBpm"] - 72.0) < 2.0
    assert result["coverage"] > 0.8
    assert abs(len(result["beats"]) - len(beat_t_ms)) <= 3


async def test_demo_patient_streams_a_real_recording(start_server):
    server = start_server(OPENSCG_ANALYSIS_INTERVAL_S="0.5")
    response = httpx.post(server.base_url + "/api/v1/demo")
    assert response.status_code == 201, response.text
    demo = response.json()
    viewer, ready = await open_watch(server, demo)
    assert ready["session"]["label"] == "demo patient"
    seen = set()
    async with asyncio.timeout(20):
        while not {"samples", "analysis"} <= seen:
            seen.add((await recv_json(viewer))["type"])
    await viewer.close()
    assert httpx.get(f"{server.base_url}/api/v1/sessions/{demo['sessionId']}", headers=auth("wrong")).status_code == 401


async def test_demo_patients_are_capped(start_server):
    server = start_server(OPENSCG_MAX_DEMO_PATIENTS="1")
    assert httpx.post(server.base_url + "/api/v1/demo").status_code == 201
    refused = httpx.post(server.base_url + "/api/v1/demo")
    assert refused.status_code == 503
    assert "demo patients" in refused.json()["detail"]
