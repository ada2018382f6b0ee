"""The virtual phone against a real server: value-for-value delivery of real recordings, a `kill -9` in the
middle of a stream, loops, joining a session, refusals, and the `openscg simulate` command itself."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

from openscg.recordings import Recording, bundled_recordings, load_bundled
from openscg.simulate import PhoneError, PhoneReport, loop_period_ms, plan_batches, run_virtual_phone
from openscg.synthetic import synthesize_scg
from tests.server_process import free_port
from tests.wire import auth, create_session

T0_MS = 1_764_000_000_000.0
LINK = re.compile(r"http://127\.0\.0\.1:3999/view/([0-9a-f-]{36})#([A-Za-z0-9_-]+)")


def synthetic(duration_s: float) -> Recording:
    t_ms, accel_ms2, _ = synthesize_scg(duration_s, 72.0)
    return Recording(t_ms, accel_ms2, "synthetic")


def stored(server: Any, session_id: str, token: str) -> np.ndarray:
    url = f"{server.base_url}/api/v1/sessions/{session_id}/data"
    response = httpx.get(url, headers=auth(token), timeout=30)
    assert response.status_code == 200, response.text
    return np.array(response.json()["samples"], dtype=np.float64)


def meta(server: Any, session_id: str, token: str) -> dict[str, Any]:
    response = httpx.get(f"{server.base_url}/api/v1/sessions/{session_id}", headers=auth(token), timeout=10)
    assert response.status_code == 200, response.text
    return response.json()


def progress() -> tuple[list[PhoneReport], dict[str, Any]]:
    """The phone's live report, sampled every 50 ms: (list whose last item is the report, phone kwargs)."""
    seen: list[PhoneReport] = []
    return seen, {"on_progress": seen.append, "progress_interval_s": 0.05}


async def until(seen: list[PhoneReport], condition: Callable[[PhoneReport], bool], timeout_s: float = 30.0) -> None:
    """Wait for the phone's progress rather than for wall time, so a busy machine cannot make a test flaky."""
    async with asyncio.timeout(timeout_s):
        while not seen or not condition(seen[-1]):
            await asyncio.sleep(0.05)


def assert_is_rebased(rows: np.ndarray, recording: Recording) -> None:
    """Stored rows equal the recording exactly, shifted by one whole-ms offset onto today's clock."""
    offset_ms = round(rows[0, 0] - recording.t_ms[0])
    assert abs(rows[0, 0] - time.time() * 1000.0) < 120_000, "t_ms not re-based onto the wall clock"
    assert rows.shape == (len(recording.t_ms), 4)
    np.testing.assert_array_equal(rows[:, 0], recording.t_ms + offset_ms)
    np.testing.assert_array_equal(rows[:, 1:], recording.accel_ms2)


# --- planning, no server ---


def test_plan_sends_ten_sample_batches_at_the_end_of_each_100_ms_window():
    recording = load_bundled("heartscan_measurement_3.json")
    plan = list(plan_batches(recording, T0_MS))
    assert [len(rows) for _, rows in plan] == [10] * 200
    assert [due for due, _ in plan] == [100.0 * (k + 1) for k in range(200)]
    rows = np.vstack([rows for _, rows in plan])
    np.testing.assert_array_equal(rows[:, 0], recording.t_ms + T0_MS)
    np.testing.assert_array_equal(rows[:, 1:], recording.accel_ms2)


def test_plan_of_an_irregular_recording_keeps_every_sample_in_its_window():
    recording = load_bundled("mscardio_subject_0017_android.csv.gz")  # ~446 Hz with jitter
    plan = list(plan_batches(recording, 0.0))
    rows = np.vstack([rows for _, rows in plan])
    np.testing.assert_array_equal(rows[:, 0], recording.t_ms)
    for due, batch in plan:
        rel = batch[:, 0] - recording.t_ms[0]
        assert due - 100.0 <= rel.min() and rel.max() < due
    assert 40 <= np.median([len(batch) for _, batch in plan]) <= 50


