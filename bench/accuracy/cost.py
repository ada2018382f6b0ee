"""CPU cost of live analysis: CPU ms spent in push+step per second of signal."""

from __future__ import annotations

import numpy as np

from .reference import Reference
from .runs import run_live


def live_cost(ref: Reference, rates_hz=(60.0, 100.0, 400.0), duration_s: float = 120.0) -> list[dict]:
    """Live analysis of `duration_s` of the reference SCG at several phone rates."""
    rows = []
    for fs_hz in rates_hz:
        t_ms = np.arange(0.0, duration_s * 1000.0, 1000.0 / fs_hz)
        accel = np.zeros((t_ms.size, 3))
        accel[:, 2] = 9.81 + np.interp(t_ms, ref.t_ms, ref.scg)
        _, _, cpu_s = run_live(t_ms, accel)
        rows.append({"fs_hz": fs_hz, "cpu_ms_per_s": 1000.0 * cpu_s / duration_s})
    return rows
