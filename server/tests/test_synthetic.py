"""The synthetic SCG has the physiology it claims: the heart rate asked for, a dominant AO complex and a
weaker diastolic one per beat, gravity on the phone's z axis tilted by breathing, a plausible amplitude."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import butter, find_peaks, sosfiltfilt

from openscg.recordings import load_bundled
from openscg.synthetic import synthesize_scg

FS_HZ = 100.0


def band(x: np.ndarray, low_hz: float, high_hz: float) -> np.ndarray:
    return sosfiltfilt(butter(4, [low_hz, high_hz], btype="band", fs=FS_HZ, output="sos"), x)


def rate_from_signal_bpm(z_ms2: np.ndarray) -> float:
    """Heart rate from the SCG alone: the strongest autocorrelation lag of the 5-30 Hz envelope (0.3-2 s)."""
    envelope = np.convolve(np.abs(band(z_ms2, 5, 30)), np.ones(10) / 10, mode="same")
    envelope -= envelope.mean()
    corr = np.correlate(envelope, envelope, mode="full")[len(envelope) - 1 :]
    lags = np.arange(int(0.3 * FS_HZ), int(2.0 * FS_HZ))
    return 60.0 * FS_HZ / lags[np.argmax(corr[lags])]


@pytest.mark.parametrize("heart_rate_bpm", [50.0, 72.0, 110.0])
def test_the_signal_beats_at_the_requested_rate(heart_rate_bpm):
    _, accel_ms2, beat_t_ms = synthesize_scg(60.0, heart_rate_bpm, seed=3)
    assert abs(len(beat_t_ms) - heart_rate_bpm) <= 3  # 60 s → one beat per bpm
    assert abs(60_000.0 / np.median(np.diff(beat_t_ms)) - heart_rate_bpm) < 0.03 * heart_rate_bpm
    assert abs(rate_from_signal_bpm(accel_ms2[:, 2]) - heart_rate_bpm) < 0.05 * heart_rate_bpm


def test_shape_units_and_sampling():
    t_ms, accel_ms2, beat_t_ms = synthesize_scg(10.0, 72.0, fs_hz=FS_HZ)
    assert t_ms.shape == (1000,) and accel_ms2.shape == (1000, 3)
    assert np.all(np.diff(t_ms) == 10.0) and t_ms[0] == 0.0
    assert np.all((beat_t_ms >= 0) & (beat_t_ms < 10_000)) and np.all(np.diff(beat_t_ms) > 300)
    assert np.all(np.isfinite(accel_ms2))


def test_gravity_lies_on_z_and_breathing_tilts_it():
    _, accel_ms2, _ = synthesize_scg(60.0, 72.0, respiration_bpm=12.0)
    assert abs(np.linalg.norm(accel_ms2, axis=1).mean() - 9.81) < 0.02
    assert accel_ms2[:, 2].mean() > 9.7 and abs(accel_ms2[:, 0].mean()) < 0.05
    slow_y = np.convolve(accel_ms2[:, 1], np.ones(100) / 100, mode="valid")
    spectrum = np.abs(np.fft.rfft(slow_y - slow_y.mean()))
    freqs = np.fft.rfftfreq(len(slow_y), 1.0 / FS_HZ)
    assert abs(freqs[np.argmax(spectrum)] * 60.0 - 12.0) < 1.5


def test_the_ao_complex_dominates_a_weaker_diastolic_complex():
    heart_rate_bpm = 60.0
    _, accel_ms2, beat_t_ms = synthesize_scg(60.0, heart_rate_bpm, noise_ms2=0.005)
    z = np.abs(band(accel_ms2[:, 2], 5, 30))
    lvet_ms = 413.0 - 1.7 * heart_rate_bpm

    def energy_near(times_ms: np.ndarray) -> float:
        index = (times_ms / 10.0).astype(int)
        index = index[(index > 5) & (index < len(z) - 5)]
        return float(np.mean([z[i - 4 : i + 5].max() for i in index]))

    systolic, diastolic = energy_near(beat_t_ms), energy_near(beat_t_ms + lvet_ms)
    between = energy_near(beat_t_ms + lvet_ms / 2 + 300)
    assert systolic > 1.8 * diastolic and diastolic > 2.0 * between
    peaks, _ = find_peaks(z, distance=25, height=0.5 * z.max())
    assert len(peaks) >= 0.8 * len(beat_t_ms)


def test_amplitude_is_that_of_a_real_phone_recording():
    real = band(load_bundled("heartscan_measurement_3.json").accel_ms2[:, 2], 5, 30)
    _, accel_ms2, _ = synthesize_scg(20.0, 72.0)
    synthetic = band(accel_ms2[:, 2], 5, 30)
    assert 0.3 < synthetic.std() / real.std() < 3.0


def test_a_seed_reproduces_and_another_differs():
    first = synthesize_scg(5.0, 72.0, seed=7)[1]
    np.testing.assert_array_equal(first, synthesize_scg(5.0, 72.0, seed=7)[1])
    assert not np.array_equal(first, synthesize_scg(5.0, 72.0, seed=8)[1])


@pytest.mark.parametrize("args", [(0.0, 72.0), (10.0, 5.0), (10.0, 400.0)])
def test_impossible_requests_are_refused(args):
    with pytest.raises(ValueError):
        synthesize_scg(*args)
