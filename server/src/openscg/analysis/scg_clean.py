"""From raw accelerometer axes (with gravity) to one band-passed seismocardiogram.

The heartbeat lives at 5–30 Hz (aortic opening/closing vibrations, Inan et al., IEEE JBHI 2015, "Ballisto-
cardiography and seismocardiography: a review of recent advances"). Gravity and breathing tilt live below 1 Hz.
A band-pass removes both; the three axes are then reduced to one by projecting onto the principal direction of
cardiac-band energy (PCA), which is the dorso-ventral axis when the phone lies flat on the chest but does not
assume the phone's z axis points there.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from openscg.analysis.scg_quality import motion_mask
from openscg.analysis.scg_rate import estimate_period_s
from openscg.analysis.scg_resample import median_rate_hz, resample_uniform

SCG_LOW_HZ = 5.0
SCG_HIGH_HZ = 30.0
#: above this input rate the grid is decimated to about 100 Hz after the band-pass (anti-aliasing)
DECIMATE_ABOVE_HZ = 150.0
#: rate of the slow (gravity, tilt) signal used for breathing and posture changes
SLOW_FS_HZ = 10.0


@dataclass(frozen=True)
class PreparedScg:
    """A recording ready for beat detection: one cardiac-band signal on a uniform grid."""

    t0_ms: float  #: time of sample 0, same clock as the input
    fs_hz: float  #: rate of `scg_ms2`, `valid`
    scg_ms2: np.ndarray  #: band-passed acceleration along the cardiac axis, m/s²
    band_ms2: np.ndarray  #: band-passed acceleration, (n, 3) — or (n, 1) along `axis` when it was given — m/s²
    valid: np.ndarray  #: False inside gaps in the input
    slow_ms2: np.ndarray  #: (m, 3) acceleration with gravity, averaged to SLOW_FS_HZ
    axis: np.ndarray  #: unit vector of the projection (device coordinates)
    moving: np.ndarray  #: True where the phone moved (scg_quality.motion_mask): no beats are searched there
    near_motion: np.ndarray  #: `moving` widened by 0.5 s each side: windows are judged by this

    @property
    def t_ms(self) -> np.ndarray:
        """Grid time of each sample in ms."""
        return self.t0_ms + np.arange(self.scg_ms2.size) * (1000.0 / self.fs_hz)

    @property
    def usable(self) -> np.ndarray:
        """Samples to look for beats in: recorded (not in a gap) and not in a motion burst."""
        return self.valid & ~self.moving

    @property
    def calm(self) -> np.ndarray:
        """Samples that count as usable signal when a window is judged: recorded and not near motion."""
        return self.valid & ~self.near_motion


def bandpass(signal_ms2: np.ndarray, fs_hz: float, low_hz: float, high_hz: float) -> np.ndarray:
    """Zero-phase band-pass along the last axis with the squared magnitude of a 4th-order Butterworth
    (what forward-backward filtering, SciPy `sosfiltfilt`, applies), done in the frequency domain on a
    reflection-padded copy: zero phase keeps beat times where they are, and one FFT pair costs less than two
    recursive passes. The upper edge is capped at 0.42·fs_hz so that browser rates (50–60 Hz) still work."""
    n = signal_ms2.shape[-1]
    pad = min(n - 1, int(fs_hz))
    if pad < 1:
        return signal_ms2 - signal_ms2.mean(axis=-1, keepdims=True)
    head = 2 * signal_ms2[..., :1] - signal_ms2[..., pad:0:-1]
    tail = 2 * signal_ms2[..., -1:] - signal_ms2[..., -2 : -pad - 2 : -1]
    padded = np.concatenate([head, signal_ms2, tail], axis=-1)
    nfft = 1 << int(np.ceil(np.log2(padded.shape[-1] + 2 * int(fs_hz))))
    gain = bandpass_gain(low_hz, min(high_hz, 0.42 * fs_hz), round(fs_hz, 3), nfft)
    filtered = np.fft.irfft(np.fft.rfft(padded, nfft, axis=-1) * gain, nfft, axis=-1)
    return filtered[..., pad : pad + n]


@lru_cache(maxsize=64)
def bandpass_gain(low_hz: float, high_hz: float, fs_hz: float, nfft: int) -> np.ndarray:
    """|H(f)|² of the Butterworth band-pass on the rfft bins of an `nfft`-point transform."""
    bins_rad = np.linspace(0.0, np.pi, nfft // 2 + 1)
    _, response = signal.sosfreqz(bandpass_sos(low_hz, high_hz, fs_hz), worN=bins_rad)
    return np.abs(response) ** 2


@lru_cache(maxsize=64)
def bandpass_sos(low_hz: float, high_hz: float, fs_hz: float) -> np.ndarray:
    """Second-order sections of the Butterworth band-pass (designed once per rate: design costs more than
    filtering a 20-s window)."""
    return signal.butter(2, [low_hz, high_hz], btype="bandpass", fs=fs_hz, output="sos")


@lru_cache(maxsize=8)
def decimation_fir(factor: int) -> np.ndarray:
    """The anti-aliasing FIR SciPy `resample_poly` designs for down-sampling by `factor` (Kaiser window, β 5),
    designed once per factor instead of at every live step."""
    return signal.firwin(2 * 10 * factor + 1, 1.0 / factor, window=("kaiser", 5.0))


def block_mean(values: np.ndarray, factor: int) -> np.ndarray:
    """Average consecutive blocks of `factor` rows: a cheap anti-aliased decimation for slow signals."""
    n = (values.shape[0] // factor) * factor
    if n == 0:
        return values[:1].astype(float)
    return values[:n].reshape(n // factor, factor, *values.shape[1:]).mean(axis=1)


def cardiac_axis(band_ms2: np.ndarray, gravity_ms2: np.ndarray, use: np.ndarray, fs_hz: float) -> np.ndarray:
    """Unit vector (device coordinates) along which the heartbeat is clearest. Candidates: the first principal
    component of the band-passed axes over the samples in `use` (most cardiac-band energy), the gravity
    direction (dorso-ventral when the phone lies flat) and the three device axes; the winner is the one whose
    envelope is most periodic at a heart rate, so a noisy axis or a motion burst does not win on energy alone.
    The sign points along gravity so beat polarity, and so the fiducial, is the same in every window."""
    x = band_ms2[use] if np.count_nonzero(use) > band_ms2.shape[1] * 10 else band_ms2
    _, vectors = np.linalg.eigh(x.T @ x)
    candidates = [vectors[:, -1]]
    gravity_norm = float(np.linalg.norm(gravity_ms2))
    if gravity_norm > 1.0:
        candidates.append(gravity_ms2 / gravity_norm)
    candidates += list(np.eye(band_ms2.shape[1]))
    best, best_periodicity = candidates[0], -1.0
    for axis in candidates:
        projected = np.where(use, band_ms2 @ axis, 0.0)
        _, periodicity = estimate_period_s(envelope(projected, fs_hz), fs_hz, use)
        if periodicity > best_periodicity + 0.02:
            best, best_periodicity = axis, periodicity
    reference = gravity_ms2 if gravity_norm > 1.0 else np.ones(best.size)
    return -best if float(np.dot(best, reference)) < 0 else best


def prepare_scg(t_ms: np.ndarray, accel_ms2: np.ndarray, axis: np.ndarray | None = None) -> PreparedScg | None:
    """Resample on the timestamps, decimate to ~100 Hz if faster, band-pass 5–30 Hz, project onto the cardiac
    axis (found here, or the given unit `axis`, which saves filtering three axes: band-pass and projection
    commute). Returns None when there are too few samples (< 1 s) to filter."""
    t_ms = np.asarray(t_ms, dtype=float)
    fs_in = median_rate_hz(t_ms)
    if t_ms.size < 2 or fs_in < 20.0 or (t_ms[-1] - t_ms[0]) < 1000.0:
        return None
    grid_t_ms, grid_ms2, valid = resample_uniform(t_ms, np.asarray(accel_ms2, dtype=float), fs_in, 1000.0 / fs_in)
    slow = block_mean(grid_ms2, max(1, round(fs_in / SLOW_FS_HZ)))
    centred = (grid_ms2 - grid_ms2.mean(axis=0)).T
    centred = centred if axis is None else (axis @ centred)[None, :]
    factor = max(1, round(fs_in / 100.0)) if fs_in > DECIMATE_ABOVE_HZ else 1
    if factor > 1:  # polyphase FIR anti-aliasing, zero delay (SciPy `resample_poly`), then filter at ~100 Hz
        centred = signal.resample_poly(centred, 1, factor, axis=-1, window=decimation_fir(factor))
        valid = valid[::factor]
        valid = valid[: centred.shape[-1]]
    fs_hz = fs_in / factor
    band = np.ascontiguousarray(bandpass(centred, fs_hz, SCG_LOW_HZ, SCG_HIGH_HZ).T)
    moving, near_motion = motion_mask(band, fs_hz, slow, fs_in / max(1, round(fs_in / SLOW_FS_HZ)))
    if axis is None:
        axis = cardiac_axis(band, np.median(slow, axis=0), valid & ~near_motion, fs_hz)
        scg_ms2 = band @ axis
    else:
        scg_ms2 = band[:, 0]
    return PreparedScg(float(grid_t_ms[0]), fs_hz, scg_ms2, band, valid, slow, axis, moving, near_motion)


def slow_acceleration(t_ms: np.ndarray, accel_ms2: np.ndarray) -> np.ndarray:
    """Acceleration with gravity averaged to ~SLOW_FS_HZ (m, 3): the posture/breathing signal, cheaply."""
    fs_in = median_rate_hz(t_ms)
    if t_ms.size < 2 or fs_in <= 0:
        return np.zeros((0, 3))
    _, grid_ms2, _ = resample_uniform(t_ms, accel_ms2, fs_in)
    return block_mean(grid_ms2, max(1, round(fs_in / SLOW_FS_HZ)))


def envelope(signal_ms2: np.ndarray, fs_hz: float, smooth_s: float = 0.1) -> np.ndarray:
    """Root-mean-square envelope (moving RMS over `smooth_s`), in m/s²: one smooth bump per heart sound, used to
    find the beat period and rough beat positions (cf. Shannon energy envelopes for heart sounds)."""
    width = max(1, round(smooth_s * fs_hz))
    kernel = np.ones(width) / width
    return np.sqrt(np.convolve(signal_ms2 * signal_ms2, kernel, mode="same"))
