"""The whole offline analysis of one recording, in the shape `GET /api/v1/sessions/{id}/analysis` returns.

Beats are detected in 20-s blocks every 10 s (so the period and template follow a changing heart rate), each
block keeping the beats nearest its centre; then every second a 10-s window ending there gets a heart rate,
a quality and a reason. The live analyzer runs the same functions on its last 20 s, so both paths agree.
"""

from __future__ import annotations

import numpy as np

from openscg.analysis.scg_average import average_beat
from openscg.analysis.scg_beats import detect_beats
from openscg.analysis.scg_breathing import respiratory_rate_bpm
from openscg.analysis.scg_clean import SLOW_FS_HZ, PreparedScg, prepare_scg
from openscg.analysis.scg_hrv import hrv_time_domain
from openscg.analysis.scg_quality import window_quality
from openscg.analysis.scg_rate import normal_intervals, window_heart_rate_bpm
from openscg.analysis.scg_resample import mean_rate_hz

WINDOW_S = 10.0
BLOCK_S = 20.0
HOP_S = 10.0


def clean_input(t_ms: np.ndarray, accel_ms2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Finite rows with strictly increasing time only, as float arrays (t (n,), accel (n, 3))."""
    t_ms = np.asarray(t_ms, dtype=float).reshape(-1)
    accel_ms2 = np.asarray(accel_ms2, dtype=float).reshape(t_ms.size, 3)
    keep = np.isfinite(t_ms) & np.all(np.isfinite(accel_ms2), axis=1)
    t_ms, accel_ms2 = t_ms[keep], accel_ms2[keep]
    if t_ms.size > 1:
        increasing = np.concatenate(([True], t_ms[1:] > np.maximum.accumulate(t_ms)[:-1]))
        t_ms, accel_ms2 = t_ms[increasing], accel_ms2[increasing]
    return t_ms, accel_ms2


def detect_in_blocks(scg_ms2: np.ndarray, fs_hz: float, usable: np.ndarray, calm: np.ndarray):
    """Beat positions (fractional samples), scores and block periodicity over a whole signal, detected in
    20-s blocks every 10 s; each block keeps the beats closer to its centre than to any other block's centre.
    Beats are searched in `usable`, the beat model is learned in `calm` (see `detect_beats`)."""
    n, block, hop = scg_ms2.size, round(BLOCK_S * fs_hz), round(HOP_S * fs_hz)
    starts = [0] if n <= block else [*range(0, n - block, hop), n - block]
    centres = np.array(starts, dtype=float) + min(block, n) / 2.0
    bounds = np.concatenate(([-np.inf], (centres[1:] + centres[:-1]) / 2.0, [np.inf]))
    positions, scores, periodicity = [], [], []
    model = None
    for k, start in enumerate(starts):
        span = slice(start, start + block)
        track = detect_beats(scg_ms2[span], fs_hz, usable[span], model, calm[span])
        model = track.model or model
        pos = track.positions + start
        keep = (pos >= bounds[k]) & (pos < bounds[k + 1])
        positions.append(pos[keep])
        scores.append(track.scores[keep])
        periodicity.append(np.full(np.count_nonzero(keep), track.periodicity))
    pos_all, scores_all, period_all = (np.concatenate(v) for v in (positions, scores, periodicity))
    distinct = np.concatenate(([True], np.diff(pos_all) > 0.25 * fs_hz))[: pos_all.size]
    return pos_all[distinct], scores_all[distinct], period_all[distinct]


def summarize_window(beat_t_ms, scores, periodicity, ok_ibi, end_ms, motion_fraction, usable_s):
    """Heart rate (bpm or None), quality and reason for the 10-s window ending at `end_ms`."""
    start_ms = end_ms - WINDOW_S * 1000.0
    heart_rate_bpm, coverage = window_heart_rate_bpm(beat_t_ms, ok_ibi, start_ms, end_ms)
    inside = (beat_t_ms >= start_ms) & (beat_t_ms <= end_ms)
    rhythm = float(np.median(periodicity[inside])) if np.any(inside) else 0.0
    ibi_ms = np.diff(beat_t_ms[inside])
    if ibi_ms.size:  # an interval that spans a gap or a motion burst says nothing about the rhythm
        ibi_ms = ibi_ms[ibi_ms < 1.6 * np.median(ibi_ms)]
    quality, reason = window_quality(scores[inside], rhythm, coverage, motion_fraction, usable_s, ibi_ms)
    if reason != "ok":
        heart_rate_bpm = None
    return (None if heart_rate_bpm is None else round(heart_rate_bpm, 1)), quality, reason


def window_ends_ms(t_first_ms: float, t_last_ms: float) -> np.ndarray:
    """One window end per second from the first full 10-s window, plus one at the last sample (just that one
    if the recording is shorter than a window)."""
    first = t_first_ms + WINDOW_S * 1000.0
    if t_last_ms < first:
        return np.array([t_last_ms])
    ends_ms = first + 1000.0 * np.arange(int((t_last_ms - first) // 1000.0) + 1)
    return ends_ms if ends_ms[-1] >= t_last_ms - 1.0 else np.append(ends_ms, t_last_ms)


def empty_result(duration_s: float, rate_hz: float, ends_ms: np.ndarray) -> dict:
    """The result for a recording too short (or too broken) to analyse: every number null."""
    return {
        "durationS": round(duration_s, 3),
        "samplingRateHz": round(rate_hz, 1),
        "heartRateBpm": None,
        "coverage": 0.0,
        "beats": [],
        "ibiMs": [],
        "heartRateSeries": [[float(t), None] for t in ends_ms],
        "qualitySeries": [[float(t), 0.0, "too_short"] for t in ends_ms],
        "hrv": None,
        "respiratoryRateBpm": None,
        "averageBeat": None,
    }


def analyze_recording(t_ms: np.ndarray, accel_ms2: np.ndarray) -> dict:
    """Offline analysis of samples `t_ms` (ms) and `accel_ms2` ((n, 3) m/s² with gravity): beats, intervals,
    per-second heart rate and quality, HRV, breathing rate and the average beat, as JSON-ready types."""
    t_ms, accel_ms2 = clean_input(t_ms, accel_ms2)
    duration_s = float(t_ms[-1] - t_ms[0]) / 1000.0 if t_ms.size > 1 else 0.0
    ends_ms = window_ends_ms(float(t_ms[0]), float(t_ms[-1])) if t_ms.size else np.zeros(0)
    prep = prepare_scg(t_ms, accel_ms2) if accel_ms2.shape[1:] == (3,) else None
    if prep is None:
        return empty_result(duration_s, mean_rate_hz(t_ms), ends_ms)
    moving, usable = prep.near_motion, prep.calm
    positions, scores, periodicity = detect_in_blocks(prep.scg_ms2, prep.fs_hz, prep.usable, prep.calm)
    beat_t_ms = prep.t0_ms + positions * 1000.0 / prep.fs_hz
    ibi_ms, ok_ibi = normal_intervals(beat_t_ms)
    beats = (beat_t_ms, scores, periodicity, ok_ibi)
    windows = summarize_windows(prep, moving, usable, beats, ends_ms)
    return assemble(prep, duration_s, mean_rate_hz(t_ms), moving, positions, beat_t_ms, ibi_ms, ok_ibi, windows)


def summarize_windows(prep: PreparedScg, moving, usable, beats, ends_ms) -> list:
    """(end_ms, bpm|None, quality, reason) for every window end; `beats` = (t_ms, scores, periodicity, ok)."""
    beat_t_ms, scores, periodicity, ok_ibi = beats
    step_ms = 1000.0 / prep.fs_hz
    moving_sum = np.concatenate(([0], np.cumsum(moving)))
    usable_sum = np.concatenate(([0], np.cumsum(usable)))
    rows = []
    for end_ms in ends_ms:
        hi = int(np.clip(np.floor((end_ms - prep.t0_ms) / step_ms) + 1, 0, moving.size))
        lo = int(np.clip(np.ceil((end_ms - WINDOW_S * 1000.0 - prep.t0_ms) / step_ms), 0, hi))
        n = max(hi - lo, 1)
        motion_fraction = float(moving_sum[hi] - moving_sum[lo]) / n
        usable_s = float(usable_sum[hi] - usable_sum[lo]) / prep.fs_hz
        summary = summarize_window(beat_t_ms, scores, periodicity, ok_ibi, end_ms, motion_fraction, usable_s)
        rows.append((float(end_ms), *summary))
    return rows


def assemble(prep, duration_s, rate_hz, moving, positions, beat_t_ms, ibi_ms, ok_ibi, windows) -> dict:
    """Keep the beats inside windows that publish a rate, and build the JSON-ready result."""
    good = np.zeros(beat_t_ms.size, dtype=bool)
    for end_ms, bpm, _, _ in windows:
        if bpm is not None:
            good |= (beat_t_ms >= end_ms - WINDOW_S * 1000.0) & (beat_t_ms <= end_ms)
    beats = beat_t_ms[good]
    ibi_kept, ok_kept = normal_intervals(beats)
    consecutive = np.diff(np.flatnonzero(good)) == 1 if beats.size > 1 else np.zeros(0, dtype=bool)
    ok_kept &= consecutive
    heart_rate = 60000.0 / float(np.mean(ibi_kept[ok_kept])) if np.any(ok_kept) else None
    published = [bpm for _, bpm, _, _ in windows if bpm is not None]
    motion_fraction = float(np.mean(moving)) if moving.size else 0.0
    return {
        "durationS": round(duration_s, 3),
        "samplingRateHz": round(rate_hz, 1),
        "heartRateBpm": None if heart_rate is None else round(heart_rate, 1),
        "coverage": round(len(published) / len(windows), 3) if windows else 0.0,
        "beats": [round(float(t), 1) for t in beats],
        "ibiMs": [round(float(v), 1) if k else None for v, k in zip(ibi_kept, ok_kept, strict=True)],
        "heartRateSeries": [[end, bpm] for end, bpm, _, _ in windows],
        "qualitySeries": [[end, q, reason] for end, _, q, reason in windows],
        "hrv": hrv_time_domain(ibi_kept, ok_kept),
        "respiratoryRateBpm": respiratory_rate_bpm(prep.slow_ms2, SLOW_FS_HZ) if motion_fraction < 0.2 else None,
        "averageBeat": average_beat(prep.scg_ms2, prep.fs_hz, positions[good]),
    }
