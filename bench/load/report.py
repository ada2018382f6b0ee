"""Markdown tables of the load benchmark: each point is repeated; a cell shows the median and, when there are
several repetitions, the spread (min–max)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable
from typing import Any

GENERATOR_LIMIT = 0.80  # a run whose generator used more than this of its core did not measure the server
LAG_LIMIT_MS = 20.0  # the generator sent its batches this late (p99): it could not keep the schedule
BUSY_LIMIT = 0.05  # other processes using more than this of a pinned CPU: not a quiet machine

Getter = Callable[[dict], Any]


def pick(path: str) -> Getter:
    """A getter for 'a.b.0'-style paths into a run's result; NaN when absent."""

    def get(row: dict) -> Any:
        value: Any = row
        for part in path.split("."):
            if isinstance(value, list):
                value = value[int(part)] if int(part) < len(value) else None
            elif isinstance(value, dict):
                value = value.get(part)
            if value is None:
                return math.nan
        return value

    return get


def cell(runs: list[dict], get: Getter, fmt: str, spread: bool = True) -> str:
    values = [v for v in (get(run) for run in runs) if isinstance(v, (int, float)) and not math.isnan(v)]
    if not values:
        return "–"
    middle = fmt.format(statistics.median(values))
    if spread and len(values) > 1 and fmt.format(min(values)) != fmt.format(max(values)):
        return f"{middle} ({fmt.format(min(values))}–{fmt.format(max(values))})"
    return middle


def validity(runs: list[dict]) -> str:
    """'ok', or why the point is not a clean measurement."""
    notes = []
    if any(run.get("generator_cpu", 0.0) > GENERATOR_LIMIT for run in runs):
        notes.append("INVALID: generator > 80 %")
    if any(run.get("generator_lag_p99_ms", 0.0) > LAG_LIMIT_MS for run in runs):
        notes.append("generator late (lag p99 > 20 ms)")
    if any(run.get("measured_s", 1.0) < 0.5 * run.get("duration_s", 0.0) for run in runs):
        notes.append("INVALID: window not measured")
    busy = max((max(run.get("others_cpu", [0.0])) for run in runs), default=0.0)
    if busy > BUSY_LIMIT:
        notes.append(f"busy machine (others {busy:.0%})")
    return "; ".join(notes) or "ok"


def table(points: list[tuple[str, list[dict]]], columns: list[tuple[str, Getter | str, str]]) -> str:
    """One row per point (label, repeated runs); columns are (title, getter or path, format)."""
    lines = ["| point | " + " | ".join(title for title, _, _ in columns) + " | valid |"]
    lines.append("|---|" + "---:|" * len(columns) + "---|")
    for label, runs in points:
        if not runs:
            lines.append(f"| {label} | " + " | ".join("–" for _ in columns) + " | no result |")
            continue
        cells = [cell(runs, pick(g) if isinstance(g, str) else g, fmt) for _, g, fmt in columns]
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {validity(runs)} |")
    return "\n".join(lines)


def per_core(row: dict) -> float:
    cpu = row.get("server_cpu", [math.nan])[0]
    return row["viewers"]["delivered"] / row["measured_s"] / cpu if cpu else math.nan


def deliveries_per_s(row: dict) -> float:
    return row["viewers"]["delivered"] / row["measured_s"]


def mib(path: str) -> Getter:
    """A KiB figure (or the first of a list of them) in MiB."""
    return lambda row: pick(path)(row) / 1024


STREAM_COLUMNS: list[tuple[str, Getter | str, str]] = [
    ("reach", "viewers.reach", "{:.4f}"),
    ("p50 ms", "viewers.p50_ms", "{:.1f}"),
    ("p99 ms", "viewers.p99_ms", "{:.1f}"),
    ("p99.9 ms", "viewers.p999_ms", "{:.0f}"),
    ("max ms", "viewers.max_ms", "{:.0f}"),
    ("deliveries/s", deliveries_per_s, "{:.0f}"),
    ("deliveries/s per core", per_core, "{:.0f}"),
    ("server CPU", "server_cpu.0", "{:.0%}"),
    ("server RSS MiB", mib("rss_kib.0"), "{:.0f}"),
    ("KiB/conn idle", "kib_per_connection_idle", "{:.1f}"),
    ("KiB/conn streaming", "kib_per_connection_streaming", "{:.1f}"),
    ("ack p99 ms", "ack_p99_ms", "{:.1f}"),
    ("generator CPU", "generator_cpu", "{:.0%}"),
    ("gen. lag p99 ms", "generator_lag_p99_ms", "{:.1f}"),
    ("others CPU0", "others_cpu.0", "{:.0%}"),
    ("others CPU1", "others_cpu.1", "{:.0%}"),
    ("viewer closes", lambda r: sum(r["viewers"]["closes"].values()), "{:.0f}"),
]


def progress_line(label: str, run: dict) -> str:
    """One line per run on stderr, always with what others used of the pinned CPUs."""
    others = run.get("others_cpu", [math.nan, math.nan])
    head = f"  {label}: server CPU {_pct(run.get('server_cpu'))}, generator {run.get('generator_cpu', math.nan):.0%}"
    tail = f", others on CPU0 {others[0]:.0%} / CPU1 {others[1]:.0%}"
    if "viewers" in run and isinstance(run["viewers"], dict):
        v = run["viewers"]
        return head + f", reach {v['reach']:.4f}, p99 {v['p99_ms']:.1f} ms" + tail
    if "samples_acked_per_s" in run:
        return head + f", {run['samples_acked_per_s']:.0f} samples/s" + tail
    if "all_back_s" in run:
        return head + f", back {run['back']}/{run['viewers']} in {run['all_back_s']:.2f} s" + tail
    return head + tail


def _pct(values: Any) -> str:
    return "/".join(f"{v:.0%}" for v in values) if isinstance(values, list) else "?"
