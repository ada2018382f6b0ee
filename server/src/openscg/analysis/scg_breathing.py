"""Breathing rate from the slow tilt of the phone.

A phone on the chest tilts with each breath, which moves gravity between its axes by a few hundredths of g at
0.1–0.7 Hz (6–42 breaths/min). The three slow axes are band-passed, reduced to their first principal component
(the tilt direction) and the rate is the peak of the Welch spectrum, published only when that peak holds a clear
share of the breathing-band power (accelerometer-derived respiration, Bates et al., Physiol Meas 2010).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from openscg.analysis.scg_clean import bandpass_sos
from openscg.analysis.scg_rate import parabolic_offset

BREATH_LOW_HZ = 0.1
BREATH_HIGH_HZ = 0.7
MIN_BREATH_S = 30.0
MIN_PEAK_SHARE = 0.35


def respiratory_rate_bpm(slow_ms2: np.ndarray, fs_hz: float) -> float | None:
    """Breaths per minute from acceleration with gravity (m, 3) sampled at `fs_hz` (~10 Hz), or None when the
    record is shorter than 30 s or no single breathing rhythm dominates."""
    slow_ms2 = np.asarray(slow_ms2, dtype=float).reshape(len(slow_ms2), -1)
    if slow_ms2.shape[0] < MIN_BREATH_S * fs_hz:
        return None
    sos = bandpass_sos(BREATH_LOW_HZ, BREATH_HIGH_HZ, round(fs_hz, 3))
    band = signal.sosfiltfilt(sos, signal.detrend(slow_ms2, axis=0), axis=0)
    _, vectors = np.linalg.eigh(band.T @ band)
    tilt = band @ vectors[:, -1]
    nperseg = min(tilt.size, int(32 * fs_hz))
    freqs_hz, power = signal.welch(tilt, fs=fs_hz, nperseg=nperseg, nfft=4 * nperseg)
    in_band = (freqs_hz >= BREATH_LOW_HZ) & (freqs_hz <= BREATH_HIGH_HZ)
    if not np.any(power[in_band] > 0):
        return None
    idx = np.flatnonzero(in_band)[np.argmax(power[in_band])]
    near = np.abs(freqs_hz - freqs_hz[idx]) <= 0.04
    if power[near].sum() < MIN_PEAK_SHARE * power[in_band].sum():
        return None
    step_hz = freqs_hz[1] - freqs_hz[0]
    peak_hz = freqs_hz[idx] + step_hz * parabolic_offset(power[idx - 1], power[idx], power[idx + 1])
    return round(60.0 * float(peak_hz), 1)
