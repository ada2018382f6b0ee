"""Signal quality 0–1 per window and a reason the patient can act on.

Motion is flagged where the acceleration leaves what a resting chest produces: a burst of cardiac-band energy
far above the recording's typical level (4× the median 0.5-s RMS), or a change of the slow (gravity) signal of
more than 1 m/s² within half a second (a tilt of ~6°, far beyond breathing). Quality combines how well the beats
match their ensemble template (median normalised correlation) with how much of the window is covered by
normal beat-to-beat intervals, in the spirit of template-correlation SQIs (Li & Clifford, Physiol Meas 2012).
"""

from __future__ import annotations

import numpy as np

MOTION_RMS_RATIO = 4.0
MOTION_RMS_FLOOR_MS2 = 0.05
MOTION_TILT_MS2 = 1.0  #: within one 0.5-s block
MOTION_BLOCK_S = 0.5
MOTION_WIDEN_BLOCKS = 1  #: a burst rings on: windows are judged as if 0.5 s either side moved too
MOTION_EDGE_S = 0.1  #: resolution of the edges of `moving`, and the ringing added to them
MIN_WINDOW_S = 5.0  #: less usable signal than this in a window is `too_short`
PUBLISH_QUALITY = 0.5  #: below this no heart rate is published


def block_rms(x: np.ndarray, block: int) -> np.ndarray:
    """RMS over consecutive blocks of `block` rows (all columns pooled), one value per block (last partial)."""
    n_blocks = int(np.ceil(x.shape[0] / block))
    padded = np.zeros((n_blocks * block, *x.shape[1:]))
    padded[: x.shape[0]] = x
    squares = (padded * padded).reshape(n_blocks, -1).sum(axis=1)
    counts = np.minimum(block, x.shape[0] - block * np.arange(n_blocks)) * int(np.prod(x.shape[1:]))
    return np.sqrt(squares / np.maximum(counts, 1))


