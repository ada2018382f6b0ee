"""`make bench-accuracy`: how well `openscg.analysis` finds beats and rates, and what live analysis costs.

Reads the reference data from ../shared/data next to the repository (or $OPENSCG_SHARED_DATA), writes
bench/results/accuracy.md and plots under bench/results/, and prints the table. See bench/README-accuracy.md.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "server" / "src"))

from accuracy.cost import live_cost  # noqa: E402
from accuracy.recordings import evaluate_recordings  # noqa: E402
from accuracy.reference import VARIANTS, load_reference, make_variant  # noqa: E402
from accuracy.report import cost_table, recordings_table, reference_table  # noqa: E402
from accuracy.runs import run_live, run_offline  # noqa: E402
from accuracy.scoring import score  # noqa: E402


def evaluate_reference(data_dir: Path) -> list[dict]:
    """Offline and live scores for every degraded variant of the ECG-referenced recording."""
    ref = load_reference(data_dir)
    rows = []
    for variant in VARIANTS:
        t_ms, accel, spans = make_variant(ref, variant)
        result, _ = run_offline(t_ms, accel)
        rows.append(
            {"variant": variant.name, "path": "offline"}
            | score(result["beats"], ref.rpeaks_ms, result["heartRateSeries"], spans)
        )
        beats, series, _ = run_live(t_ms, accel)
        rows.append({"variant": variant.name, "path": "live"} | score(beats, ref.rpeaks_ms, series, spans))
        print(f"  {variant.name}: offline F1 {rows[-2]['f1']:.4f}, live F1 {rows[-1]['f1']:.4f}", file=sys.stderr)
    return rows


def main() -> int:
    data_dir = Path(os.environ.get("OPENSCG_SHARED_DATA", REPO.parent / "shared" / "data"))
    if not (data_dir / "autotempmatch").exists():
        print(f"no reference data in {data_dir} (set OPENSCG_SHARED_DATA)", file=sys.stderr)
        return 2
    out_dir = REPO / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    print("ECG-referenced recording…", file=sys.stderr)
    reference_rows = evaluate_reference(data_dir)
    print("recordings…", file=sys.stderr)
    recording_rows = evaluate_recordings(data_dir, out_dir / "recordings")
    print("live cost…", file=sys.stderr)
    cost_rows = live_cost(load_reference(data_dir))
    report = "\n\n".join(
        [
            "# OpenSCG analysis accuracy",
            "## ECG-referenced recording (AutoTempMatch, 300 s, 286 R-peaks), beats ±50 ms after median delay",
            reference_table(reference_rows),
            "## MSCardio and HeartScan recordings (no reference; plots in recordings/)",
            recordings_table(recording_rows),
            "## Live analysis cost",
            cost_table(cost_rows),
        ]
    )
    (out_dir / "accuracy.md").write_text(report + "\n")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
