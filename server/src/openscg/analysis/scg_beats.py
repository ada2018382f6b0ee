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
from scipy import signal

from openscg.analysis.scg_clean import envelope
from openscg.analysis.scg_rate import estimate_period_s, parabolic_offset

MIN_SCORE = 0.2  #: whole-template normalised correlation below which a candidate is not a beat
GOOD_FIT = 0.5  #: a previous template matching this well is kept (rebuilt) rather than learned afresh
RELATIVE_MIN_SCORE = 0.7  #: …nor below this fraction of the block's median beat correlation
LANCZOS_A = 3
FIDUCIAL_SMOOTH_S = 0.05
FINE_OFFSETS = np.linspace(-1.0, 1.0, 81)


@dataclass(frozen=True)
class BeatModel:
    """What a block of signal teaches about its beats: period, periodicity (0–1) and the ensemble template
    with the index of its fiducial point."""

    period_s: float
    periodicity: float
    template: np.ndarray
    fid: int  #: sample of the template placed on the beat when matching
    fid_offset: float = 0.0  #: the fiducial peak lies this many samples (sub-sample) after `fid`


@dataclass
class BeatTrack:
    """Beats of one signal: fractional sample positions and their template correlation (−1…1)."""

    positions: np.ndarray = field(default_factory=lambda: np.zeros(0))
    scores: np.ndarray = field(default_factory=lambda: np.zeros(0))
    model: BeatModel | None = None
    periodicity: float = 0.0


def template_span(period_s: float, fs_hz: float) -> tuple[int, int]:
    """Samples before and after the fiducial covered by the template: about one beat, both complexes, and
    far enough back to see a systolic complex if the fiducial first landed on a diastolic one."""
    pre_s = float(np.clip(0.45 * period_s, 0.12, 0.5))
    post_s = float(np.clip(0.6 * period_s, 0.25, 0.5))
    return round(pre_s * fs_hz), round(post_s * fs_hz)


def segments(x: np.ndarray, centres: np.ndarray, pre: int, post: int) -> np.ndarray:
    """Rows x[c-pre : c+post] for each integer centre that fits entirely inside x."""
    centres = centres[(centres >= pre) & (centres + post <= x.size)]
    if centres.size == 0:
        return np.zeros((0, pre + post))
    return x[centres[:, None] + np.arange(-pre, post)[None, :]]


def match_template(x: np.ndarray, template: np.ndarray, pre: int) -> tuple[np.ndarray, np.ndarray]:
    """Cross-correlation c[i] of x with `template` placed with its fiducial at sample i (via FFT), and the
    normalised correlation (Pearson-like, −1…1) at each i. Near the ends, where the template sticks out, x is
    taken as zero, so a beat just before the end still matches with the part of the template that fits."""
    n, length = x.size, template.size
    raw = np.zeros(n)
    score = np.zeros(n)
    if n < 2:
        return raw, score
    tpl = template - template.mean()
    post = length - pre
    padded = np.concatenate([np.zeros(pre), x, np.zeros(post)])
    nfft = 1 << int(np.ceil(np.log2(padded.size + length)))
    c = np.fft.irfft(np.fft.rfft(padded, nfft) * np.conj(np.fft.rfft(tpl, nfft)), nfft)[: n + 1]
    cumulative = np.concatenate(([0.0], np.cumsum(padded * padded)))
    seg_energy = cumulative[length : length + n] - cumulative[:n]
    raw[:] = c[:n]
    score[:] = raw / np.sqrt(seg_energy * float(tpl @ tpl) + 1e-30)
    return raw, score


def pick_beats(score: np.ndarray, fs_hz: float, period_s: float, usable: np.ndarray) -> np.ndarray:
    """Integer positions of beats: local maxima of the matched-filter score above MIN_SCORE, greedily kept from
    the highest down with at least 0.6 period between beats (SciPy `find_peaks` with `distance`)."""
    distance = max(1, int(0.6 * period_s * fs_hz))
    peaks, _ = signal.find_peaks(np.where(usable, score, 0.0), height=MIN_SCORE, distance=distance)
    return peaks


def refine_positions(x: np.ndarray, peaks: np.ndarray) -> np.ndarray:
    """Fractional positions of the maxima of x near integer `peaks`, by Lanczos-3 (windowed-sinc)
    interpolation on a 1/40-sample grid: parabolic fits are biased when a 20 Hz complex spans 3–5 samples."""
    k = np.arange(-LANCZOS_A, LANCZOS_A + 1)
    inside = (peaks >= LANCZOS_A) & (peaks + LANCZOS_A < x.size)
    positions = peaks.astype(float)
    if not np.any(inside):
        return positions
    weights = np.sinc(FINE_OFFSETS[:, None] - k[None, :]) * np.sinc((FINE_OFFSETS[:, None] - k[None, :]) / LANCZOS_A)
    local = x[peaks[inside][:, None] + k[None, :]]
    fine = local @ weights.T
    positions[inside] += FINE_OFFSETS[np.argmax(fine, axis=1)]
    return positions


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


def find_beats(x: np.ndarray, fs_hz: float, usable: np.ndarray, model: BeatModel) -> BeatTrack:
    """Beats of `x` matching `model`: matched filter, refractory peak picking, removal of diastolic
    complexes if the beats alternate systolic/diastolic (`undouble`), sub-sample refinement. Each
    beat's score is the correlation of its systolic complex with the template's (−0.1…+0.15 s around the
    fiducial), where the beat's energy is — over the whole template, noise in the quiet diastole would
    dominate. Candidates scoring far below the block's typical beat (a stray complex at an edge) are dropped."""
    raw, score = match_template(x, model.template, model.fid)
    peaks = pick_beats(score, fs_hz, model.period_s, usable)
    peaks = peaks[peaks >= model.fid]  # at the very start, a lone diastolic complex could pass for a beat
    undoubled = undouble(peaks, fs_hz)
    if undoubled is not None:
        peaks, period_s = undoubled
        model = replace(model, period_s=period_s)
    local = local_scores(x, peaks, model, fs_hz)
    if peaks.size:
        keep = local >= RELATIVE_MIN_SCORE * float(np.median(local))
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
    scg_ms2: np.ndarray, fs_hz: float, usable: np.ndarray | None = None, previous: BeatModel | None = None
) -> BeatTrack:
    """Beats in a band-passed SCG (m/s², `fs_hz`); `usable` masks gaps and motion; `previous` is the model of
    the preceding block, if any, and is used as it is when this block alone does not yield one. Empty track
    when no beat period stands out and there is no previous model."""
    usable = np.ones(scg_ms2.size, dtype=bool) if usable is None else usable
    x = np.where(usable, scg_ms2, 0.0)
    model, periodicity = learn_model(x, fs_hz, usable, previous)
    if model is None and previous is not None:
        model = replace(previous, periodicity=periodicity)  # keep following the beat we know
    if model is None:
        return BeatTrack(periodicity=periodicity)
    return find_beats(x, fs_hz, usable, model)
