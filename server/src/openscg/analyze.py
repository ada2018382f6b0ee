"""`openscg analyze FILE [--plot out.png]`: heart rate, beats, quality, HRV and breathing of a recording file.

Prints the analysis as JSON — the shape of `GET /api/v1/sessions/{id}/analysis` without `sessionId` — and a
one-line summary on stderr. Reads every OpenSCG document version and the MSCardio CSV (`.csv`, `.csv.gz`).
NumPy, SciPy and matplotlib are imported only when the verb runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="recording: OpenSCG JSON (any version) or MSCardio .csv/.csv.gz")
    parser.add_argument("--plot", type=Path, metavar="PNG", help="also draw signal, beats, heart rate and quality")
    parser.add_argument("--indent", type=int, default=None, help="indent the JSON output (default: compact)")


def run(args: argparse.Namespace) -> int:
    from openscg.analysis import analyze_recording
    from openscg.recordings import load_recording

    try:
        recording = load_recording(args.file)
    except (OSError, ValueError) as exc:
        print(f"openscg analyze: {exc}", file=sys.stderr)
        return 2
    result = analyze_recording(recording.t_ms, recording.accel_ms2)
    print(json.dumps(result, indent=args.indent, allow_nan=False))
    print(summary(result), file=sys.stderr)
    if args.plot:
        plot_analysis(recording.t_ms, recording.accel_ms2, result, args.plot, title=args.file.name)
        print(f"plot written to {args.plot}", file=sys.stderr)
    return 0


def summary(result: dict[str, Any]) -> str:
    """One line a person can read: rate, coverage, breathing, HRV."""
    rate = result["heartRateBpm"]
    parts = [
        f"{result['durationS']:.1f} s at {result['samplingRateHz']:.1f} Hz",
        f"heart rate {rate:.1f} bpm" if rate is not None else "heart rate: none (signal does not support one)",
        f"coverage {result['coverage']:.0%}",
        f"{len(result['beats'])} beats",
    ]
    if result["respiratoryRateBpm"] is not None:
        parts.append(f"breathing {result['respiratoryRateBpm']:.1f}/min")
    if result["hrv"]:
        parts.append(f"SDNN {result['hrv']['sdnnMs']:.0f} ms, RMSSD {result['hrv']['rmssdMs']:.0f} ms")
    return "; ".join(parts)


def plot_analysis(t_ms, accel_ms2, result: dict[str, Any], out_png: Path, title: str = "") -> None:
    """Signal with beat markers (whole and a 15-s zoom), heart rate, quality (coloured by reason), average beat."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from openscg.analysis.scg_clean import prepare_scg

    prep = prepare_scg(t_ms, accel_ms2)
    t0 = float(t_ms[0]) if len(t_ms) else 0.0
    fig = plt.figure(figsize=(14, 10))
    grid = fig.add_gridspec(4, 3, height_ratios=[2, 2, 1, 1])
    ax_all, ax_zoom = fig.add_subplot(grid[0, :]), fig.add_subplot(grid[1, :2])
    ax_avg, ax_hr, ax_q = fig.add_subplot(grid[1, 2]), fig.add_subplot(grid[2, :]), fig.add_subplot(grid[3, :])
    beats_s = (np.asarray(result["beats"], dtype=float) - t0) / 1000.0
    if prep is not None:
        t_s = (prep.t_ms - t0) / 1000.0
        zoom_lo = min(30.0, max(0.0, float(t_s[-1]) - 15.0))
        for ax, (lo, hi) in ((ax_all, (t_s[0], t_s[-1])), (ax_zoom, (zoom_lo, zoom_lo + 15.0))):
            inside = (t_s >= lo) & (t_s <= hi)
            ax.plot(t_s[inside], prep.scg_ms2[inside], lw=0.6, color="tab:blue")
            marks = beats_s[(beats_s >= lo) & (beats_s <= hi)]
            ax.plot(marks, np.interp(marks, t_s, prep.scg_ms2), "v", color="tab:red", ms=4)
            ax.set_ylabel("SCG (m/s²)")
            calm = np.abs(prep.scg_ms2[prep.usable]) if np.any(prep.usable) else np.abs(prep.scg_ms2)
            limit = 1.5 * float(np.percentile(calm, 99.5)) if calm.size else 1.0
            ax.set_ylim(-limit, limit)  # handling the phone would otherwise flatten the heartbeat to a line
    average = result["averageBeat"]
    if average:
        mean, std = np.asarray(average["mean"]), np.asarray(average["std"])
        ax_avg.fill_between(average["tMs"], mean - std, mean + std, alpha=0.3)
        ax_avg.plot(average["tMs"], mean)
    ax_avg.set_title("average beat (ms)", fontsize=9)
    plot_series(ax_hr, ax_q, result, t0)
    ax_all.set_title(f"{title}  heart rate {result['heartRateBpm']} bpm, coverage {result['coverage']:.0%}")
    fig.tight_layout()
    fig.savefig(out_png, dpi=80)
    plt.close(fig)


def plot_series(ax_hr, ax_q, result: dict[str, Any], t0: float) -> None:
    """Per-second heart rate and quality; quality dots coloured by reason."""
    import numpy as np

    colours = {"ok": "tab:green", "motion": "tab:orange", "no_heartbeat": "tab:red", "too_short": "tab:gray"}
    series = result["heartRateSeries"]
    if series:
        t_s = (np.array([t for t, _ in series]) - t0) / 1000.0
        ax_hr.plot(t_s, [np.nan if v is None else v for _, v in series], ".-", ms=3)
        for reason, colour in colours.items():
            pts = [(t, q) for t, q, r in result["qualitySeries"] if r == reason]
            if pts:
                ax_q.plot((np.array(pts)[:, 0] - t0) / 1000.0, np.array(pts)[:, 1], ".", color=colour, label=reason)
        ax_q.legend(loc="lower right", fontsize=7, ncol=4)
    ax_hr.set_ylabel("bpm")
    ax_q.set_ylabel("quality")
    ax_q.set_ylim(-0.05, 1.05)
    ax_q.set_xlabel("time (s)")
