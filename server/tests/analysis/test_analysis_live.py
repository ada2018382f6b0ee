"""The live analyzer: message shape, each beat once, bounded memory, agreement with the offline analysis."""

from __future__ import annotations

import numpy as np
import pytest

from openscg.analysis import LiveAnalyzer, analyze_recording
from tests.analysis.beat_match import beat_f1, synth

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

MESSAGE_KEYS = {"type", "tMs", "heartRateBpm", "quality", "qualityReason", "beats", "respiratoryRateBpm"}


def stream(t_ms, accel, batch=None, seed=0):
    """Push in irregular batches (6–100 samples), step once per second of signal; return the messages."""
    rng = np.random.default_rng(seed)
    live, messages, start, next_step = LiveAnalyzer(), [], 0, t_ms[0] + 1000.0
    while start < t_ms.size:
        size = batch or int(rng.integers(6, 101))
        live.push(t_ms[start : start + size], accel[start : start + size])
        start += size
        if t_ms[min(start, t_ms.size) - 1] >= next_step:
            next_step += 1000.0
            message = live.step()
            if message is not None:
                messages.append(message)
    return live, messages


@pytest.mark.parametrize("fs_hz", [50.0, 100.0, 400.0])
def test_live_finds_the_beats_and_rate(fs_hz):
    scg = synth(40.0, 75.0, fs_hz, irregularity=0.05, noise=0.05, jitter=0.1, seed=4)
    _, messages = stream(scg.t_ms, scg.accel_ms2)
    assert all(set(m) == MESSAGE_KEYS and m["type"] == "analysis" for m in messages)
    assert all(0.0 <= m["quality"] <= 1.0 for m in messages)
    rates = [m["heartRateBpm"] for m in messages if m["heartRateBpm"] is not None]
    assert len(rates) >= 0.8 * (len(messages) - 10)  # nothing in the first 10 s, then (nearly) always
    assert abs(np.median(rates) - scg.heart_rate_bpm) < 2.0
    beats = [b for m in messages for b in m["beats"]]
    assert beats == sorted(set(beats))  # each beat reported once, in order
    settled = scg.beat_t_ms[scg.beat_t_ms < scg.t_ms[-1] - 2000.0]
    assert beat_f1(beats, settled) >= 0.95


def test_first_messages_say_too_short_and_carry_no_rate():
    scg = synth(12.0, 70.0, 100.0, seed=1)
    _, messages = stream(scg.t_ms, scg.accel_ms2, batch=10)
    early = [m for m in messages if m["tMs"] - scg.t_ms[0] < 9000.0]
    assert early and all(m["qualityReason"] == "too_short" and m["heartRateBpm"] is None for m in early)


def test_live_and_offline_agree():
    scg = synth(60.0, 66.0, 100.0, irregularity=0.08, noise=0.08, seed=6)
    offline = analyze_recording(scg.t_ms, scg.accel_ms2)
    _, messages = stream(scg.t_ms, scg.accel_ms2, batch=10)
    live_beats = [b for m in messages for b in m["beats"]]
    offline_beats = np.asarray(offline["beats"])
    assert beat_f1(live_beats, offline_beats[offline_beats < scg.t_ms[-1] - 2000.0], tolerance_ms=15.0) >= 0.97
    live_rate = {round(m["tMs"] / 1000.0): m["heartRateBpm"] for m in messages}
    diffs = [
        abs(bpm - live_rate[round(t / 1000.0)])
        for t, bpm in offline["heartRateSeries"]
        if bpm is not None and live_rate.get(round(t / 1000.0)) is not None
    ]
    assert len(diffs) >= 0.8 * len(offline["heartRateSeries"]) and np.median(diffs) < 1.0


def test_memory_stays_bounded_and_gaps_are_survived():
    scg = synth(150.0, 60.0, 100.0, gap_s=(70.0, 73.0), noise=0.05, seed=9)
    live, messages = stream(scg.t_ms, scg.accel_ms2)
    assert live._t_ms.size <= 75 * 100 and live._accel_ms2.shape[0] == live._t_ms.size
    late = [m["heartRateBpm"] for m in messages if m["tMs"] > 90000.0]
    assert np.median([r for r in late if r is not None]) == pytest.approx(60.0, abs=2.0)


def test_motion_is_named_and_stops_the_rate():
    scg = synth(40.0, 70.0, 100.0, noise=0.05, seed=2)
    accel = scg.accel_ms2.copy()
    shaking = (scg.t_ms > 20000.0) & (scg.t_ms < 32000.0)
    rng = np.random.default_rng(0)
    accel[shaking] += 3.0 * np.sin(2 * np.pi * 3.0 * scg.t_ms[shaking, None] / 1000.0) + rng.normal(
        0, 0.8, (int(shaking.sum()), 3)
    )
    _, messages = stream(scg.t_ms, accel, batch=10)
    during = [m for m in messages if 27000.0 <= m["tMs"] <= 32000.0]
    assert during and all(m["qualityReason"] == "motion" and m["heartRateBpm"] is None for m in during)
    offline = analyze_recording(scg.t_ms, accel)
    reasons = {r for t, _, r in offline["qualitySeries"] if 27000.0 <= t <= 32000.0}
    assert reasons == {"motion"}


def test_breathing_rate_from_tilt():
    scg = synth(70.0, 70.0, 100.0, respiration_bpm=15.0, noise=0.05, seed=3)
    result = analyze_recording(scg.t_ms, scg.accel_ms2)
    assert result["respiratoryRateBpm"] == pytest.approx(15.0, abs=1.0)
    _, messages = stream(scg.t_ms, scg.accel_ms2, batch=20)
    assert messages[-1]["respiratoryRateBpm"] == pytest.approx(15.0, abs=1.5)
    # no breathing at all; a heart's natural variability (a perfectly periodic beat leaks into the slow signal's
    # block means as a periodic residue that can look like breathing: a known limit, see docs/analysis.md)
    still = synth(70.0, 70.0, 100.0, noise=0.05, tilt_deg=0.0, hrv_ms=25.0, seed=3)
    assert analyze_recording(still.t_ms, still.accel_ms2)["respiratoryRateBpm"] is None
