"""Real recordings: an ECG-referenced SCG slice (beats against R-peaks) and a real phone file via the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from openscg.analysis import LiveAnalyzer, analyze_recording
from openscg.cli import main
from tests.analysis.beat_match import beat_f1

DATA = Path(__file__).resolve().parent.parent / "data"

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")


def reference_recording(fs_hz: float = 100.0, rotate: bool = False):
    """The 90-s AutoTempMatch slice as a phone lying flat would give it (gravity on z), optionally tilted."""
    data = np.load(DATA / "autotempmatch_90s_100hz.npz")
    t_ms = np.arange(data["scg"].size) * 1000.0 / float(data["fs_hz"])
    scg_ms2 = data["scg"].astype(float) / 1000.0
    if fs_hz != float(data["fs_hz"]):
        t_new = np.arange(0.0, t_ms[-1], 1000.0 / fs_hz)
        t_ms, scg_ms2 = t_new, np.interp(t_new, t_ms, scg_ms2)
    accel = np.zeros((t_ms.size, 3))
    accel[:, 2] = 9.81 + scg_ms2
    if rotate:
        angle = np.deg2rad(35.0)
        rotation = np.array([[1, 0, 0], [0, np.cos(angle), -np.sin(angle)], [0, np.sin(angle), np.cos(angle)]])
        accel = accel @ rotation.T
    return t_ms, accel, data["rpeaks_ms"]


@pytest.mark.parametrize(("fs_hz", "rotate"), [(100.0, False), (60.0, False), (100.0, True)])
def test_beats_match_ecg_r_peaks(fs_hz, rotate):
    t_ms, accel, rpeaks_ms = reference_recording(fs_hz, rotate)
    result = analyze_recording(t_ms, accel)
    assert beat_f1(result["beats"], rpeaks_ms, tolerance_ms=50.0) >= 0.99
    true_bpm = 60000.0 / np.mean(np.diff(rpeaks_ms))
    assert abs(result["heartRateBpm"] - true_bpm) < 1.0
    assert result["coverage"] >= 0.95
    assert result["hrv"] is not None  # 90 s of good signal


def test_live_and_offline_agree_on_real_data():
    t_ms, accel, _ = reference_recording()
    offline = analyze_recording(t_ms, accel)
    live = LiveAnalyzer()
    live_beats, live_rates = [], {}
    for start in range(0, t_ms.size, 10):  # 100-ms batches, a step every second
        live.push(t_ms[start : start + 10], accel[start : start + 10])
        if start % 100 == 90:
            message = live.step()
            if message is not None:
                live_beats += message["beats"]
                live_rates[round(message["tMs"] / 1000.0)] = message["heartRateBpm"]
    assert beat_f1(live_beats, np.asarray(offline["beats"]), tolerance_ms=20.0) >= 0.97
    pairs = [
        (bpm, live_rates.get(round(t / 1000.0)))
        for t, bpm in offline["heartRateSeries"]
        if bpm is not None and live_rates.get(round(t / 1000.0))
    ]
    assert len(pairs) >= 0.8 * len(offline["heartRateSeries"])
    assert np.median([abs(a - b) for a, b in pairs]) < 1.0


def test_analyze_command_prints_the_analysis_and_draws(tmp_path, capsys):
    png = tmp_path / "out.png"
    assert main(["analyze", str(DATA / "heartscan_measurement_3.json"), "--plot", str(png)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 60.0 <= result["heartRateBpm"] <= 90.0  # beats are plain in this recording (≈74 bpm by eye)
    assert png.stat().st_size > 10_000


def test_analyze_command_reports_unreadable_files(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    assert main(["analyze", str(bad)]) == 2
    assert "bad.json" in capsys.readouterr().err
