"""Every MSCardio and HeartScan recording: the published rate (or null) and one plot each to check by eye."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from openscg.analyze import plot_analysis
from openscg.recordings import load_recording

from .runs import run_offline


def recording_files(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "mscardio").glob("*.csv.gz")) + sorted((data_dir / "heartscan").glob("*.json"))


def devices(data_dir: Path) -> dict[str, str]:
    index = data_dir / "mscardio" / "index.json"
    if not index.exists():
        return {}
    return {
        f"{e['subject']}_{e['recording']}": f"{e['device']} ({e['platform']})" for e in json.loads(index.read_text())
    }


def evaluate_recordings(data_dir: Path, out_dir: Path) -> list[dict]:
    """Analyse and plot each recording; one row per recording."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = devices(data_dir)
    rows = []
    for path in recording_files(data_dir):
        rec = load_recording(path)
        result, cpu_s = run_offline(rec.t_ms, rec.accel_ms2)
        stem = path.name.split(".")[0]
        plot_analysis(rec.t_ms, rec.accel_ms2, result, out_dir / f"{stem}.png", title=path.name)
        bpm = [v for _, v in result["heartRateSeries"] if v is not None]
        rows.append(
            {
                "recording": stem,
                "device": names.get(stem, "HeartScan (100 Hz, z only)"),
                "fs_hz": result["samplingRateHz"],
                "duration_s": result["durationS"],
                "heart_rate_bpm": result["heartRateBpm"],
                "coverage": result["coverage"],
                "bpm_p5_p95": (float(np.percentile(bpm, 5)), float(np.percentile(bpm, 95))) if bpm else None,
                "respiratory_rate_bpm": result["respiratoryRateBpm"],
                "rmssd_ms": result["hrv"]["rmssdMs"] if result["hrv"] else None,
                "cpu_ms": 1000.0 * cpu_s,
            }
        )
    return rows
