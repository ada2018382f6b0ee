"""Every MSCardio and HeartScan recording: the published rate (or null) and one plot each to check by eye."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from openscg.analysis.scg_clean import prepare_scg
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


def plot_recording(path: Path, rec, result: dict, out_png: Path) -> None:
    """Signal (whole and a 15-s zoom) with beats, the per-second heart rate and quality."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    prep = prepare_scg(rec.t_ms, rec.accel_ms2)
    t0 = rec.t_ms[0]
    fig, axes = plt.subplots(4, 1, figsize=(14, 9), gridspec_kw={"height_ratios": [2, 2, 1, 1]})
    beats_s = (np.asarray(result["beats"]) - t0) / 1000.0
    if prep is not None:
        t_s = (prep.t_ms - t0) / 1000.0
        zoom_lo = min(30.0, max(0.0, t_s[-1] - 15.0))
        for ax, (lo, hi) in zip(axes[:2], [(t_s[0], t_s[-1]), (zoom_lo, zoom_lo + 15.0)], strict=True):
            m = (t_s >= lo) & (t_s <= hi)
            ax.plot(t_s[m], prep.scg_ms2[m], lw=0.6)
            b = beats_s[(beats_s >= lo) & (beats_s <= hi)]
            ax.plot(b, np.interp(b, t_s, prep.scg_ms2), "rv", ms=4)
            ax.set_ylabel("SCG m/s²")
    hr = np.array([[t, np.nan if v is None else v] for t, v in result["heartRateSeries"]], dtype=float)
    q = np.array([[t, v] for t, v, _ in result["qualitySeries"]], dtype=float)
    if hr.size:
        axes[2].plot((hr[:, 0] - t0) / 1000.0, hr[:, 1], ".-")
        axes[3].plot((q[:, 0] - t0) / 1000.0, q[:, 1], ".-")
    axes[2].set_ylabel("bpm")
    axes[3].set_ylabel("quality")
    axes[3].set_ylim(0, 1.05)
    axes[3].set_xlabel("s")
    axes[0].set_title(f"{path.name}: {result['heartRateBpm']} bpm, coverage {result['coverage']:.2f}")
    fig.tight_layout()
    fig.savefig(out_png, dpi=70)
    plt.close(fig)


def evaluate_recordings(data_dir: Path, out_dir: Path) -> list[dict]:
    """Analyse and plot each recording; one row per recording."""
    out_dir.mkdir(parents=True, exist_ok=True)
    names = devices(data_dir)
    rows = []
    for path in recording_files(data_dir):
        rec = load_recording(path)
        result, cpu_s = run_offline(rec.t_ms, rec.accel_ms2)
        stem = path.name.split(".")[0]
        plot_recording(path, rec, result, out_dir / f"{stem}.png")
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
