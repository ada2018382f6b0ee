"""No number when the signal does not support one, and never an exception on finite input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from openscg.analysis import LiveAnalyzer, analyze_recording

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

KEYS = {
    "durationS",
    "samplingRateHz",
    "heartRateBpm",
    "coverage",
    "beats",
    "ibiMs",
    "heartRateSeries",
    "qualitySeries",
    "hrv",
    "respiratoryRateBpm",
    "averageBeat",
}


def strict_json(value) -> str:
    return json.dumps(value, allow_nan=False)


def resting_phone(duration_s: float, fs_hz: float, noise_ms2: float, seed: int):
    rng = np.random.default_rng(seed)
    t_ms = np.arange(0.0, duration_s * 1000.0, 1000.0 / fs_hz) + 1.7e12
    accel = np.tile([0.1, 0.2, 9.8], (t_ms.size, 1)) + noise_ms2 * rng.standard_normal((t_ms.size, 3))
    return t_ms, accel


@settings(max_examples=15, deadline=None, derandomize=True)
@given(fs_hz=st.sampled_from([50.0, 60.0, 100.0, 400.0]), noise_ms2=st.floats(0.0, 0.2), seed=st.integers(0, 999))
def test_noise_or_a_phone_on_a_table_gives_no_heart_rate(fs_hz, noise_ms2, seed):
    t_ms, accel = resting_phone(40.0, fs_hz, noise_ms2, seed)
    result = analyze_recording(t_ms, accel)
    assert result["heartRateBpm"] is None
    assert result["coverage"] <= 0.05
    assert all(reason != "ok" for _, _, reason in result["qualitySeries"]) or result["coverage"] <= 0.05
    assert result["hrv"] is None
    strict_json(result)


@pytest.mark.parametrize("n", [0, 1, 2, 10, 99])
def test_tiny_inputs_are_too_short(n):
    t_ms = np.arange(n) * 10.0
    accel = np.tile([0.0, 0.0, 9.81], (n, 1))
    result = analyze_recording(t_ms, accel)
    assert set(result) == KEYS
    assert result["heartRateBpm"] is None and result["coverage"] == 0.0 and result["beats"] == []
    assert all(reason == "too_short" for _, _, reason in result["qualitySeries"])
    strict_json(result)


def test_bad_rows_are_dropped_not_fatal():
    t_ms, accel = resting_phone(15.0, 100.0, 0.01, 1)
    accel[5] = np.nan
    t_ms[50] = t_ms[49]  # duplicate timestamp
    t_ms[60] = t_ms[40]  # going backwards
    strict_json(analyze_recording(t_ms, accel))
    strict_json(analyze_recording(t_ms[:, None], accel.tolist()))  # any array-like


def test_constant_and_huge_values_do_not_raise():
    t_ms = np.arange(3000) * 10.0
    strict_json(analyze_recording(t_ms, np.zeros((3000, 3))))
    strict_json(analyze_recording(t_ms, np.full((3000, 3), 1000.0)))
    spikes = np.zeros((3000, 3))
    spikes[::97] = 900.0
    strict_json(analyze_recording(t_ms, spikes))


def test_live_analyzer_on_tiny_and_empty_batches():
    live = LiveAnalyzer()
    assert live.step() is None
    live.push(np.zeros(0), np.zeros((0, 3)))
    assert live.step() is None
    live.push(np.array([5.0]), np.array([[0.0, 0.0, 9.81]]))
    message = live.step()
    assert message is not None and message["qualityReason"] == "too_short" and message["heartRateBpm"] is None
    assert live.step() is None  # nothing new
    strict_json(message)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(
    n=st.integers(0, 3000),
    step_ms=st.floats(0.5, 200.0),
    jitter=st.floats(0.0, 3.0),
    scale=st.sampled_from([0.0, 1e-6, 0.05, 9.81, 500.0]),
    shuffle=st.booleans(),
    seed=st.integers(0, 10_000),
)
def test_any_finite_input_gives_a_json_answer(n, step_ms, jitter, scale, shuffle, seed):
    rng = np.random.default_rng(seed)
    t_ms = np.cumsum(step_ms * np.abs(1.0 + jitter * rng.standard_normal(n)))
    if shuffle:
        rng.shuffle(t_ms)
    accel = scale * rng.standard_normal((n, 3))
    result = analyze_recording(t_ms, accel)
    assert set(result) == KEYS
    strict_json(result)
    live = LiveAnalyzer()
    for start in range(0, n, 97):
        live.push(np.sort(t_ms[start : start + 97]), accel[start : start + 97])
        message = live.step()
        if message is not None:
            strict_json(message)
