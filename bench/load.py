"""Load benchmark of `openscg serve`: phones × viewers sweep, memory, stalled viewers, a reconnect storm,
storage throughput (SQLite, PostgreSQL) and two processes joined by Redis.

Each run starts a fresh server on a free loopback port pinned to CPU 0 (`taskset`), and a load generator
(bench/load/, asyncio + uvloop, in its own process) pinned to CPU 1. Phones send 100 Hz as 20 batches a second
of 5 samples, open-loop; latency is measured from each batch's intended send time. Every point is repeated
(median and spread). Tables on stdout and in bench/results/load.md. Loopback only. See bench/README-load.md.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

RESULTS = Path(__file__).resolve().parent / "results" / "load.md"
SCENARIOS = (
    "sweep",
    "analysis",
    "memory",
    "stall",
    "reconnect",
    "storage",
    "redis",
    "floor",
)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    add = parser.add_argument
    add(
        "--quick",
        action="store_true",
        help="small versions of every scenario, one repetition (< 2 min)",
    )
    add(
        "--only",
        default=",".join(SCENARIOS),
        help=f"scenarios to run, comma-separated: {','.join(SCENARIOS)}",
    )
    add("--repeats", type=int, help="repetitions per point (default 3; 1 with --quick)")
    add(
        "--duration-s",
        type=float,
        help="measured seconds per run (default 15; 3 with --quick)",
    )
    add(
        "--warmup-s",
        type=float,
        help="unmeasured seconds before (default 3; 1 with --quick)",
    )
    add(
        "--sweep",
        help="phones×viewers points (default 50x2,100x2,150x2,250x2,500x2,20x50)",
    )
    add("--analysis", help="points with live analysis on (default 100x2)")
    add(
        "--soak-s",
        type=float,
        help="length of the memory run in seconds (default 120; the issue's is 600)",
    )
    add("--soak", help="phones×viewers of the memory run (default 100x2)")
    add(
        "--stall",
        help="phones×viewers of the stalled-viewer runs; 1 viewer of each phone stalls (default 100x5)",
    )
    add(
        "--stall-wait-s",
        type=float,
        help="how long to wait for the stalled viewers to be let go (default 60)",
    )
    add(
        "--reconnect",
        help="phones×viewers that reconnect at once (default 20x100 = 2,000 viewers)",
    )
    add(
        "--storage",
        help="phones×samples-per-batch of the storage runs (default 100x100)",
    )
    add(
        "--floor",
        help="points of the floor relay, no storage or checks (default 300x2,500x2)",
    )
    add(
        "--redis",
        help="phones×viewers of the Redis runs: phones on A, viewers on B (default 100x2)",
    )
    add(
        "--postgres-url",
        default=os.environ.get(
            "OPENSCG_BENCH_POSTGRES_URL",
            "postgresql://postgres@127.0.0.1:5432/postgres",
        ),
    )
    add(
        "--redis-url",
        default=os.environ.get("OPENSCG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0"),
    )
    add("--generate", help=argparse.SUPPRESS)  # internal: run one scenario spec in this (generator) process
    args = parser.parse_args(argv)
    quick = args.quick
    defaults = {
        "repeats": 1 if quick else 3,
        "duration_s": 3.0 if quick else 15.0,
        "warmup_s": 1.0 if quick else 3.0,
        "sweep": "20x2,60x2" if quick else "50x2,100x2,150x2,250x2,500x2,20x50",
        "analysis": "20x2" if quick else "100x2",
        "soak_s": 4.0 if quick else 120.0,
        "soak": "40x2" if quick else "100x2",
        "stall": "20x5" if quick else "100x5",
        "stall_wait_s": 1.0 if quick else 60.0,
        "reconnect": "10x20" if quick else "20x100",
        "storage": "20x100" if quick else "100x100",
        "redis": "20x2" if quick else "100x2",
        "floor": "20x2" if quick else "300x2,500x2",
    }
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if args.generate:
        from load.scenarios import run_spec

        print(json.dumps(run_spec(json.loads(args.generate))))
        return 0
    from load.plans import SECTIONS, header

    chosen = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        print(f"unknown scenario(s): {', '.join(unknown)}", file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    sections = [header(args, started)]
    failed = False
    with tempfile.TemporaryDirectory(prefix="openscg-bench-load-") as folder:
        for name in chosen:
            print(f"== {name}", file=sys.stderr, flush=True)
            section_started = time.monotonic()
            text, ok = SECTIONS[name](args, Path(folder))
            print(
                f"   ({time.monotonic() - section_started:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
            sections.append(text)
            failed |= not ok
            write(sections, started)
    report = write(sections, started)
    print(report)
    return 1 if failed else 0


def write(sections: list[str], started: datetime) -> str:
    finished = datetime.now(UTC).strftime("%H:%M UTC")
    text = "\n\n".join(sections) + f"\n\n(finished {finished}; started {started.strftime('%Y-%m-%d %H:%M UTC')})\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return text


if __name__ == "__main__":
    sys.exit(main())
