"""Scoring found beats against the known beats of a synthetic SCG (`openscg.synthetic`)."""

from __future__ import annotations

import numpy as np

from openscg.synthetic import synthesize_scg

#: the property tests' beat: AO on z at this amplitude; noise is given as a fraction of it
AO_AMPLITUDE_MS2 = 0.3


def synth(duration_s: float, heart_rate_bpm: float, fs_hz: float = 100.0, *, noise: float = 0.0, **options):
    """`synthesize_scg` with white noise given as a fraction of the beat amplitude *at 100 Hz* (scaled with
    √(fs/100) so the noise density, hence the in-band level, is the same at every rate), and unless asked: no
    random HRV, no breathing, a diastolic complex of 0.6 (a hard case for period and fiducial)."""
    options.setdefault("hrv_ms", 0.0)
    options.setdefault("respiration_bpm", 0.0)
    options.setdefault("diastolic", 0.6)
    noise_ms2 = noise * AO_AMPLITUDE_MS2 * np.sqrt(fs_hz / 100.0)
    return synthesize_scg(
        duration_s, heart_rate_bpm, fs_hz, noise_ms2=noise_ms2, ao_amplitude_ms2=AO_AMPLITUDE_MS2, **options
    )


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
