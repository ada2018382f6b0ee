"""The scenarios of bench/load.py by name, and the report's header."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from latency import machine

from load.sections_more import memory, reconnect, redis, stall, storage
from load.sections_stream import analysis, floor, sweep


def header(args: argparse.Namespace, started: datetime) -> str:
    mode = "quick (small versions, 1 repetition)" if args.quick else f"{args.repeats} repetitions per point"
    return "\n".join(
        [
            "# Load (bench/load.py)",
            "",
            f"{started.strftime('%Y-%m-%d %H:%M UTC')} · {machine()}",
            (
                f"Mode: {mode}; {args.duration_s:g} s measured after {args.warmup_s:g} s warm-up per run. Server on "
                "CPU 0, generator on CPU 1 (taskset). Cells: median (min–max over the repetitions). A point is "
                "INVALID when the generator used more than 80 % of its core, and 'busy' when other processes used "
                "more than 5 % of a pinned CPU meanwhile."
            ),
        ]
    )


SECTIONS: dict[str, Callable[[argparse.Namespace, Path], tuple[str, bool]]] = {
    "sweep": sweep,
    "analysis": analysis,
    "memory": memory,
    "stall": stall,
    "reconnect": reconnect,
    "storage": storage,
    "redis": redis,
    "floor": floor,
}
