"""Synthetic SCG with known beats, for property tests.

Each beat is a systolic complex (aortic opening: a 17 Hz Gabor wavelet whose peak is the true beat time) and a
diastolic complex (13 Hz, `diastolic` times as large) one systole later; systole shortens with the period
(≈0.3·√T s). The vibration is along `heart_axis` on top of gravity along `gravity_axis`; breathing tilts
gravity; the phone samples at `fs_hz` with optional jitter, white noise and a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GRAVITY_MS2 = 9.81
BEAT_AMPLITUDE_MS2 = 0.15


@dataclass(frozen=True)
class SyntheticScg:
    t_ms: np.ndarray
    accel_ms2: np.ndarray
    beats_ms: np.ndarray  #: true beat (aortic-opening peak) times

    @property
    def heart_rate_bpm(self) -> float:
        return 60000.0 / float(np.mean(np.diff(self.beats_ms)))


def gabor(t_s: np.ndarray, sigma_s: float, freq_hz: float) -> np.ndarray:
    return np.exp(-0.5 * (t_s / sigma_s) ** 2) * np.cos(2 * np.pi * freq_hz * t_s)


def synth_scg(
    duration_s: float = 40.0,
    heart_rate_bpm: float = 60.0,
    fs_hz: float = 100.0,
    *,
    irregularity: float = 0.0,
    noise: float = 0.0,
    diastolic: float = 0.6,
    jitter: float = 0.0,
    gap_s: tuple[float, float] | None = None,
    gravity_axis=(0.0, 0.0, 1.0),
    heart_axis=None,
    breathing_bpm: float | None = None,
    amplitude_ms2: float = BEAT_AMPLITUDE_MS2,
    seed: int = 0,
) -> SyntheticScg:
    """`irregularity`: IBIs uniform within ±that fraction of the period; `noise`: white-noise std (at 100 Hz;
    scaled with √fs so the noise density is fixed) as a fraction of the beat amplitude, on all axes; `jitter`:
    std of sampling intervals as a fraction of them."""
    rng = np.random.default_rng(seed)
    period_s = 60.0 / heart_rate_bpm
    n_beats = int(duration_s / period_s) + 2
    ibis_s = period_s * (1.0 + irregularity * rng.uniform(-1.0, 1.0, n_beats))
    beats_s = 0.3 + np.cumsum(ibis_s)
    beats_s = beats_s[beats_s < duration_s - 0.1]
    step_s = 1.0 / fs_hz
    t_s = np.cumsum(step_s * np.clip(1.0 + jitter * rng.standard_normal(int(duration_s * fs_hz)), 0.3, None))
    t_s = t_s[t_s < duration_s]
    if gap_s is not None:
        t_s = t_s[(t_s < gap_s[0]) | (t_s >= gap_s[1])]
    systole_s = 0.3 * np.sqrt(period_s)
    scg = np.zeros(t_s.size)
    for beat in beats_s:
        near = np.abs(t_s - beat) < 0.6
        scg[near] += gabor(t_s[near] - beat, 0.02, 17.0) + diastolic * gabor(t_s[near] - beat - systole_s, 0.025, 13.0)
    gravity = np.asarray(gravity_axis, dtype=float) / np.linalg.norm(gravity_axis)
    heart = gravity if heart_axis is None else np.asarray(heart_axis, dtype=float) / np.linalg.norm(heart_axis)
    accel = GRAVITY_MS2 * gravity[None, :] + amplitude_ms2 * scg[:, None] * heart[None, :]
    if breathing_bpm:
        tilt = np.cross(gravity, [1.0, 0.0, 0.0] if abs(gravity[0]) < 0.9 else [0.0, 1.0, 0.0])
        accel += 0.3 * np.sin(2 * np.pi * breathing_bpm / 60.0 * t_s)[:, None] * tilt[None, :]
    # sensor noise has a fixed density: the same in-band level at every sampling rate (`noise` is its std at 100 Hz)
    accel += noise * amplitude_ms2 * np.sqrt(fs_hz / 100.0) * rng.standard_normal(accel.shape)
    return SyntheticScg(1000.0 * t_s, accel, 1000.0 * beats_s)


def beat_f1(found_ms, true_ms, tolerance_ms: float = 40.0) -> float:
    """F1 of found vs true beats after removing the median offset (the fiducial may sit on a neighbouring
    wave of the complex), one-to-one within ±tolerance."""
    found_ms, true_ms = np.asarray(found_ms, dtype=float), np.asarray(true_ms, dtype=float)
    if found_ms.size == 0 or true_ms.size == 0:
        return 0.0
    nearest = found_ms[np.clip(np.searchsorted(found_ms, true_ms), 0, found_ms.size - 1)]
    offset = float(np.median(nearest - true_ms)) if abs(np.median(nearest - true_ms)) < 150 else 0.0
    shifted = found_ms - offset
    used: set[int] = set()
    hits = 0
    for t in true_ms:
        j = int(np.argmin(np.abs(shifted - t)))
        if abs(shifted[j] - t) <= tolerance_ms and j not in used:
            used.add(j)
            hits += 1
    return 2.0 * hits / (found_ms.size + true_ms.size)
