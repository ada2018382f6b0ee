"""Put irregular phone samples on a uniform time grid.

Phones do not sample on a clock: Android jitters and drops samples, browsers deliver ~60 Hz with gaps when a
tab is throttled. Every filter downstream assumes a fixed rate, so the first step is linear interpolation onto
a uniform grid at the measured median rate, with the stretches that had no samples marked invalid.
"""

from __future__ import annotations

import numpy as np

#: a hole longer than this (and longer than 3 sample intervals) is a gap, not jitter
GAP_MIN_MS = 50.0


def median_rate_hz(t_ms: np.ndarray) -> float:
    """Measured sampling rate in Hz from timestamps in ms (median interval; robust to gaps). 0 if unknown."""
    dt_ms = np.diff(np.asarray(t_ms, dtype=float))
    dt_ms = dt_ms[dt_ms > 0]
    if dt_ms.size == 0:
        return 0.0
    return float(1000.0 / np.median(dt_ms))


def mean_rate_hz(t_ms: np.ndarray) -> float:
    """Mean sampling rate in Hz over the whole recording, (n-1)/duration, as the API reports it."""
    t_ms = np.asarray(t_ms, dtype=float)
    if t_ms.size < 2 or t_ms[-1] <= t_ms[0]:
        return 0.0
    return float((t_ms.size - 1) * 1000.0 / (t_ms[-1] - t_ms[0]))


def resample_uniform(
    t_ms: np.ndarray, accel_ms2: np.ndarray, fs_hz: float, median_step_ms: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Linearly interpolate samples `accel_ms2` (n, k) taken at `t_ms` onto a grid of `fs_hz`.

    Returns `(grid_t_ms, grid_accel_ms2, valid)`; `valid[i]` is False where the grid point falls in a gap
    (an interval longer than max(3 median sample intervals, GAP_MIN_MS); pass `median_step_ms` if known).
    Linear interpolation is what SciPy's `interp1d` does; at phone rates (>= 50 Hz) its low-pass effect
    below 30 Hz is small.
    """
    t_ms = np.asarray(t_ms, dtype=float)
    accel_ms2 = np.asarray(accel_ms2, dtype=float).reshape(t_ms.size, -1)
    if t_ms.size < 2 or fs_hz <= 0:
        return t_ms.copy(), accel_ms2.copy(), np.ones(t_ms.size, dtype=bool)
    step_ms = 1000.0 / fs_hz
    grid_t_ms = t_ms[0] + step_ms * np.arange(int(np.floor((t_ms[-1] - t_ms[0]) / step_ms)) + 1)
    grid = np.empty((grid_t_ms.size, accel_ms2.shape[1]))
    for axis in range(accel_ms2.shape[1]):
        grid[:, axis] = np.interp(grid_t_ms, t_ms, accel_ms2[:, axis])
    valid = np.ones(grid_t_ms.size, dtype=bool)
    dt_ms = np.diff(t_ms)
    gap_ms = max(3.0 * (median_step_ms or float(np.median(dt_ms))), GAP_MIN_MS)
    for i in np.flatnonzero(dt_ms > gap_ms):
        lo, hi = np.searchsorted(grid_t_ms, [t_ms[i], t_ms[i + 1]])
        valid[lo:hi] = False
    return grid_t_ms, grid, valid
