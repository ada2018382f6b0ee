"""A small deterministic recording for the fault tests, and the check that a session holds exactly it."""

from __future__ import annotations

import numpy as np

from openscg.recordings import Recording


def recording(seconds: float, fs_hz: float = 100.0) -> Recording:
    """Whole-ms times and varied values, so a re-based copy compares exactly and a lost or doubled sample shows."""
    n = int(seconds * fs_hz)
    t_ms = np.arange(n) * (1000.0 / fs_hz)
    i = np.arange(n)
    accel = np.column_stack([0.01 * (i % 7), -0.02 + 0.0001 * (i % 13), 9.81 + 0.001 * (i % 100)])
    return Recording(t_ms, accel, "fault test")


def assert_exactly(stored: list[list[float]], source: Recording) -> None:
    """The session holds every sample of `source` once, in order, shifted by the simulator's whole-ms re-base."""
    assert len(stored) == len(source.t_ms), f"{len(stored)} samples stored, {len(source.t_ms)} recorded"
    offset = stored[0][0] - float(source.t_ms[0])
    expected = np.column_stack([source.t_ms + offset, source.accel_ms2]).tolist()
    assert stored == expected
