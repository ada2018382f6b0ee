"""Property tests on synthetic SCG with known beats: beats found, rate right, no doubling, any axis, gaps."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openscg.analysis import analyze_recording
from tests.analysis.beat_match import beat_f1, synth

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def rate_close(estimate_bpm: float | None, truth_bpm: float) -> bool:
    return estimate_bpm is not None and abs(estimate_bpm - truth_bpm) <= max(2.0, 0.03 * truth_bpm)


@SETTINGS
@given(
    heart_rate_bpm=st.floats(40.0, 150.0),
    fs_hz=st.sampled_from([50.0, 60.0, 75.0, 100.0, 200.0, 400.0]),
    irregularity=st.floats(0.0, 0.1),
    noise=st.floats(0.0, 0.15),
    jitter=st.floats(0.0, 0.2),
    seed=st.integers(0, 10_000),
)
def test_beats_and_rate_found(heart_rate_bpm, fs_hz, irregularity, noise, jitter, seed):
    scg = synth(40.0, heart_rate_bpm, fs_hz, irregularity=irregularity, noise=noise, jitter=jitter, seed=seed)
    result = analyze_recording(scg.t_ms, scg.accel_ms2)
    assert result["coverage"] >= 0.8
    assert beat_f1(result["beats"], scg.beat_t_ms) >= 0.95
    assert rate_close(result["heartRateBpm"], scg.heart_rate_bpm)


@SETTINGS
@given(heart_rate_bpm=st.floats(150.0, 180.0), fs_hz=st.sampled_from([100.0, 200.0, 400.0]), seed=st.integers(0, 99))
def test_fast_rates_are_not_halved(heart_rate_bpm, fs_hz, seed):
    scg = synth(30.0, heart_rate_bpm, fs_hz, noise=0.05, seed=seed)
    result = analyze_recording(scg.t_ms, scg.accel_ms2)
    assert rate_close(result["heartRateBpm"], scg.heart_rate_bpm)


def test_strong_diastolic_complex_does_not_double_the_rate():
    for heart_rate_bpm in (45.0, 60.0, 80.0):
        scg = synth(40.0, heart_rate_bpm, 100.0, diastolic=0.95, irregularity=0.05, noise=0.05, seed=3)
        result = analyze_recording(scg.t_ms, scg.accel_ms2)
        assert rate_close(result["heartRateBpm"], scg.heart_rate_bpm), heart_rate_bpm
        assert beat_f1(result["beats"], scg.beat_t_ms) >= 0.95


def test_heartbeat_on_any_axis_is_found():
    """Phone upright (gravity on y) with the heartbeat on x, and a tilted phone: not assuming `az`."""
    for gravity, heart in (((0, 1, 0), (1, 0, 0)), ((0.3, 0.2, 0.93), (0.5, -0.6, 0.6))):
        scg = synth(40.0, 72.0, 100.0, gravity_axis=gravity, heart_axis=heart, noise=0.1, seed=5)
        result = analyze_recording(scg.t_ms, scg.accel_ms2)
        assert rate_close(result["heartRateBpm"], scg.heart_rate_bpm)
        assert beat_f1(result["beats"], scg.beat_t_ms) >= 0.95


def test_beats_sub_sample_accurate():
    """At 60 Hz (17 ms samples) the intervals still come out within a few ms of the truth."""
    scg = synth(60.0, 65.0, 60.0, irregularity=0.08, noise=0.05, seed=11)
    beats = np.asarray(analyze_recording(scg.t_ms, scg.accel_ms2)["beats"])
    nearest = beats[np.argmin(np.abs(beats[None, :] - scg.beat_t_ms[:, None]), axis=1)]
    error_ms = nearest - scg.beat_t_ms
    error_ms -= np.median(error_ms)
    inside = (scg.beat_t_ms > 1000) & (scg.beat_t_ms < scg.t_ms[-1] - 1000)
    assert np.median(np.abs(error_ms[inside])) <= 3.0


def test_gap_in_samples_is_survived():
    scg = synth(60.0, 70.0, 100.0, gap_s=(25.0, 28.0), noise=0.05, seed=2)
    result = analyze_recording(scg.t_ms, scg.accel_ms2)
    assert rate_close(result["heartRateBpm"], scg.heart_rate_bpm)
    outside = (scg.beat_t_ms < 24500) | (scg.beat_t_ms > 28500)
    assert beat_f1(result["beats"], scg.beat_t_ms[outside]) >= 0.95
    known = [v for v in result["ibiMs"] if v is not None]
    assert max(known) < 1.3 * 60000.0 / 70.0  # the interval across the gap is not reported as one


def test_hrv_and_average_beat_from_a_long_recording():
    scg = synth(90.0, 60.0, 100.0, irregularity=0.1, noise=0.05, seed=8)
    result = analyze_recording(scg.t_ms, scg.accel_ms2)
    true_ibi = np.diff(scg.beat_t_ms)
    hrv = result["hrv"]
    assert hrv is not None
    assert abs(hrv["meanNnMs"] - true_ibi.mean()) < 10
    assert abs(hrv["sdnnMs"] - true_ibi.std(ddof=1)) < 0.15 * true_ibi.std(ddof=1)
    true_rmssd = np.sqrt(np.mean(np.diff(true_ibi) ** 2))
    assert abs(hrv["rmssdMs"] - true_rmssd) < 0.15 * true_rmssd
    assert 0.0 <= hrv["pnn50"] <= 1.0
    average = result["averageBeat"]
    assert len(average["tMs"]) == len(average["mean"]) == len(average["std"])
    peak_ms = average["tMs"][int(np.argmax(np.abs(average["mean"])))]
    assert abs(peak_ms) <= 60  # the average beat is aligned on its fiducial


def test_no_hrv_under_a_minute():
    scg = synth(40.0, 60.0, 100.0, seed=1)
    assert analyze_recording(scg.t_ms, scg.accel_ms2)["hrv"] is None
