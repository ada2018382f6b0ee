"""Sections of the report played on one server: the phones × viewers sweep and the point with analysis on."""

from __future__ import annotations

import argparse
from pathlib import Path

from load.report import STREAM_COLUMNS, table
from load.runs import TRANSPORT, stream_points


def sweep(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    points = stream_points(args, folder, args.sweep, TRANSPORT, "")
    text = "\n".join(
        [
            "## Phones × viewers (storage on, every ack durable, live analysis off)",
            "",
            table(points, STREAM_COLUMNS),
            "",
            "Targets (one core): 500×2 at reach 1.0 and p99 ≤ 25 ms; ≥ 30k deliveries/s per core; ≤ 40 KiB per "
            "connection. A point whose server CPU is near 100 % or whose reach is below 1 is past saturation.",
        ]
    )
    return text, all(runs for _, runs in points)


def analysis(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    points = stream_points(args, folder, args.analysis, {"OPENSCG_ANALYSIS_INTERVAL_S": "1"}, " +analysis")
    text = "\n".join(
        [
            "## With live analysis (OPENSCG_ANALYSIS_INTERVAL_S=1: analysis of every session once a second)",
            "",
            table(points, STREAM_COLUMNS),
        ]
    )
    return text, all(runs for _, runs in points)
