"""The ensemble-beat template: learn it (period first, then template), keep its fiducial from block to block.

The period comes from the envelope autocorrelation (scg_rate); the first template is the median of segments
around envelope peaks, matched and rebuilt from the beats it finds; a beat train that alternates systolic and
diastolic complexes is recognised from its intervals and halved; the fiducial is the energy peak of the
systolic complex and is carried over between blocks so beat times do not jump. Ensemble-template matching as
in Centracchio et al., Sensors 2023 ("AutoTempMatch"), period first as advised by Brüser et al., IEEE TBME 2011.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from scipy import signal

from openscg.analysis.scg_clean import envelope
from openscg.analysis.scg_match import match_template, pick_beats, segments, template_span
from openscg.analysis.scg_rate import estimate_period_s, parabolic_offset

GOOD_FIT = 0.5  #: a previous template matching this well is kept (rebuilt) rather than learned afresh
FIDUCIAL_SMOOTH_S = 0.05


@dataclass(frozen=True)
class BeatModel:
    """What a block of signal teaches about its beats: period, periodicity (0–1) and the ensemble template
    with the index of its fiducial point."""

    period_s: float
    periodicity: float
    template: np.ndarray
    fid: int  #: sample of the template placed on the beat when matching
    fid_offset: float = 0.0  #: the fiducial peak lies this many samples (sub-sample) after `fid`


def fiducial_template(rows: np.ndarray, near: int, fs_hz: float, reach_s: float = 0.1) -> tuple[np.ndarray, int]:
    """Mean beat and the index of its fiducial: the energy peak (50-ms RMS envelope maximum) of the complex
    within ±`reach_s` of `near`. The envelope peak is smooth, so unlike "the largest positive wave" it cannot
    jump a whole 20 Hz cycle between two analysis blocks when two waves are nearly as tall."""
    template = rows.mean(axis=0)
    env = envelope(template, fs_hz, FIDUCIAL_SMOOTH_S)
    return template, largest_peak(env, near, max(1, round(reach_s * fs_hz)))


def largest_peak(x: np.ndarray, near: int, reach: int) -> int:
    """Index of the largest value of x within ±reach of `near`."""
    lo, hi = max(0, near - reach), min(x.size, near + reach + 1)
    return lo + int(np.argmax(x[lo:hi])) if hi > lo else near


def template_offset(template: np.ndarray, fid: int, fs_hz: float) -> float:
    """Sub-sample position of the template's energy peak at `fid`, relative to `fid` (parabolic fit)."""
    env = envelope(template, fs_hz, FIDUCIAL_SMOOTH_S)
    if fid < 1 or fid + 1 >= env.size:
        return 0.0
    return parabolic_offset(env[fid - 1], env[fid], env[fid + 1])


def learn_model(
    x: np.ndarray, fs_hz: float, usable: np.ndarray, previous: BeatModel | None = None
) -> tuple[BeatModel | None, float]:
    """Period, then template. With a `previous` model, its template is matched and rebuilt from the beats
    it finds, keeping its fiducial (so beat times do not jump between blocks); if that fits poorly, or with
    no previous model, the first template is the median of segments around envelope peaks. Returns (model or
    None, periodicity)."""
    env = envelope(x, fs_hz)
    period_s, periodicity = estimate_period_s(env, fs_hz, usable, previous.period_s if previous else None)
    if period_s is None:
        return None, periodicity
    model, fit = None, -1.0
    if previous is not None:
        model, fit = refit(x, fs_hz, usable, previous.template, previous.fid, period_s, periodicity, 0.012)
    if fit < GOOD_FIT:
        pre, post = template_span(period_s, fs_hz)
        seeds, _ = signal.find_peaks(env, distance=max(1, int(0.7 * period_s * fs_hz)))
        rows = segments(x, seeds, pre, post)
        if rows.shape[0] >= 2:
            fresh, fresh_fit = refit(x, fs_hz, usable, np.median(rows, axis=0), pre, period_s, periodicity, 0.1)
            if fresh is not None and fresh_fit > fit:
                fid = systolic_fiducial(fresh.template, fresh.fid, period_s, fs_hz)
                fid = carry_fiducial(fresh.template, fid, previous, fs_hz) if previous else fid
                model = replace(fresh, fid=fid, fid_offset=template_offset(fresh.template, fid, fs_hz))
    return model, periodicity