def test_loop_continues_time_seamlessly_and_stops_at_the_duration():
    recording = load_bundled("heartscan_measurement_4.json")  # 20 s, t from 0, 10 ms steps
    assert loop_period_ms(recording) == 20_000.0
    plan = list(plan_batches(recording, T0_MS, loop=True, duration_s=50.0))
    rows = np.vstack([rows for _, rows in plan])
    assert len(rows) == 5000
    assert np.all(np.diff(rows[:, 0]) == 10.0)
    np.testing.assert_array_equal(rows[2000:4000, 1:], recording.accel_ms2)
    assert [due for due, _ in plan] == [100.0 * (k + 1) for k in range(500)]


def test_no_batch_exceeds_the_protocol_limit_of_1000_samples():
    t_ms, accel_ms2, _ = synthesize_scg(0.5, 72.0, fs_hz=20_000.0)
    plan = list(plan_batches(Recording(t_ms, accel_ms2, "dense"), 0.0))
    assert max(len(rows) for _, rows in plan) == 1000
    assert sum(len(rows) for _, rows in plan) == len(t_ms)


# --- against the real server ---


@pytest.mark.parametrize(
    ("name", "speed"),
    [("heartscan_measurement_3.json", 20.0), ("mscardio_subject_0017_android.csv.gz", 20.0)],
)
async def test_bundled_recording_is_stored_value_for_value(live_server, name, speed):
    recording = load_bundled(name)
    created: dict[str, Any] = {}
    report = await run_virtual_phone(live_server.base_url, recording, speed=speed, on_created=created.update)
    assert report.ended and report.reconnects == 0
    assert report.samples_sent == report.samples_acked == len(recording.t_ms)
    assert_is_rebased(stored(live_server, report.session_id, created["viewerToken"]), recording)
    info = meta(live_server, report.session_id, created["patientToken"])
    assert info["status"] == "ended" and info["batchCount"] == report.batches_acked
    assert info["device"]["userAgent"] == "openscg-simulate"


async def test_kill_9_mid_stream_resumes_from_next_seq_without_loss_or_doubles(start_server):
    server = start_server(OPENSCG_SESSIONS_PER_MINUTE="1000")
    recording = synthetic(60.0)
    created: dict[str, Any] = {}
    seen, watch = progress()
    phone = asyncio.create_task(
        run_virtual_phone(server.base_url, recording, speed=12.0, on_created=created.update, **watch)
    )
    await until(seen, lambda report: report.batches_acked >= 100)
    await asyncio.to_thread(server.kill)
    acked_before_crash = seen[-1].batches_acked
    await asyncio.sleep(0.5)  # the phone keeps recording into its buffer meanwhile
    await asyncio.to_thread(server.start)
    report = await asyncio.wait_for(phone, 60)
    assert report.reconnects >= 1 and report.ended
    assert report.resumed_from[0] == 0 and report.resumed_from[1] >= acked_before_crash
    assert report.samples_acked == report.samples_sent == len(recording.t_ms)
    assert_is_rebased(stored(server, report.session_id, created["viewerToken"]), recording)
    assert meta(server, report.session_id, created["viewerToken"])["batchCount"] == 600


async def test_loop_repeats_the_recording_with_continuing_time_until_stopped(live_server):
    recording = load_bundled("heartscan_measurement_3.json")
    stop = asyncio.Event()
    created: dict[str, Any] = {}
    seen, watch = progress()
    phone = asyncio.create_task(
        run_virtual_phone(
            live_server.base_url, recording, speed=40.0, loop=True, stop=stop, on_created=created.update, **watch
        )
    )
    await until(seen, lambda report: report.samples_sent > 4500)  # into the third pass
    stop.set()
    report = await asyncio.wait_for(phone, 30)
    rows = stored(live_server, report.session_id, created["viewerToken"])
    assert report.ended and len(rows) == report.samples_acked > 4000
    assert np.all(np.diff(rows[:, 0]) == 10.0)
    np.testing.assert_array_equal(rows[2000:4000, 1:], recording.accel_ms2)


