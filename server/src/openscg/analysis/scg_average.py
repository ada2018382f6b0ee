"""Ensemble-averaged heartbeat for the review screen.

Averaging beats aligned on their fiducial point cancels what is not time-locked to the heart (noise, breathing)
and leaves the SCG morphology (AO, AC, MO, MC waves); the spread shows how stable it is. Classic ensemble
averaging (e.g. Inan et al., IEEE JBHI 2015).
"""

from __future__ import annotations

import numpy as np

PRE_MS = 200.0
POST_MS = 600.0
STEP_MS = 10.0
MIN_BEATS = 5


def average_beat(scg_ms2: np.ndarray, fs_hz: float, positions: np.ndarray) -> dict | None:
    """Mean and standard deviation (m/s²) of the band-passed SCG from −200 to +600 ms around each beat
    (fractional sample `positions`), on a 10 ms grid; None with fewer than 5 complete beats."""
    offsets_ms = np.arange(-PRE_MS, POST_MS + STEP_MS / 2, STEP_MS)
    at = np.asarray(positions, dtype=float)[:, None] + offsets_ms[None, :] * fs_hz / 1000.0
    complete = (at[:, 0] >= 0) & (at[:, -1] <= scg_ms2.size - 1)
    if np.count_nonzero(complete) < MIN_BEATS:
        return None
    rows = np.interp(at[complete], np.arange(scg_ms2.size), scg_ms2)
    return {
        "tMs": [round(float(v), 1) for v in offsets_ms],
        "mean": [round(float(v), 5) for v in rows.mean(axis=0)],
        "std": [round(float(v), 5) for v in rows.std(axis=0)],
    }
