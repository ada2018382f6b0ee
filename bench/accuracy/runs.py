"""Running the analysis the two ways the server does: offline on a whole recording, and live batch by batch."""

from __future__ import annotations

import itertools
import time

import numpy as np

from openscg.analysis import LiveAnalyzer, analyze_recording

BATCH_MS = 100.0  #: the phone sends a batch about every 100 ms
STEP_MS = 1000.0  #: the server steps the live analyzer about once a second
FIRST_WINDOW_MS = 10000.0 - 1.0


def run_live(t_ms: np.ndarray, accel_ms2: np.ndarray) -> tuple[list[float], list[list], float]:
    """Feed the samples to a LiveAnalyzer in 100-ms batches, step every second. Returns (beats, heart-rate
    series [[t_ms, bpm|None]], CPU seconds spent in push+step)."""
    analyzer = LiveAnalyzer()
    beats: list[float] = []
    series: list[list] = []
    edges = np.searchsorted(t_ms, np.arange(t_ms[0], t_ms[-1] + BATCH_MS, BATCH_MS))
    next_step = t_ms[0] + STEP_MS
    cpu_s = 0.0
    for lo, hi in itertools.pairwise(edges):
        if hi <= lo:
            continue
        start = time.process_time()
        analyzer.push(t_ms[lo:hi], accel_ms2[lo:hi])
        message = None
        if t_ms[hi - 1] >= next_step:
            next_step += STEP_MS
            message = analyzer.step()
        cpu_s += time.process_time() - start
        if message is not None:
            beats += message["beats"]
            if message["tMs"] - t_ms[0] >= FIRST_WINDOW_MS:  # as offline: windows from the first full 10 s
                series.append([message["tMs"], message["heartRateBpm"]])
    return beats, series, cpu_s


def run_offline(t_ms: np.ndarray, accel_ms2: np.ndarray) -> tuple[dict, float]:
    """The offline result and the CPU seconds it took."""
    start = time.process_time()
    result = analyze_recording(t_ms, accel_ms2)
    return result, time.process_time() - start
