"""A synthetic seismocardiogram, as a phone lying flat on the chest of a supine adult would record it.

Used by `openscg simulate --synthetic` (a demo without a recording) and by tests that need a signal whose
beats are known. Pure NumPy, no I/O.

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
"""

from __future__ import annotations

import numpy as np

GRAVITY_MS2 = 9.81
PEP_MS = 60.0  # pre-ejection period, R peak → AO
AXIS_GAIN = np.array([0.4, 0.6, 1.0])  # x, y, z share of the SCG
AXIS_PHASE_RAD = np.array([1.2, 0.6, 0.0])


def _beat_times_s(
    duration_s: float, heart_rate_bpm: float, hrv_ms: float, respiration_bpm: float, rng: np.random.Generator
) -> np.ndarray:
    """R-peak times (s) covering [0, duration_s + 2 s): mean RR from the rate, RSA of 3 % and random HRV."""
    rr_mean_s = 60.0 / heart_rate_bpm
    resp_hz = respiration_bpm / 60.0
    times = [float(rng.uniform(0.0, rr_mean_s))]
    while times[-1] < duration_s + 2.0:
        rsa_s = 0.03 * rr_mean_s * np.sin(2 * np.pi * resp_hz * times[-1])
        rr_s = rr_mean_s + rsa_s + rng.normal(0.0, hrv_ms / 1000.0)
        times.append(times[-1] + float(np.clip(rr_s, 0.3, 2.0)))
    return np.asarray(times)


def _gabor(t_s: np.ndarray, centre_s: float, sigma_s: float, freq_hz: float, phase: np.ndarray) -> np.ndarray:
    """Gabor atoms on each axis: shape (len(t_s), 3), unit peak amplitude."""
    dt = (t_s - centre_s)[:, None]
    return np.exp(-0.5 * (dt / sigma_s) ** 2) * np.cos(2 * np.pi * freq_hz * dt + phase[None, :])


def synthesize_scg(
    duration_s: float,
    heart_rate_bpm: float,
    fs_hz: float = 100.0,
    *,
    seed: int = 0,
    hrv_ms: float = 25.0,
    noise_ms2: float = 0.02,
    respiration_bpm: float = 15.0,
    ao_amplitude_ms2: float = 0.3,
    tilt_deg: float = 2.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Synthesize `duration_s` of tri-axial SCG sampled at `fs_hz`.

    `hrv_ms`: standard deviation of the random part of the RR interval; `noise_ms2`: white sensor noise (m/s²,
    per axis); `respiration_bpm`: breaths per minute; `ao_amplitude_ms2`: peak of the AO complex on z;
    `tilt_deg`: chest-wall tilt per breath. Returns `t_ms` (n,) from 0, `accel_ms2` (n, 3) x/y/z including
    gravity, and `beat_t_ms` — the AO time of every beat inside the recording (what a beat detector should
    find).
    """
    if duration_s <= 0 or fs_hz <= 0 or not 20 <= heart_rate_bpm <= 240:
        raise ValueError("duration_s and fs_hz must be positive and heart_rate_bpm within 20-240")
    rng = np.random.default_rng(seed)
    n = round(duration_s * fs_hz)
    t_s = np.arange(n) / fs_hz
    resp_phase = 2 * np.pi * respiration_bpm / 60.0 * t_s + rng.uniform(0, 2 * np.pi)
    ao_s = _beat_times_s(duration_s, heart_rate_bpm, hrv_ms, respiration_bpm, rng) + PEP_MS / 1000.0
    lvet_s = max(0.2, (413.0 - 1.7 * heart_rate_bpm) / 1000.0)
    scg = np.zeros((n, 3))
    for ao in ao_s:
        window = (t_s > ao - 0.3) & (t_s < ao + lvet_s + 0.3)
        if not window.any():
            continue
        beat_gain = 1.0 + 0.1 * rng.normal()
        local = t_s[window]
        systolic = _gabor(local, ao, 0.018, 18.0, AXIS_PHASE_RAD)
        diastolic = 0.4 * _gabor(local, ao + lvet_s, 0.014, 24.0, AXIS_PHASE_RAD + 0.8)
        scg[window] += beat_gain * (systolic + diastolic)
    scg *= ao_amplitude_ms2 * AXIS_GAIN[None, :] * (1.0 + 0.15 * np.sin(resp_phase))[:, None]
    tilt_rad = np.deg2rad(tilt_deg) * np.sin(resp_phase)
    gravity = GRAVITY_MS2 * np.column_stack([np.zeros(n), np.sin(tilt_rad), np.cos(tilt_rad)])
    accel = gravity + scg + rng.normal(0.0, noise_ms2, size=(n, 3))
    t_ms = np.arange(n) * (1000.0 / fs_hz)  # exact multiples of the sampling period
    beat_t_ms = ao_s[(ao_s >= 0) & (ao_s < n / fs_hz)] * 1000.0
    return t_ms, accel, beat_t_ms
