"""A synthetic seismocardiogram, as a phone lying flat on the chest of a supine adult would record it.

Used by `openscg simulate --synthetic` (a demo without a recording) and by the tests — the analysis property
tests among them — that need a signal whose beats are known. Pure NumPy, no I/O.

Model (one beat = two complexes on a breathing, tilting phone):
- Beat times follow a mean RR interval of 60/heart_rate_bpm s, modulated by respiratory sinus arrhythmia
  and by Gaussian beat-to-beat variability, in the spirit of the ECG dynamical model of McSharry et al.,
  "A dynamical model for generating synthetic electrocardiogram signals", IEEE Trans. Biomed. Eng.
  50(3):289-294, 2003.
- Each complex is a Gaussian-windowed sinusoid (a Gabor atom) in the 5-30 Hz band where SCG energy lies.
  The systolic complex peaks at aortic valve opening (AO), one pre-ejection period after the R peak; the
  weaker diastolic complex peaks at aortic valve closure (AC), one left-ventricular ejection time later,
  with LVET_ms = 413 - 1.7 * heart_rate_bpm (Weissler et al., Circulation 37:149-159, 1968). Fiducial
  timing and the AO-dominant morphology follow Sørensen et al., "Definition of fiducial points in the
  normal seismocardiogram", Sci. Rep. 8:15455, 2018, and Taebi et al., "Recent advances in
  seismocardiography", Vibration 2(1):64-86, 2019.
- The dorso-ventral axis (z, the one the phone lies on) carries the strongest SCG; head-to-foot (y) and
  lateral (x) carry weaker, phase-shifted copies. Gravity (9.81 m/s²) sits on z and is rotated towards y
  by the chest wall tilting with each breath; breathing also modulates the SCG amplitude by about ±15 %.
- Options for testing an analysis: an irregular rhythm, jittered sampling, a gap, sensor noise, any rate
  (50–400 Hz and beyond), the phone turned (gravity along another axis) or the beat along one chosen axis.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

GRAVITY_MS2 = 9.81
PEP_MS = 60.0  # pre-ejection period, R peak → AO
AXIS_GAIN = np.array([0.4, 0.6, 1.0])  # x, y, z share of the SCG
AXIS_PHASE_RAD = np.array([1.2, 0.6, 0.0])
#: the complexes: frequency and width of each Gabor atom; below 21 Hz, so 50-Hz sampling still resolves them
AO_HZ, AO_SIGMA_S = 17.0, 0.02
AC_HZ, AC_SIGMA_S = 13.0, 0.025


class SyntheticScg(NamedTuple):
    """Samples and the truth: unpacks as `t_ms, accel_ms2, beat_t_ms = synthesize_scg(...)`."""

    t_ms: np.ndarray  #: sample times (ms, from 0)
    accel_ms2: np.ndarray  #: (n, 3) x/y/z including gravity
    beat_t_ms: np.ndarray  #: AO time of every beat inside the recording (what a beat detector should find)

    @property
    def heart_rate_bpm(self) -> float:
        """Mean rate of the true beats."""
        return 60000.0 / float(np.mean(np.diff(self.beat_t_ms)))


def _beat_times_s(
    duration_s: float,
    heart_rate_bpm: float,
    hrv_ms: float,
    respiration_bpm: float,
    irregularity: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """R-peak times (s) covering [0, duration_s + 2 s): mean RR from the rate, RSA of 3 %, Gaussian HRV, and
    an irregular part uniform within ±`irregularity` of the mean RR (an arrhythmia)."""
    rr_mean_s = 60.0 / heart_rate_bpm
    resp_hz = respiration_bpm / 60.0
    times = [float(rng.uniform(0.0, rr_mean_s))]
    while times[-1] < duration_s + 2.0:
        rsa_s = 0.03 * rr_mean_s * np.sin(2 * np.pi * resp_hz * times[-1])
        rr_s = rr_mean_s + rsa_s + rng.normal(0.0, hrv_ms / 1000.0)
        rr_s += irregularity * rr_mean_s * rng.uniform(-1.0, 1.0)
        times.append(times[-1] + float(np.clip(rr_s, 0.25, 2.0)))
    return np.asarray(times)


def _gabor(t_s: np.ndarray, centre_s: float, sigma_s: float, freq_hz: float, phase: np.ndarray) -> np.ndarray:
    """Gabor atoms on each axis: shape (len(t_s), 3), unit peak amplitude."""
    dt = (t_s - centre_s)[:, None]
    return np.exp(-0.5 * (dt / sigma_s) ** 2) * np.cos(2 * np.pi * freq_hz * dt + phase[None, :])


def sample_times_s(
    duration_s: float, fs_hz: float, jitter: float, gap_s: tuple[float, float] | None, rng: np.random.Generator
) -> np.ndarray:
    """When the phone samples: every 1/fs_hz s exactly, or with intervals jittered by a std of `jitter` of the
    interval; none inside `gap_s` (start, end) in s."""
    n = round(duration_s * fs_hz)
    if jitter > 0:
        t_s = np.cumsum(np.clip(1.0 + jitter * rng.standard_normal(n), 0.3, None)) / fs_hz
        t_s = t_s[t_s < duration_s]
    else:
        t_s = np.arange(n) / fs_hz
    if gap_s is not None:
        t_s = t_s[(t_s < gap_s[0]) | (t_s >= gap_s[1])]
    return t_s


def turn_z_to(axis) -> np.ndarray:
    """Rotation matrix taking the device z axis to the unit vector along `axis` (the phone turned)."""
    target = np.asarray(axis, dtype=float) / np.linalg.norm(axis)
    z = np.array([0.0, 0.0, 1.0])
    v, c = np.cross(z, target), float(z @ target)
    if np.linalg.norm(v) < 1e-9:
        return np.eye(3) if c > 0 else np.diag([1.0, -1.0, -1.0])
    k = np.array([[0, -v[2], v[1]], [v[2], 0, -v[0]], [-v[1], v[0], 0]])
    return np.eye(3) + k + k @ k / (1.0 + c)


def synthesize_scg(
    duration_s: float,
    heart_rate_bpm: float,
    fs_hz: float = 100.0,
    *,
    seed: int = 0,
    hrv_ms: float = 25.0,
    irregularity: float = 0.0,
    noise_ms2: float = 0.02,
    respiration_bpm: float = 15.0,
    ao_amplitude_ms2: float = 0.3,
    diastolic: float = 0.4,
    tilt_deg: float = 2.0,
    jitter: float = 0.0,
    gap_s: tuple[float, float] | None = None,
    gravity_axis=(0.0, 0.0, 1.0),
    heart_axis=None,
) -> SyntheticScg:
    """Synthesize `duration_s` of tri-axial SCG sampled at `fs_hz`.

    `hrv_ms`: standard deviation of the random part of the RR interval; `irregularity`: an extra part uniform
    within ± that fraction of the RR interval; `noise_ms2`: white sensor noise (m/s², per axis, at `fs_hz`);
    `respiration_bpm`: breaths per minute; `ao_amplitude_ms2`: peak of the AO complex on z; `diastolic`: the AC
    complex's size relative to AO; `tilt_deg`: chest-wall tilt per breath; `jitter`, `gap_s`: irregular
    sampling (`sample_times_s`); `gravity_axis`: where gravity points in device coordinates (the phone turned
    so its z axis goes there); `heart_axis`: if given, the whole beat vibrates along this one device direction.
    """
    if duration_s <= 0 or fs_hz <= 0 or not 20 <= heart_rate_bpm <= 240:
        raise ValueError("duration_s and fs_hz must be positive and heart_rate_bpm within 20-240")
    rng = np.random.default_rng(seed)
    t_s = sample_times_s(duration_s, fs_hz, jitter, gap_s, rng)
    n = t_s.size
    resp_phase = 2 * np.pi * respiration_bpm / 60.0 * t_s + rng.uniform(0, 2 * np.pi)
    r_s = _beat_times_s(duration_s, heart_rate_bpm, hrv_ms, respiration_bpm, irregularity, rng)
    ao_s = r_s + PEP_MS / 1000.0
    lvet_s = max(0.15, (413.0 - 1.7 * heart_rate_bpm) / 1000.0)
    phase = AXIS_PHASE_RAD if heart_axis is None else np.zeros(3)
    scg = np.zeros((n, 3))
    for ao in ao_s:
        lo, hi = np.searchsorted(t_s, [ao - 0.3, ao + lvet_s + 0.3])
        if hi <= lo:
            continue
        local = t_s[lo:hi]
        systolic = _gabor(local, ao, AO_SIGMA_S, AO_HZ, phase)
        closing = diastolic * _gabor(local, ao + lvet_s, AC_SIGMA_S, AC_HZ, phase + 0.8)
        scg[lo:hi] += (1.0 + 0.1 * rng.normal()) * (systolic + closing)
    gain = AXIS_GAIN if heart_axis is None else np.asarray(heart_axis, dtype=float) / np.linalg.norm(heart_axis)
    scg *= ao_amplitude_ms2 * (1.0 + 0.15 * np.sin(resp_phase))[:, None]
    scg = scg[:, :1] * gain[None, :] if heart_axis is not None else scg * gain[None, :]
    tilt_rad = np.deg2rad(tilt_deg) * np.sin(resp_phase)
    gravity = GRAVITY_MS2 * np.column_stack([np.zeros(n), np.sin(tilt_rad), np.cos(tilt_rad)])
    turn = turn_z_to(gravity_axis)
    accel = gravity @ turn.T + (scg if heart_axis is not None else scg @ turn.T)
    accel += rng.normal(0.0, noise_ms2, size=(n, 3))
    end_s = t_s[-1] + 1.0 / fs_hz if n else 0.0
    beat_t_ms = ao_s[(ao_s >= 0) & (ao_s < end_s)] * 1000.0
    t_ms = t_s * 1000.0 if jitter > 0 else np.arange(n) * (1000.0 / fs_hz)
    if gap_s is not None and jitter <= 0:
        t_ms = np.round(t_s * fs_hz) * (1000.0 / fs_hz)
    return SyntheticScg(t_ms, accel, beat_t_ms)
