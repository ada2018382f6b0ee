"""Beat matching and error measures against ECG R-peaks.

SCG beats follow the R-peak by the pre-ejection period, so the record's median R→SCG delay is removed first;
then each R-peak is matched one-to-one to the nearest detected beat within ±50 ms.
"""

from __future__ import annotations

import numpy as np

TOLERANCE_MS = 50.0


def median_delay_ms(beats_ms: np.ndarray, rpeaks_ms: np.ndarray) -> float:
    """Median of (nearest beat − R-peak) over R-peaks with a beat within 300 ms after −100 ms."""
    if beats_ms.size == 0:
        return 0.0
    idx = np.clip(np.searchsorted(beats_ms, rpeaks_ms), 1, beats_ms.size - 1)
    nearest = np.where(
        np.abs(beats_ms[idx] - rpeaks_ms) < np.abs(beats_ms[idx - 1] - rpeaks_ms), beats_ms[idx], beats_ms[idx - 1]
    )
    d = nearest - rpeaks_ms
    d = d[(d > -100) & (d < 300)]
    return float(np.median(d)) if d.size else 0.0


def match(beats_ms: np.ndarray, rpeaks_ms: np.ndarray, tol_ms: float = TOLERANCE_MS) -> dict[int, int]:
    """One-to-one matching R-peak index → beat index, closest pairs first, within `tol_ms`."""
    if beats_ms.size == 0:
        return {}
    pairs = []
    for i, r in enumerate(rpeaks_ms):
        lo, hi = np.searchsorted(beats_ms, [r - tol_ms, r + tol_ms])
        pairs += [(abs(beats_ms[j] - r), i, j) for j in range(lo, hi)]
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in sorted(pairs):
        if i not in matched and j not in used:
            matched[i] = j
            used.add(j)
    return matched


def window_rate_bpm(times_ms: np.ndarray, end_ms: float, window_ms: float = 10000.0) -> float | None:
    """60000 / mean interval of consecutive events both inside (end − window, end]."""
    inside = times_ms[(times_ms > end_ms - window_ms) & (times_ms <= end_ms)]
    return 60000.0 / float(np.mean(np.diff(inside))) if inside.size >= 3 else None


def score(beats_ms, rpeaks_ms, hr_series, excluded_spans=()) -> dict:
    """F1, IBI MAE (ms), 10-s heart-rate MAE (bpm) and coverage of one analysis against the R-peaks.
    R-peaks (and beats) within 0.5 s of `excluded_spans` (gaps in the samples, motion bursts) are left out of
    F1 and IBI: no method can find a beat that was not recorded."""
    beats_ms = np.asarray(beats_ms, dtype=float)
    delay = median_delay_ms(beats_ms, rpeaks_ms)
    shifted = beats_ms - delay
    keep_r = np.ones(rpeaks_ms.size, dtype=bool)
    keep_b = np.ones(shifted.size, dtype=bool)
    for lo, hi in excluded_spans:
        keep_r &= ~((rpeaks_ms >= lo - 500) & (rpeaks_ms < hi + 500))
        keep_b &= ~((shifted >= lo - 500) & (shifted < hi + 500))
    ref, est = rpeaks_ms[keep_r], shifted[keep_b]
    pairs = match(est, ref)
    tp = len(pairs)
    f1 = 2 * tp / (ref.size + est.size) if (ref.size + est.size) else 0.0
    ibi_err = [
        abs((est[pairs[i + 1]] - est[pairs[i]]) - (ref[i + 1] - ref[i]))
        for i in range(ref.size - 1)
        if i in pairs and i + 1 in pairs and pairs[i + 1] == pairs[i] + 1
    ]
    hr_err, published = [], 0
    for end_ms, bpm in hr_series:
        if bpm is None:
            continue
        published += 1
        truth = window_rate_bpm(rpeaks_ms, end_ms - delay)
        if truth is not None:
            hr_err.append(abs(bpm - truth))
    return {
        "f1": f1,
        "tp": tp,
        "fp": est.size - tp,
        "fn": ref.size - tp,
        "ibi_mae_ms": float(np.mean(ibi_err)) if ibi_err else float("nan"),
        "hr_mae_bpm": float(np.mean(hr_err)) if hr_err else float("nan"),
        "coverage": published / len(hr_series) if hr_series else 0.0,
        "delay_ms": delay,
    }
