"""One time per heartbeat, at the aortic-opening complex, refined below the sample interval.

Method: (1) beat period from the envelope autocorrelation with harmonic support (scg_rate); (2) a first
template = median of the segments around envelope peaks spaced by at least 0.7 period; (3) normalised
cross-correlation of the signal with the whole-beat template (a matched filter) and peak picking with a
refractory distance of 0.6 period, so the diastolic complex, which does not match the whole-beat template, is not
a beat — and if the picked beats still alternate systolic/diastolic, the diastolic ones are dropped and the
period doubled; (4) the template is rebuilt from these beats, its fiducial is the energy peak of the systolic
complex (moved there if it first landed on the diastolic one) and is carried from block to block; (5) each beat
time is refined by band-limited (Lanczos) interpolation of the cross-correlation. Ensemble-template matching as
in Centracchio et al., Sensors 2023 ("AutoTempMatch"), with the period estimated first as advised for SCG by
Brüser et al., IEEE TBME 2011.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from openscg.analysis.scg_match import match_template, pick_beats, refine_positions, segments
from openscg.analysis.scg_template import BeatModel, learn_model, undouble

RELATIVE_MIN_SCORE = 0.7  #: a beat must correlate at least this fraction of the block's median beat
#: next to motion (outside `calm`) a beat must correlate like a clean beat (0.85–0.97), not merely pass
NEAR_MOTION_MIN_SCORE = 0.85


@dataclass
class BeatTrack:
    """Beats of one signal: fractional sample positions and their template correlation (−1…1)."""

    positions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model: BeatModel | None = None
    periodicity: float = 0.0


def find_beats(
    x: np.ndarray, fs_hz: float, usable: np.ndarray, model: BeatModel, calm: np.ndarray | None = None
) -> BeatTrack:
    """Beats of `x` matching `model`: matched filter, refractory peak picking, removal of diastolic
    complexes if the beats alternate systolic/diastolic (`undouble`), sub-sample refinement. Each
    beat's score is the correlation of its systolic complex with the template's (−0.1…+0.15 s around the
    fiducial), where the beat's energy is — over the whole template, noise in the quiet diastole would
    dominate. Candidates scoring far below the block's typical beat (a stray complex at an edge) are dropped;
    outside `calm` (next to motion, where a phone still ringing from being handled can mimic a beat) only
    candidates that correlate as well as clean beats do (NEAR_MOTION_MIN_SCORE) are kept."""
    raw, score = match_template(x, model.template, model.fid)
    peaks = pick_beats(score, fs_hz, model.period_s, usable)
    peaks = peaks[peaks >= model.fid]  # at the very start, a lone diastolic complex could pass for a beat
    undoubled = undouble(peaks, fs_hz)
    if undoubled is not None:
        peaks, period_s = undoubled
        model = replace(model, period_s=period_s)
    local = local_scores(x, peaks, model, fs_hz)
    if peaks.size:
        typical = float(np.median(local))
        keep = local >= RELATIVE_MIN_SCORE * typical
        if calm is not None:
            keep &= calm[peaks] | (local >= NEAR_MOTION_MIN_SCORE)
        peaks, local = peaks[keep], local[keep]
    positions = refine_positions(raw, peaks) + model.fid_offset
    return BeatTrack(positions, local, model, model.periodicity)


def local_scores(x: np.ndarray, peaks: np.ndarray, model: BeatModel, fs_hz: float) -> np.ndarray:
    """Correlation (−1…1) of x with the template over −0.1…+0.15 s around each beat's fiducial."""
    lo = min(model.fid, round(0.1 * fs_hz))
    hi = min(model.template.size - model.fid, round(0.15 * fs_hz))
    part = model.template[model.fid - lo : model.fid + hi]
    part = part - part.mean()
    rows = segments(x, peaks, lo, hi)
    scores = np.zeros(peaks.size)
    fits = (peaks >= lo) & (peaks + hi <= x.size)
    if rows.shape[0]:
        norms = np.sqrt((rows * rows).sum(axis=1) * float(part @ part)) + 1e-30
        scores[fits] = rows @ part / norms
    return scores


def detect_beats(
    scg_ms2: np.ndarray,
    fs_hz: float,
    usable: np.ndarray | None = None,
    previous: BeatModel | None = None,
    calm: np.ndarray | None = None,
) -> BeatTrack:
    """Beats in a band-passed SCG (m/s², `fs_hz`); `usable` masks gaps and motion (beats are searched there);
    `calm` (within `usable`; default: all of it) is where the period and template are learned — away from
    motion, so that a phone still ringing from being handled does not shape the template; `previous` is the
    model of the preceding block, if any, and is used as it is when this block alone does not yield one.
    Empty track when no beat period stands out and there is no previous model."""
    usable = np.ones(scg_ms2.size, dtype=bool) if usable is None else usable
    calm = usable if calm is None else calm & usable
    model, periodicity = learn_model(np.where(calm, scg_ms2, 0.0), fs_hz, calm, previous)
    if model is None and previous is not None:
        model = replace(previous, periodicity=periodicity)  # keep following the beat we know
    if model is None:
        return BeatTrack(periodicity=periodicity)
    return find_beats(np.where(usable, scg_ms2, 0.0), fs_hz, usable, model, calm)
