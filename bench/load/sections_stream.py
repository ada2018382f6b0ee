"""Sections of the report played on one server: the phones × viewers sweep and the point with analysis on."""

from __future__ import annotations

import argparse
from pathlib import Path

from load.report import STREAM_COLUMNS, table
from load.runs import TRANSPORT, stream_points
from load.servers import FLOOR_APP


def sweep(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    points = stream_points(args, folder, args.sweep, TRANSPORT, "")
    text = "\n".join(
        [
            "## Phones × viewers (storage on, every ack durable, live analysis off)",
            "",
            table(points, STREAM_COLUMNS),
            "",
            (
                "Targets (one core): 500×2 at reach 1.0 and p99 ≤ 25 ms; ≥ 30k deliveries/s per core; ≤ 40 KiB per "
                "connection. A point whose server CPU is near 100 % or whose reach is below 1 is past saturation."
            ),
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


def floor(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    """The same points against bench/load/floor_app.py: uvicorn + websockets-sansio relaying, nothing else."""
    plain = stream_points(args, folder, args.floor, {}, " floor", [str(FLOOR_APP)])
    direct = stream_points(args, folder, args.floor, {}, " floor+direct", [str(FLOOR_APP), "--direct"])
    points = [point for pair in zip(plain, direct, strict=True) for point in pair]
    text = "\n".join(
        [
            "## The floor of the stack (bench/load/floor_app.py: no storage, no validation, no hub)",
            "",
            table(points, STREAM_COLUMNS),
            "",
            (
                "The same uvicorn, websockets-sansio, uvloop, GC and GIL settings as `openscg serve`; every batch is "
                "acked and its text forwarded to each viewer. *floor* sends with Starlette's send_text, "
                "*floor+direct* with openscg's DirectWriter as the server does. What the server costs above this "
                "is OpenSCG's own work (storage, validation, hub)."
            ),
        ]
    )
    return text, all(runs for _, runs in points)
