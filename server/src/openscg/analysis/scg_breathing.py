"""Breathing rate from the slow tilt of the phone.

A phone on the chest tilts with each breath, which moves gravity between its axes by a few hundredths of g at
0.1–0.7 Hz (6–42 breaths/min). Within the longest stretch free of handling (no 0.5-s swing above 1 m/s²), the
three slow axes are band-passed, reduced to their first principal component (the tilt direction) and the rate
is the peak of the Welch spectrum, published only when that peak holds a clear share of the breathing-band
power and is not at the band edge (accelerometer-derived respiration, Bates et al., Physiol Meas 2010).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from openscg.analysis.scg_clean import bandpass_sos
from openscg.analysis.scg_quality import MOTION_TILT_MS2
from openscg.analysis.scg_rate import parabolic_offset

BREATH_LOW_HZ = 0.1
BREATH_HIGH_HZ = 0.7
MIN_BREATH_S = 30.0
MIN_PEAK_SHARE = 0.4
EDGE_GUARD_S = 2.0


def calm_stretch(slow_ms2: np.ndarray, fs_hz: float) -> tuple[int, int]:
    """(start, stop) of the longest run without handling: 0.5-s blocks whose swing on any axis exceeds
    MOTION_TILT_MS2 are excluded, widened by EDGE_GUARD_S each side (filter transients)."""
    block = max(1, round(0.5 * fs_hz))
    n_blocks = slow_ms2.shape[0] // block
    if n_blocks == 0:
        return 0, 0
    blocks = slow_ms2[: n_blocks * block].reshape(n_blocks, block, -1)
    calm = (blocks.max(axis=1) - blocks.min(axis=1)).max(axis=1) <= MOTION_TILT_MS2
    guard = int(np.ceil(EDGE_GUARD_S / 0.5))
    moving = np.convolve(~calm, np.ones(2 * guard + 1), mode="same") > 0
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (~moving).astype(int), [0]))))
    if edges.size == 0:
        return 0, 0
    starts, stops = edges[0::2], edges[1::2]
    k = int(np.argmax(stops - starts))
    return int(starts[k] * block), int(stops[k] * block)


def respiratory_rate_bpm(slow_ms2: np.ndarray, fs_hz: float) -> float | None:
    """Breaths per minute from acceleration with gravity (m, 3) sampled at `fs_hz` (~10 Hz), or None when
    there are not 30 s of calm signal or no single breathing rhythm dominates."""
    slow_ms2 = np.asarray(slow_ms2, dtype=float)
    if slow_ms2.ndim != 2 or slow_ms2.shape[0] < MIN_BREATH_S * fs_hz:
        return None
    start, stop = calm_stretch(slow_ms2, fs_hz)
    if stop - start < MIN_BREATH_S * fs_hz:
        return None
    sos = bandpass_sos(BREATH_LOW_HZ, BREATH_HIGH_HZ, round(fs_hz, 3))
    band = signal.sosfiltfilt(sos, signal.detrend(slow_ms2[start:stop], axis=0), axis=0)
    _, vectors = np.linalg.eigh(band.T @ band)
    tilt = band @ vectors[:, -1]
    nperseg = min(tilt.size, int(32 * fs_hz))
    freqs_hz, power = signal.welch(tilt, fs=fs_hz, nperseg=nperseg, nfft=4 * nperseg)
    in_band = np.flatnonzero((freqs_hz >= BREATH_LOW_HZ) & (freqs_hz <= BREATH_HIGH_HZ))
    if not np.any(power[in_band] > 0):
        return None
    idx = int(in_band[np.argmax(power[in_band])])
    near = np.abs(freqs_hz - freqs_hz[idx]) <= 0.04
    if idx in (in_band[0], in_band[-1]) or power[near].sum() < MIN_PEAK_SHARE * power[in_band].sum():
        return None
    step_hz = freqs_hz[1] - freqs_hz[0]
    peak_hz = freqs_hz[idx] + step_hz * parabolic_offset(power[idx - 1], power[idx], power[idx + 1])
    return round(60.0 * float(peak_hz), 1)
