"""Live analysis of one session: push samples as they are stored, step about once a second.

Each step re-analyses the last 12 s with the offline functions (prepare, motion, template-matched beats,
10-s window rate and quality), so live and offline agree. A beat is reported once, when it is at least 1.5 s
old (the filters and the template then see signal on both sides of it). Memory is bounded: only the last
70 s of samples are kept (60 s for the breathing rate).
"""

from __future__ import annotations

import numpy as np

from openscg.analysis.scg_beats import BeatTrack, detect_beats, find_beats
from openscg.analysis.scg_breathing import respiratory_rate_bpm
from openscg.analysis.scg_clean import SLOW_FS_HZ, prepare_scg, slow_acceleration
from openscg.analysis.scg_process import WINDOW_S, clean_input, summarize_window
from openscg.analysis.scg_rate import normal_intervals
from openscg.analysis.scg_template import BeatModel

KEEP_S = 70.0
MAX_PENDING_SAMPLES = 20_000
#: each step re-analyses this much: the 10-s rate window plus 2 s for the filters and the template to settle
LIVE_BLOCK_S = 12.0
BREATH_S = 60.0
SETTLE_MS = 1500.0
BREATH_EVERY_STEPS = 15
AXIS_EVERY_STEPS = 30
MODEL_EVERY_STEPS = 5


