"""The ECG-referenced recording (AutoTempMatch, 800 Hz SCG + R-peaks) as phones would deliver it.

Each variant re-samples the 800 Hz SCG at the instants a phone would sample it (optionally irregular, with
dropped samples and gaps), adds gravity and optionally noise, motion bursts and a rotation of the phone, all
with fixed seeds so every run measures the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

GRAVITY_MS2 = 9.81
#: the published SCG is in arbitrary units peaking near ±300; phones see about ±0.3 m/s²
SCG_SCALE = 1.0 / 1000.0


@dataclass(frozen=True)
class Reference:
    t_ms: np.ndarray  #: 800 Hz time axis
    scg: np.ndarray  #: SCG scaled to m/s²
    rpeaks_ms: np.ndarray  #: ECG R-peak times


@dataclass(frozen=True)
class Variant:
    name: str
    fs_hz: float
    jitter: float = 0.0  #: std of the sampling interval as a fraction of it
    drop: float = 0.0  #: fraction of samples lost
    gap_every_s: float = 0.0  #: one 1-s gap this often
    noise: float = 0.0  #: white noise std as a fraction of the SCG RMS, on every axis
    motion_every_s: float = 0.0  #: one 2-s motion burst this often
    rotate: bool = False
    seed: int = 0
    notes: str = field(default="")


VARIANTS = [
    Variant("100 Hz", 100.0),
    Variant("60 Hz", 60.0),
    Variant("50 Hz, jitter", 50.0, jitter=0.15, seed=1),
    Variant("60 Hz, jitter, drops, gaps", 60.0, jitter=0.2, drop=0.03, gap_every_s=60.0, seed=2),
    Variant("100 Hz, jitter, drops, gaps", 100.0, jitter=0.2, drop=0.03, gap_every_s=60.0, seed=3),
    Variant("200 Hz, jitter", 200.0, jitter=0.15, seed=4),
    Variant("100 Hz, noise 50 %", 100.0, noise=0.5, seed=5),
    Variant("100 Hz, noise 100 %", 100.0, noise=1.0, seed=6),
    Variant("100 Hz, motion bursts", 100.0, motion_every_s=30.0, seed=7),
    Variant("60 Hz, motion bursts", 60.0, motion_every_s=30.0, seed=10),
    Variant("200 Hz, jitter, motion bursts", 200.0, jitter=0.15, motion_every_s=30.0, seed=11),
    Variant("100 Hz, rotated", 100.0, rotate=True, seed=8),
    Variant("60 Hz, rotated, jitter, noise 50 %", 60.0, jitter=0.15, noise=0.5, rotate=True, seed=9),
]


def load_reference(data_dir: Path) -> Reference:
    data = np.load(data_dir / "autotempmatch" / "scg_ecg_800hz.npz")
    fs_hz = float(data["fs_hz"])
    scg = np.asarray(data["scg"], dtype=float) * SCG_SCALE
    return Reference(np.arange(scg.size) * 1000.0 / fs_hz, scg, np.asarray(data["rpeaks"]) * 1000.0 / fs_hz)


def sample_instants_ms(duration_ms: float, variant: Variant, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """When the phone samples (nominal rate, jittered intervals, dropped samples, 1-s gaps), and the gaps."""
    step_ms = 1000.0 / variant.fs_hz
    n = int(duration_ms / step_ms)
    intervals = step_ms * np.clip(1.0 + variant.jitter * rng.standard_normal(n), 0.2, None)
    t_ms = np.cumsum(intervals)
    t_ms = t_ms[t_ms < duration_ms - step_ms]
    keep = rng.random(t_ms.size) >= variant.drop
    gaps = []
    if variant.gap_every_s:
        for start in np.arange(variant.gap_every_s / 2, duration_ms / 1000.0, variant.gap_every_s) * 1000.0:
            keep &= ~((t_ms >= start) & (t_ms < start + 1000.0))
            gaps.append((start, start + 1000.0))
    return t_ms[keep], gaps


def motion_bursts(t_ms: np.ndarray, every_s: float, rng: np.random.Generator) -> tuple[np.ndarray, list]:
    """2-s bursts of 1–8 Hz shaking (≈1.5 m/s² RMS) on all axes, plus a small lasting tilt."""
    motion = np.zeros((t_ms.size, 3))
    spans = []
    for start_ms in np.arange(every_s / 2, t_ms[-1] / 1000.0 - 2.0, every_s) * 1000.0:
        inside = (t_ms >= start_ms) & (t_ms < start_ms + 2000.0)
        tt = (t_ms[inside] - start_ms) / 1000.0
        for axis in range(3):
            freqs = rng.uniform(1.0, 8.0, 4)
            phases = rng.uniform(0, 2 * np.pi, 4)
            motion[inside, axis] = 1.0 * np.sin(2 * np.pi * freqs[:, None] * tt[None, :] + phases[:, None]).sum(0)
        spans.append((start_ms, start_ms + 2000.0))
    return motion, spans


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation by 20–60° about a random horizontal-ish axis (phone tilted on the chest)."""
    axis = np.array([*rng.normal(size=2), 0.2 * rng.normal()])
    axis /= np.linalg.norm(axis)
    angle = np.deg2rad(rng.uniform(20, 60))
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def make_variant(ref: Reference, variant: Variant) -> tuple[np.ndarray, np.ndarray, list]:
    """(t_ms, accel_ms2 (n, 3), spans without signal: gaps and motion bursts) of the reference recording as
    this phone would record it."""
    rng = np.random.default_rng(variant.seed)
    t_ms, spans = sample_instants_ms(float(ref.t_ms[-1]), variant, rng)
    scg = np.interp(t_ms, ref.t_ms, ref.scg)
    accel = np.zeros((t_ms.size, 3))
    accel[:, 2] = GRAVITY_MS2 + scg
    if variant.noise:
        accel += variant.noise * float(np.std(ref.scg)) * rng.standard_normal(accel.shape)
    if variant.motion_every_s:
        motion, bursts = motion_bursts(t_ms, variant.motion_every_s, rng)
        accel += motion
        spans += bursts
    if variant.rotate:
        accel = accel @ random_rotation(rng).T
    return t_ms, accel, spans
