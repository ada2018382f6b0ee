"""CPU cost of live analysis: CPU ms spent in push+step per second of signal."""

from __future__ import annotations

import numpy as np

from .reference import Reference
from .runs import run_live


def live_cost(ref: Reference, rates_hz=(60.0, 100.0, 400.0), duration_s: float = 120.0, repeats: int = 3):
    """Live analysis of `duration_s` of the reference SCG at several phone rates, 100-ms batches, a step a
    second. CPU time (process time) of push+step; the least of `repeats` runs (other load on the machine only
    ever adds) and their mean."""
    rows = []
    for fs_hz in rates_hz:
        t_ms = np.arange(0.0, duration_s * 1000.0, 1000.0 / fs_hz)
        accel = np.zeros((t_ms.size, 3))
        accel[:, 2] = 9.81 + np.interp(t_ms, ref.t_ms, ref.scg)
        runs = [1000.0 * run_live(t_ms, accel)[2] / duration_s for _ in range(repeats)]
        rows.append({"fs_hz": fs_hz, "cpu_ms_per_s": min(runs), "mean_cpu_ms_per_s": float(np.mean(runs))})
    return rows