class LiveAnalyzer:
    """Stateful per-session analyzer; `push` stored batches, call `step` about once a second."""

    def __init__(self) -> None:
        self._t_ms = np.zeros(0)
        self._accel_ms2 = np.zeros((0, 3))
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []
        self._pending_samples = 0
        self._last_step_t_ms: float | None = None
        self._first_t_ms: float | None = None
        self._last_beat_t_ms = -np.inf
        self._steps = 0
        self._breath_bpm: float | None = None
        self._axis: np.ndarray | None = None
        self._model: BeatModel | None = None
        self._model_fs_hz = 0.0
        self._since_model = MODEL_EVERY_STEPS

    def push(self, t_ms: np.ndarray, accel_ms2: np.ndarray) -> None:
        """Add a batch of samples: `t_ms` (n,) ms, strictly increasing; `accel_ms2` (n, 3) m/s² with gravity."""
        t_ms = np.asarray(t_ms, dtype=float).reshape(-1)
        if t_ms.size:
            self._pending.append((t_ms, np.asarray(accel_ms2, dtype=float).reshape(t_ms.size, 3)))
            self._pending_samples += t_ms.size
        if self._pending_samples > MAX_PENDING_SAMPLES:  # pushed without stepping: stay bounded anyway
            self._consolidate()

    def _consolidate(self) -> None:
        """Append pending batches, drop non-finite or out-of-order rows, keep the last KEEP_S seconds."""
        if self._pending:
            t_ms, accel_ms2 = clean_input(
                np.concatenate([t for t, _ in self._pending]), np.concatenate([a for _, a in self._pending])
            )
            self._pending.clear()
            self._pending_samples = 0
            if self._t_ms.size:
                after = t_ms > self._t_ms[-1]
                t_ms, accel_ms2 = t_ms[after], accel_ms2[after]
            if self._first_t_ms is None and t_ms.size:
                self._first_t_ms = float(t_ms[0])
            self._t_ms = np.concatenate([self._t_ms, t_ms])
            self._accel_ms2 = np.concatenate([self._accel_ms2, accel_ms2])
        if self._t_ms.size:
            first = np.searchsorted(self._t_ms, self._t_ms[-1] - KEEP_S * 1000.0)
            self._t_ms, self._accel_ms2 = self._t_ms[first:], self._accel_ms2[first:]

    def step(self) -> dict | None:
        """The live `analysis` message for the 10-s window ending at the newest sample, or None if no sample
        arrived since the previous step."""
        self._consolidate()
        if self._t_ms.size == 0 or self._t_ms[-1] == self._last_step_t_ms:
            return None
        end_ms = float(self._t_ms[-1])
        self._last_step_t_ms = end_ms
        self._steps += 1
        heart_rate_bpm, quality, reason, beats = self._analyze_block(end_ms)
        if self._steps % BREATH_EVERY_STEPS == 1:
            self._breath_bpm = self._breathing()
        return {
            "type": "analysis",
            "tMs": end_ms,
            "heartRateBpm": heart_rate_bpm,
            "quality": quality,
            "qualityReason": reason,
            "beats": beats,
            "respiratoryRateBpm": self._breath_bpm,
        }

    def _analyze_block(self, end_ms: float) -> tuple[float | None, float, str, list[float]]:
        """Rate, quality, reason and newly settled beats from the last LIVE_BLOCK_S seconds."""
        assert self._first_t_ms is not None
        if end_ms - self._first_t_ms < WINDOW_S * 1000.0 - 1.0:
            return None, 0.0, "too_short", []  # no rate before the first full 10-s window, as offline
        first = np.searchsorted(self._t_ms, end_ms - LIVE_BLOCK_S * 1000.0)
        if self._steps % AXIS_EVERY_STEPS == 1:
            self._axis = None  # find the cardiac axis again (three band-passes) every 30 s; reuse it in between
        prep = prepare_scg(self._t_ms[first:], self._accel_ms2[first:], self._axis)
        if prep is None:
            return None, 0.0, "too_short", []
        self._axis = prep.axis
        moving, usable = prep.near_motion, prep.calm
        track = self._beats(prep.scg_ms2, prep.fs_hz, prep.usable, usable)
        beat_t_ms = prep.t0_ms + track.positions * 1000.0 / prep.fs_hz
        _, ok_ibi = normal_intervals(beat_t_ms)
        window = prep.t_ms >= end_ms - WINDOW_S * 1000.0
        n = max(int(np.count_nonzero(window)), 1)
        motion_fraction = float(np.count_nonzero(moving & window)) / n
        usable_s = float(np.count_nonzero(usable & window)) / prep.fs_hz
        periodicity = np.full(track.scores.size, track.periodicity)
        bpm, quality, reason = summarize_window(
            beat_t_ms, track.scores, periodicity, ok_ibi, end_ms, motion_fraction, usable_s
        )
        period_s = track.model.period_s if track.model else None
        return bpm, quality, reason, self._settled_beats(beat_t_ms, period_s, end_ms, bpm is not None)

    def _beats(self, scg_ms2: np.ndarray, fs_hz: float, usable: np.ndarray, calm: np.ndarray) -> BeatTrack:
        """Learn the beat model (period, template; from the `calm` samples) again every MODEL_EVERY_STEPS steps
        — every other step while there is none — and otherwise only match the current one (in `usable`)."""
        self._since_model += 1
        due = self._since_model >= (MODEL_EVERY_STEPS if self._model is not None else 2)
        same_rate = abs(fs_hz - self._model_fs_hz) <= 0.02 * fs_hz  # the measured rate wobbles with jitter
        if due or self._model is None or not same_rate:
            if not due and self._model is None:
                return BeatTrack()
            self._since_model = 0
            track = detect_beats(scg_ms2, fs_hz, usable, self._model if same_rate else None, calm)
            if track.model is not None:
                self._model, self._model_fs_hz = track.model, fs_hz
            return track
        return find_beats(np.where(usable, scg_ms2, 0.0), fs_hz, usable, self._model, calm)

    def _settled_beats(self, beat_t_ms: np.ndarray, period_s, end_ms: float, publish: bool) -> list[float]:
        """Beats of the current 10-s window older than SETTLE_MS and not yet reported — only while a rate is
        published, so the viewer never gets beat markers on a signal judged to have no heartbeat."""
        if not publish:
            return []
        guard_ms = 0.5 * 1000.0 * (period_s or 0.5)
        start_ms = max(self._last_beat_t_ms + guard_ms, end_ms - WINDOW_S * 1000.0)
        new = beat_t_ms[(beat_t_ms >= start_ms) & (beat_t_ms <= end_ms - SETTLE_MS)]
        if new.size:
            self._last_beat_t_ms = float(new[-1])
        return [round(float(t), 1) for t in new]

    def _breathing(self) -> float | None:
        """Breathing rate over the last 60 s, or None."""
        first = np.searchsorted(self._t_ms, self._t_ms[-1] - BREATH_S * 1000.0)
        slow_ms2 = slow_acceleration(self._t_ms[first:], self._accel_ms2[first:])
        return respiratory_rate_bpm(slow_ms2, SLOW_FS_HZ)
