"""Heart-rate variability from cleaned beat-to-beat intervals.

Time-domain measures as defined by the Task Force of the ESC/NASPE (Circulation 1996): mean NN, SDNN, RMSSD and
pNN50, computed only from normal-to-normal intervals (artefacts and missed beats removed beforehand) and only when
at least 60 s of such intervals exist, because SDNN on shorter records is not comparable.
"""

from __future__ import annotations

import numpy as np

MIN_NN_TOTAL_MS = 60000.0


def hrv_time_domain(ibi_ms: np.ndarray, normal: np.ndarray) -> dict | None:
    """Mean NN, SDNN, RMSSD (ms) and pNN50 (fraction 0–1) from intervals `ibi_ms` where `normal` is True.
    Successive differences only between adjacent normal intervals. None with < 60 s of normal intervals."""
    ibi_ms = np.asarray(ibi_ms, dtype=float)
    normal = np.asarray(normal, dtype=bool)
    nn_ms = ibi_ms[normal]
    if nn_ms.size < 20 or float(nn_ms.sum()) < MIN_NN_TOTAL_MS:
        return None
    pairs = normal[:-1] & normal[1:]
    diffs_ms = np.diff(ibi_ms)[pairs]
    if diffs_ms.size < 10:
        return None
    return {
        "meanNnMs": round(float(nn_ms.mean()), 1),
        "sdnnMs": round(float(nn_ms.std(ddof=1)), 1),
        "rmssdMs": round(float(np.sqrt(np.mean(diffs_ms**2))), 1),
        "pnn50": round(float(np.mean(np.abs(diffs_ms) > 50.0)), 3),
    }