async def test_joining_a_session_continues_its_numbering_and_can_leave_it_open(live_server):
    session = create_session(live_server)
    join = {"session_id": session["sessionId"], "patient_token": session["patientToken"]}
    first = await run_virtual_phone(live_server.base_url, synthetic(1.0), end=False, **join)
    assert first.resumed_from == [0] and not first.ended
    assert meta(live_server, session["sessionId"], session["viewerToken"])["status"] == "live"
    second = await run_virtual_phone(live_server.base_url, synthetic(1.0), **join)
    assert second.resumed_from == [first.batches_acked] and second.ended
    rows = stored(live_server, session["sessionId"], session["viewerToken"])
    assert len(rows) == 200 and np.all(np.diff(rows[:, 0]) > 0)


async def test_a_viewer_token_cannot_publish(live_server):
    session = create_session(live_server)
    with pytest.raises(PhoneError, match="token"):
        await asyncio.wait_for(
            run_virtual_phone(
                live_server.base_url,
                synthetic(1.0),
                session_id=session["sessionId"],
                patient_token=session["viewerToken"],
            ),
            15,
        )


async def test_the_phone_stops_quietly_when_the_session_is_ended_elsewhere(live_server):
    created: dict[str, Any] = {}
    seen, watch = progress()
    phone = asyncio.create_task(
        run_virtual_phone(live_server.base_url, synthetic(30.0), on_created=created.update, **watch)
    )
    await until(seen, lambda report: report.samples_acked > 0)
    url = f"{live_server.base_url}/api/v1/sessions/{created['sessionId']}/end"
    assert httpx.post(url, headers=auth(created["patientToken"]), timeout=10).status_code == 200
    report = await asyncio.wait_for(phone, 15)
    assert report.ended and 0 < report.samples_acked < 3000


async def test_a_newer_phone_takes_over_and_the_older_one_stops(live_server):
    session = create_session(live_server)
    join = {"session_id": session["sessionId"], "patient_token": session["patientToken"]}
    seen, watch = progress()
    older = asyncio.create_task(run_virtual_phone(live_server.base_url, synthetic(30.0), **join, **watch))
    await until(seen, lambda report: report.batches_acked > 0)
    stop = asyncio.Event()
    stop.set()  # the newer phone connects, sends nothing and leaves the session open
    newer = await run_virtual_phone(live_server.base_url, synthetic(1.0), end=False, stop=stop, **join)
    with pytest.raises(PhoneError, match="took over"):
        await asyncio.wait_for(older, 15)
    assert newer.resumed_from[0] > 0 and not newer.ended


async def test_no_server_means_a_bounded_wait_then_an_error():
    dead = f"http://127.0.0.1:{free_port()}"
    started = time.monotonic()
    with pytest.raises(PhoneError, match="no progress"):
        await run_virtual_phone(dead, synthetic(1.0), session_id="s", patient_token="t", max_offline_s=1.0)
    assert time.monotonic() - started < 5.0


def test_cli_prints_the_viewer_link_then_streams_and_ends(live_server):
    env = {**os.environ, "OPENSCG_PUBLIC_CLIENT_URL": "http://127.0.0.1:3999"}
    command = [sys.executable, "-m", "openscg", "simulate", "--server", live_server.base_url]
    done = subprocess.run(
        [*command, "--synthetic", "--heart-rate-bpm", "60", "--duration-s", "3", "--speed", "20"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    link = LINK.search(done.stdout)
    assert link, done.stdout
    assert done.stdout.index("viewer link") < done.stdout.index("done:")
    info = meta(live_server, link.group(1), link.group(2))
    assert info["status"] == "ended" and info["sampleCount"] == 300


def test_cli_refuses_an_unknown_bundled_name(live_server):
    command = [sys.executable, "-m", "openscg", "simulate", "--server", live_server.base_url]
    done = subprocess.run([*command, "--bundled", "nope.json"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2 and bundled_recordings()[0] in done.stderr
