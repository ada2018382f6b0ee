"""Beat period and heart rate.

The period comes first, from the autocorrelation of the cardiac envelope: each beat has two heart-sound
complexes (systolic and diastolic), so picking every envelope peak doubles the rate, but the autocorrelation's
strongest peak in 40–180 bpm sits at the full beat period because there *both* complexes line up
(cf. autocorrelation heart-rate estimation for SCG/BCG, Brüser et al., IEEE TBME 2011).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

MIN_BPM = 40.0
MAX_BPM = 180.0
#: searched and accepted rates extend beyond 40–180 bpm so a rate at the edge is not cut off or doubled
SEARCH_MIN_BPM = 32.0
SEARCH_MAX_BPM = 210.0


def autocorrelation(x: np.ndarray) -> np.ndarray:
    """Biased autocorrelation (divided by lag 0) via FFT. The bias (taper with lag) favours the shorter of two
    equally good periods, i.e. the true period over its double."""
    n = x.size
    spectrum = np.fft.rfft(x, 1 << int(np.ceil(np.log2(2 * n))))
    ac = np.fft.irfft(spectrum.real**2 + spectrum.imag**2)[:n]
    return ac / ac[0] if ac[0] > 0 else np.zeros(n)


def estimate_period_s(
    envelope_ms2: np.ndarray, fs_hz: float, valid: np.ndarray | None = None, prior_s: float | None = None
):
    """Beat period in s of a cardiac envelope sampled at `fs_hz`, and the autocorrelation at that lag (0–1, a
    periodicity strength). Lags for 32–210 bpm are searched (a margin around 40–180 bpm, so an irregular
    40 bpm rhythm is not mistaken for its diastolic sub-period). With `prior_s` (the period of the previous
    block), candidates more than 30 % away count 0.6 as much: a resting heart does not halve or double its
    rate within seconds. Returns (None, 0.0) when nothing stands out."""
    if valid is not None and not np.any(valid):
        return None, 0.0
    x = envelope_ms2 - np.mean(envelope_ms2 if valid is None else envelope_ms2[valid])
    if valid is not None:
        x = np.where(valid, x, 0.0)
    lo, hi = int(fs_hz * 60.0 / SEARCH_MAX_BPM), int(np.ceil(fs_hz * 60.0 / SEARCH_MIN_BPM)) + 1
    if x.size < 2 * hi or not np.any(x):
        return None, 0.0
    ac = autocorrelation(x)
    peaks, _ = signal.find_peaks(ac[: hi + 1])
    peaks = peaks[(peaks >= lo) & (ac[peaks] > 0)]
    if peaks.size == 0:
        return None, 0.0
    support = np.array([harmonic_support(ac, int(lag), x.size // 2) for lag in peaks])
    if prior_s is not None:
        support = support * np.where(np.abs(peaks / (prior_s * fs_hz) - 1.0) <= 0.3, 1.0, 0.6)
    best = int(peaks[np.argmax(support)])
    half = peaks[np.abs(peaks - best / 2.0) <= 0.12 * best]
    if half.size and support[np.isin(peaks, half)].max() >= 0.85 * support.max():
        best = int(half[np.argmax(support[np.isin(peaks, half)])])
    lag = best + parabolic_offset(ac[best - 1], ac[best], ac[best + 1])
    return lag / fs_hz, float(max(ac[best], 0.0))


def harmonic_support(ac: np.ndarray, lag: int, max_lag: int) -> float:
    """Mean autocorrelation at the first (up to four) multiples of `lag`, each the best value within ±8 % of
    the multiple (beats are not exactly periodic). A true beat period repeats at its multiples; the S1→S2
    lag of the two heart sounds, or any other sub-period, does not (cf. subharmonic summation, Hermes 1988)."""
    values = []
    for k in range(1, 5):
        centre = k * lag
        if k > 1 and centre > max_lag:
            break
        reach = max(1, round(0.08 * centre))
        values.append(float(ac[max(0, centre - reach) : centre + reach + 1].max()))
    return float(np.mean(values)) if values else 0.0


def parabolic_offset(left: float, centre: float, right: float) -> float:
    """Sub-sample offset (−0.5…0.5) of the vertex of the parabola through three equally spaced points."""
    denom = left - 2.0 * centre + right
    if denom >= 0:
        return 0.0
    return float(np.clip(0.5 * (left - right) / denom, -0.5, 0.5))


def normal_intervals(beat_t_ms: np.ndarray, tolerance: float = 0.3) -> tuple[np.ndarray, np.ndarray]:
    """Inter-beat intervals (ms) and a mask of the 'normal' ones: within 32–210 bpm and within ±`tolerance` of
    the running median of 5, so a missed beat (double interval) or a gap does not enter a rate."""
    ibi_ms = np.diff(np.asarray(beat_t_ms, dtype=float))
    if ibi_ms.size == 0:
        return ibi_ms, np.zeros(0, dtype=bool)
    ok = (ibi_ms >= 60000.0 / SEARCH_MAX_BPM) & (ibi_ms <= 60000.0 / SEARCH_MIN_BPM)
    reference = running_median(ibi_ms, 5)
    ok &= np.abs(ibi_ms / reference - 1.0) <= tolerance
    return ibi_ms, ok


def window_heart_rate_bpm(beat_t_ms: np.ndarray, ok_ibi: np.ndarray, start_ms: float, end_ms: float):
    """Heart rate in bpm over [start_ms, end_ms]: 60000 / mean of the normal intervals whose both beats are in
    the window, and how much of the window those intervals cover (0–1). (None, 0) without 3 intervals."""
    beat_t_ms = np.asarray(beat_t_ms, dtype=float)
    inside = (beat_t_ms[:-1] >= start_ms) & (beat_t_ms[1:] <= end_ms) & ok_ibi
    ibi_ms = np.diff(beat_t_ms)[inside]
    if ibi_ms.size < 3:
        return None, 0.0
    return 60000.0 / float(np.mean(ibi_ms)), float(np.sum(ibi_ms) / (end_ms - start_ms))


def running_median(x: np.ndarray, width: int) -> np.ndarray:
    """Running median over an odd `width` of values, the ends padded by repetition (not by zeros)."""
    half = width // 2
    padded = np.pad(np.asarray(x, dtype=float), half, mode="edge")
    return np.sort(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)[:, half]
