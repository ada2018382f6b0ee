"""Running points: one fresh server per run, the generator beside it, each point repeated."""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from load import servers
from load.report import progress_line

TRANSPORT = {"OPENSCG_ANALYSIS_INTERVAL_S": "0"}
Points = list[tuple[str, list[dict]]]


def points_of(text: str) -> list[tuple[int, int]]:
    pairs = []
    for part in text.split(","):
        a, _sep, b = part.strip().lower().partition("x")
        pairs.append((int(a), int(b or 1)))
    return pairs


def repeat(args: argparse.Namespace, label: str, one: Callable[[int], dict]) -> list[dict]:
    """`args.repeats` runs of one point; a failed run is reported and skipped."""
    runs = []
    for rep in range(args.repeats):
        try:
            run = one(rep)
        except (RuntimeError, OSError, subprocess.TimeoutExpired, ValueError) as exc:
            print(
                f"  {label} #{rep + 1}: no result ({str(exc).strip()[-800:]})",
                file=sys.stderr,
                flush=True,
            )
            continue
        runs.append(run)
        print(progress_line(f"{label} #{rep + 1}", run), file=sys.stderr, flush=True)
    return runs


def one_server_run(
    folder: Path,
    spec: dict,
    env: dict[str, str],
    name: str,
    timeout_s: float,
    program: list[str] | None = None,
) -> dict:
    """A fresh server on CPU 0 (SQLite unless `env` says otherwise) and the generator on CPU 1."""
    env = {**servers.sqlite_env(folder, name), **env}
    with servers.server(folder, 0, env, name, program) as one:
        spec = {**spec, "servers": [one], "server_cpus": [0], "generator_cpu": 1}
        return servers.generate(spec, 1, timeout_s)


def stream_spec(args: argparse.Namespace, phones: int, viewers: int, **extra: object) -> dict:
    return {
        "kind": "stream",
        "phones": phones,
        "viewers": viewers,
        "duration_s": args.duration_s,
        "warmup_s": args.warmup_s,
        **extra,
    }


def budget(spec: dict) -> float:
    return 240.0 + spec.get("duration_s", 0) + spec.get("warmup_s", 0) + spec.get("stall_wait_s", 0)


def stream_points(
    args: argparse.Namespace,
    folder: Path,
    text: str,
    env: dict[str, str],
    tag: str,
    program: list[str] | None = None,
) -> Points:
    points = []
    for phones, viewers in points_of(text):
        label = f"{phones}×{viewers}{tag}"
        spec = stream_spec(args, phones, viewers)
        name = f"{phones}x{viewers}{tag.strip().replace(' ', '')}"

        def one(rep: int, s: dict = spec, n: str = name) -> dict:
            return one_server_run(folder, s, env, f"{n}-{rep}", budget(s), program)

        runs = repeat(args, label, one)
        points.append((label, runs))
    return points