def refit(x, fs_hz, usable, template, fid, period_s, periodicity, reach_s) -> tuple[BeatModel | None, float]:
    """Match `template`, rebuild it as the mean of the beats found, put the fiducial on its largest peak
    within ±`reach_s` of `fid`. If the beats found alternate systolic/diastolic (`undouble`), keep the
    systolic ones and the doubled period. Returns the model and how well `template` fitted (median score)."""
    _, score = match_template(x, template, fid)
    peaks = pick_beats(score, fs_hz, period_s, usable)
    if peaks.size < 2:
        return None, -1.0
    fit = float(np.median(score[peaks]))
    pre, post = fid, template.size - fid
    undoubled = undouble(peaks, fs_hz)
    if undoubled is not None:
        peaks, period_s = undoubled
        pre, post = template_span(period_s, fs_hz)
    rows = segments(x, peaks, pre, post)
    if rows.shape[0] < 2:
        return None, -1.0
    new_template, new_fid = fiducial_template(rows, pre, fs_hz, reach_s)
    model = BeatModel(period_s, periodicity, new_template, new_fid, template_offset(new_template, new_fid, fs_hz))
    return model, fit


def undouble(peaks: np.ndarray, fs_hz: float) -> tuple[np.ndarray, float] | None:
    """Detect the classic doubling — both heart sounds taken as beats — from the intervals: they then fall in
    two clearly separated groups (systole ≈0.3 s, constant; the rest of the cycle), about equally many,
    alternating. Returns the beats without the diastolic ones (those that end a short interval) and the true
    period in s, or None when the intervals do not look doubled (a missed beat gives a few long intervals, an
    irregular rhythm a continuum)."""
    ibi = np.diff(peaks).astype(float)
    if ibi.size < 4:
        return None
    ordered = np.sort(ibi)
    jumps = ordered[1:] / np.maximum(ordered[:-1], 1e-9)
    k = int(np.argmax(jumps))
    if jumps[k] < 1.2:
        return None
    short = ibi < np.sqrt(ordered[k] * ordered[k + 1])
    alternating = float(np.mean(short[:-1] != short[1:]))
    systole = ibi[short]
    if not 0.3 <= short.mean() <= 0.7 or alternating < 0.7 or np.std(systole) > 0.12 * np.median(systole):
        return None
    period_samples = float(np.median(systole) + np.median(ibi[~short]))
    return np.delete(peaks, np.flatnonzero(short) + 1), period_samples / fs_hz


def systolic_fiducial(template: np.ndarray, fid: int, period_s: float, fs_hz: float) -> int:
    """Move the fiducial to the systolic complex if it sits on the diastolic one. Systole (S1→S2, ~0.3 s)
    is shorter than diastole at every resting rate, so a strong complex 0.08 s…0.42·period *before* the
    fiducial means the fiducial is the second heart sound; the aortic-opening wave is then the largest peak
    of that earlier complex."""
    env = envelope(template, fs_hz, 0.05)
    lo, hi = max(0, fid - round(0.42 * period_s * fs_hz)), fid - round(0.08 * fs_hz)
    if hi <= lo:
        return fid
    earlier = lo + int(np.argmax(env[lo:hi]))
    if env[earlier] < 0.6 * env[fid] or earlier in (lo, hi - 1):
        return fid
    return earlier


def carry_fiducial(template: np.ndarray, fid: int, previous: BeatModel, fs_hz: float) -> int:
    """Index in `template` of the point that was the previous template's fiducial: the templates' envelopes
    are aligned (lag within ±0.15 s) and the fiducial snaps to the new envelope's peak within ±20 ms of the
    aligned position, so small alignment errors do not accumulate from block to block."""
    new_env = envelope(template, fs_hz, FIDUCIAL_SMOOTH_S)
    old_env = envelope(previous.template, fs_hz, FIDUCIAL_SMOOTH_S)
    lag = best_lag(new_env, fid, old_env, previous.fid, round(0.15 * fs_hz))
    return fid if lag is None else largest_peak(new_env, fid + lag, max(1, round(0.02 * fs_hz)))


def best_lag(new: np.ndarray, centre: int, old: np.ndarray, old_centre: int, reach: int) -> int | None:
    """Lag (samples, within ±reach) that best aligns `new` around `centre` with `old` around `old_centre`
    (dot product over a span both share), or None if they share too little."""
    half = min(old_centre, old.size - old_centre, new.size // 2) - 1
    if half <= 2:
        return None
    reference = old[old_centre - half : old_centre + half]
    best, best_at = -np.inf, None
    for lag in range(-reach, reach + 1):
        lo = centre + lag - half
        if lo < 0 or lo + 2 * half > new.size:
            continue
        value = float(new[lo : lo + 2 * half] @ reference)
        if value > best:
            best, best_at = value, lag
    return best_at