def motion_mask(
    band_ms2: np.ndarray, fs_hz: float, slow_ms2: np.ndarray, slow_fs_hz: float
) -> tuple[np.ndarray, np.ndarray]:
    """Two masks over the analysis samples (of `band_ms2`, `fs_hz`; `slow_ms2` at `slow_fs_hz`).

    `near_motion`: 0.5-s blocks whose cardiac-band RMS or slow-signal swing is out of range, widened by
    MOTION_WIDEN_BLOCKS each side. Windows are judged by it: a phone that was just handled may ring on below
    the thresholds, so a window is not trusted right next to motion.
    `moving`: inside `near_motion`, where the phone actually moved, at 0.1-s resolution (`fine_motion`), plus
    0.1 s for the band-pass's ringing. No beat is searched there; next to it, beats are (with a stricter score,
    scg_beats). Found only next to flagged blocks: over 0.1 s a single strong beat may exceed the RMS limit."""
    n = band_ms2.shape[0]
    block = max(1, round(MOTION_BLOCK_S * fs_hz))
    rms = block_rms(band_ms2, block)
    limit = max(MOTION_RMS_RATIO * float(np.median(rms)), MOTION_RMS_FLOOR_MS2)
    flagged = rms > limit
    slow_block = max(1, round(MOTION_BLOCK_S * slow_fs_hz))
    n_slow = min(slow_ms2.shape[0] // slow_block, flagged.size)
    if n_slow:
        blocks = slow_ms2[: n_slow * slow_block].reshape(n_slow, slow_block, -1)
        swing = (blocks.max(axis=1) - blocks.min(axis=1)).max(axis=1)
        flagged[:n_slow] |= swing > MOTION_TILT_MS2
    widened = np.convolve(flagged, np.ones(2 * MOTION_WIDEN_BLOCKS + 1), mode="same") > 0
    near_motion = np.repeat(widened, block)[:n]
    if not np.any(flagged):
        return np.zeros(n, dtype=bool), near_motion
    moving = fine_motion(band_ms2, fs_hz, slow_ms2, slow_fs_hz, limit) & near_motion
    in_block = np.repeat(np.arange(flagged.size), block)[:n]
    found = np.bincount(in_block, weights=moving, minlength=flagged.size) > 0
    moving |= np.repeat(flagged & ~found, block)[:n]  # a flagged block always counts, if only as a whole
    fine = max(1, round(MOTION_EDGE_S * fs_hz))
    moving = ~dilate(~dilate(moving, block // 2), block // 2)  # close lulls shorter than a block inside a burst
    return dilate(moving, fine), near_motion


def fine_motion(
    band_ms2: np.ndarray, fs_hz: float, slow_ms2: np.ndarray, slow_fs_hz: float, limit_ms2: float
) -> np.ndarray:
    """True at each analysis sample in a 0.1-s stretch whose cardiac-band RMS exceeds `limit_ms2`, or where the
    slow signal changes faster than MOTION_TILT_MS2 per 0.5-s block (the same slope as the block test)."""
    n = band_ms2.shape[0]
    fine = max(1, round(MOTION_EDGE_S * fs_hz))
    moving = np.repeat(block_rms(band_ms2, fine) > limit_ms2, fine)[:n]
    if slow_ms2.shape[0] > 1:
        step = np.abs(np.diff(slow_ms2, axis=0)).max(axis=1)
        fast = step > MOTION_TILT_MS2 * (1.0 / slow_fs_hz) / MOTION_BLOCK_S
        fast_slow = np.concatenate(([False], fast)) | np.concatenate((fast, [False]))
        at = np.minimum((np.arange(n) * (slow_fs_hz / fs_hz)).astype(int), fast_slow.size - 1)
        moving |= fast_slow[at]
    return moving


def dilate(mask: np.ndarray, reach: int) -> np.ndarray:
    """`mask` widened by `reach` samples each side."""
    if reach < 1:
        return mask
    return np.convolve(mask, np.ones(2 * reach + 1), mode="same") > 0


def interval_consistency(ibi_ms: np.ndarray | None) -> float:
    """1 when successive beat intervals (ms) change little — RMSSD ≤ 15 % of the mean interval — falling to 0
    at 35 %. Sinus rhythm at rest has RMSSD/mean NN of a few per cent (up to ~15 % in the fittest); a train that
    mixes in diastolic complexes or noise alternates short/long intervals and scores 30–50 %."""
    if ibi_ms is None or len(ibi_ms) < 3:
        return 1.0
    ibi_ms = np.asarray(ibi_ms, dtype=float)
    change = float(np.sqrt(np.mean(np.diff(ibi_ms) ** 2)) / np.mean(ibi_ms))
    return float(np.clip((0.35 - change) / 0.2, 0.0, 1.0))


def window_quality(
    scores: np.ndarray,
    periodicity: float,
    ibi_coverage: float,
    motion_fraction: float,
    usable_s: float,
    ibi_ms: np.ndarray | None = None,
) -> tuple[float, str]:
    """Quality 0–1 and reason for one window. `scores`: template correlations of its beats; `periodicity`:
    envelope autocorrelation at the beat period; `ibi_coverage`: fraction of the window covered by normal
    intervals; `motion_fraction`: fraction flagged as motion; `usable_s`: seconds of usable signal;
    `ibi_ms`: the window's beat intervals (without those spanning gaps), whose successive changes must look
    like a heart's.

    Clean SCG beats correlate with their template (over the systolic complex) at 0.85–0.97; band-passed noise,
    where the matched filter still finds its best-fitting bumps, at 0.45–0.65 — hence the 0.65–0.9 ramp."""
    if usable_s + motion_fraction * 10.0 < MIN_WINDOW_S:
        return 0.0, "too_short"
    score_term = float(np.clip((np.median(scores) - 0.65) / 0.25, 0.0, 1.0)) if scores.size else 0.0
    rhythm_term = float(np.clip(0.5 + periodicity / 0.3, 0.0, 1.0))
    quality = score_term * rhythm_term * float(np.clip(ibi_coverage / 0.7, 0.0, 1.0))
    quality *= interval_consistency(ibi_ms)
    quality = round(quality, 3)
    if quality >= PUBLISH_QUALITY and usable_s >= MIN_WINDOW_S:
        return quality, "ok"
    if motion_fraction > 0.1:
        return quality, "motion"
    return quality, "no_heartbeat"
