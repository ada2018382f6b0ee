"""Sections of the report beyond the sweep: memory over a long run, stalled viewers, the reconnect storm,
storage throughput on SQLite and PostgreSQL, and two server processes joined by Redis."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from load import servers
from load.report import table
from load.runs import TRANSPORT, budget, one_server_run, points_of, repeat, stream_spec


def _ok(points: list[tuple[str, list[dict]]]) -> bool:
    return all(runs for _, runs in points)


def memory(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    ((phones, viewers),) = points_of(args.soak)
    spec = stream_spec(args, phones, viewers, duration_s=args.soak_s, rss_every_s=max(1.0, args.soak_s / 30))
    label = f"{phones}×{viewers}, {args.soak_s:g} s"
    runs = repeat(
        argparse.Namespace(**{**vars(args), "repeats": 1}),
        label,
        lambda rep: one_server_run(folder, spec, TRANSPORT, f"soak-{rep}", budget(spec)),
    )
    columns = [
        ("samples stored", lambda r: r["metrics_delta"][0]["openscg_samples_stored_total"], "{:,.0f}"),
        (
            "stored MiB (32 B/sample)",
            lambda r: r["metrics_delta"][0]["openscg_samples_stored_total"] * 32 / 2**20,
            "{:.1f}",
        ),
        ("RSS first MiB", lambda r: r["rss_track_kib"][0][1] / 1024, "{:.1f}"),
        ("RSS last MiB", lambda r: r["rss_track_kib"][-1][1] / 1024, "{:.1f}"),
        ("RSS growth MiB", lambda r: (r["rss_track_kib"][-1][1] - r["rss_track_kib"][0][1]) / 1024, "{:+.1f}"),
        ("growth per stored MiB", _growth_ratio, "{:.3f}"),
        ("KiB/conn idle", "kib_per_connection_idle", "{:.1f}"),
        ("KiB/conn streaming", "kib_per_connection_streaming", "{:.1f}"),
        ("reach", "viewers.reach", "{:.4f}"),
        ("p99 ms", "viewers.p99_ms", "{:.1f}"),
        ("others CPU0", "others_cpu.0", "{:.0%}"),
        ("others CPU1", "others_cpu.1", "{:.0%}"),
    ]
    track = " ".join(f"{t:g}s:{kib / 1024:.1f}" for t, kib in runs[0]["rss_track_kib"]) if runs else "–"
    text = "\n".join(
        [
            "## Memory (one long run; the issue's is 10 minutes: `--soak-s 600`)",
            "",
            table([(label, runs)], columns),
            "",
            f"RSS over the run (s: MiB): {track}",
            "",
            "Target: ≤ 40 KiB per open connection; RSS flat (no growth with the samples recorded).",
        ]
    )
    return text, bool(runs)


def _growth_ratio(run: dict) -> float:
    stored = run["metrics_delta"][0]["openscg_samples_stored_total"] * 32
    growth = (run["rss_track_kib"][-1][1] - run["rss_track_kib"][0][1]) * 1024
    return growth / stored if stored else math.nan


def stall(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    ((phones, viewers),) = points_of(args.stall)
    base = stream_spec(args, phones, viewers)
    stalled = stream_spec(args, phones, viewers, stalled=1, stall_wait_s=args.stall_wait_s)
    points = [
        (
            f"{phones}×{viewers}, none stalled",
            repeat(
                args, "baseline", lambda rep: one_server_run(folder, base, TRANSPORT, f"stall-base-{rep}", budget(base))
            ),
        ),
        (
            f"{phones}×{viewers}, 1 in {viewers} stalled",
            repeat(
                args, "stalled", lambda rep: one_server_run(folder, stalled, TRANSPORT, f"stall-{rep}", budget(stalled))
            ),
        ),
    ]
    base_p99 = _median([r["viewers"]["p99_ms"] for r in points[0][1]])
    others = [
        ("others' reach", "viewers.reach", "{:.4f}"),
        ("p50 ms", "viewers.p50_ms", "{:.1f}"),
        ("p99 ms", "viewers.p99_ms", "{:.1f}"),
        ("p99 / baseline", lambda r: r["viewers"]["p99_ms"] / base_p99, "{:.2f}"),
        ("max ms", "viewers.max_ms", "{:.0f}"),
        ("server CPU", "server_cpu.0", "{:.0%}"),
        ("generator CPU", "generator_cpu", "{:.0%}"),
        ("others CPU0", "others_cpu.0", "{:.0%}"),
        ("others CPU1", "others_cpu.1", "{:.0%}"),
    ]
    held = [
        ("stalled viewers", "stall.stalled_viewers", "{:.0f}"),
        ("first queue drop after s", "stall.first_drop_s", "{:.1f}"),
        ("all closed 1013 after s", "stall.all_closed_1013_s", "{:.1f}"),
        ("frames sent until 1013", lambda r: r["stall"]["all_closed_1013_s"] * 20, "{:.0f}"),
        ("all let go after s", "stall.all_gone_s", "{:.1f}"),
        ("1013 closes", "stall.closed_1013", "{:.0f}"),
        ("all closes", "stall.closed_any", "{:.0f}"),
        ("queue drops", "stall.queue_drops", "{:.0f}"),
        ("watched s", "stall.watched_s", "{:.0f}"),
        ("frames read on resuming (p50)", "stall.frames_read_after_resume_p50", "{:.0f}"),
    ]
    codes = "; ".join(f"{json_codes(r)}" for r in points[1][1]) or "–"
    timeline = (
        " ".join(f"{t:.0f}s:{int(d)}/{int(v)}" for t, _c, _a, d, v in points[1][1][0]["stall"]["timeline"][::2])
        if points[1][1]
        else "–"
    )
    text = "\n".join(
        [
            (
                "## Stalled viewers (they stop reading; their receive buffer is 4 KiB, so what they hold is held by "
                "the server)"
            ),
            "",
            table(points, others),
            "",
            table(points[1:], held),
            "",
            (
                f"Close codes the stalled viewers saw on resuming to read: {codes}. A stalled viewer is sent 20 frames "
                "a second: frames sent until 1013 = seconds × 20 (from /metrics, read every 0.25 s); of those the "
                "server holds at most VIEWER_QUEUE_BATCHES (64: its queue and its socket buffers, "
                "server/tests/protocol/test_watch_slow.py), the rest sit in the client's own buffers. After the 1013 "
                "the server queues nothing more for it, and its socket (with what its buffers hold) goes when the "
                "close frame is read or after a 10-s grace: 'let go' = the server's open viewer sockets "
                "(openscg_connections) dropped by the number stalled, whatever closed them."
            ),
            f"Timeline of the first run (s since the stall: queue drops / open viewer sockets): {timeline}",
            "Target: the others keep reach 1.0 and p99 ≤ 2× baseline; a stalled viewer holds ≤ 64 frames.",
        ]
    )
    return text, _ok(points)


def json_codes(run: dict) -> str:
    return ", ".join(f"{code}×{n}" for code, n in run["stall"]["client_close_codes"].items())


def _median(values: list[float]) -> float:
    values = sorted(v for v in values if not math.isnan(v))
    return values[len(values) // 2] if values else math.nan


def reconnect(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    ((phones, viewers),) = points_of(args.reconnect)
    spec = {
        "kind": "reconnect",
        "phones": phones,
        "viewers": viewers,
        "offline_s": 2.0,
        "duration_s": 30.0,
        "warmup_s": args.warmup_s,
    }
    label = f"{phones * viewers} viewers of {phones} phones"
    runs = repeat(args, label, lambda rep: one_server_run(folder, spec, TRANSPORT, f"reconnect-{rep}", budget(spec)))
    columns = [
        ("back", lambda r: r["back"] / r["viewers"], "{:.2%}"),
        ("p50 s", "back_p50_s", "{:.2f}"),
        ("p99 s", "back_p99_s", "{:.2f}"),
        ("all back s", "all_back_s", "{:.2f}"),
        ("gaps", "gaps", "{:.0f}"),
        ("duplicates", "duplicates", "{:.0f}"),
        ("connect failures", "connect_failures", "{:.0f}"),
        ("server CPU", "server_cpu.0", "{:.0%}"),
        ("generator CPU", "generator_cpu", "{:.0%}"),
        ("others CPU0", "others_cpu.0", "{:.0%}"),
        ("others CPU1", "others_cpu.1", "{:.0%}"),
    ]
    text = "\n".join(
        [
            "## Reconnect storm (every viewer drops, stays away 2 s, and all come back at once with `since`)",
            "",
            table([(label, runs)], columns),
            "",
            (
                "Back = received, with no gap and no duplicate, the first batch intended after it reconnected "
                "(the 2 s it missed come from the database). Target: 2,000 viewers all back within 5 s."
            ),
            "Connect failures (first run): " + _failures(runs),
        ]
    )
    return text, bool(runs)


def _failures(runs: list[dict]) -> str:
    return "; ".join(runs[0]["failure_sample"]) if runs and runs[0]["failure_sample"] else "none"


def storage(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    ((phones, samples),) = points_of(args.storage)
    spec = {
        "kind": "storage",
        "phones": phones,
        "samples_per_batch": samples,
        "in_flight": 2,
        "duration_s": args.duration_s,
        "warmup_s": args.warmup_s,
    }
    points = [
        (
            f"SQLite, {phones} phones × {samples}-sample batches",
            repeat(
                args,
                "sqlite",
                lambda rep: one_server_run(
                    folder, {**spec, "backend": "sqlite"}, TRANSPORT, f"storage-{rep}", budget(spec)
                ),
            ),
        )
    ]
    label = f"PostgreSQL, {phones} phones × {samples}-sample batches"
    try:
        points.append((label, repeat(args, "postgresql", lambda rep: _on_postgres(args, folder, spec, rep))))
    except Exception as exc:  # no PostgreSQL here: say so in the table
        print(f"  postgresql: skipped ({exc})", file=sys.stderr, flush=True)
        points.append((label + f" (skipped: {type(exc).__name__})", []))
    columns = [
        ("samples/s acked", "samples_acked_per_s", "{:,.0f}"),
        ("samples/s stored (/metrics)", "samples_stored_per_s", "{:,.0f}"),
        ("batches/s", "batches_acked_per_s", "{:,.0f}"),
        ("ack p50 ms", "ack_p50_ms", "{:.1f}"),
        ("ack p99 ms", "ack_p99_ms", "{:.1f}"),
        ("server CPU", "server_cpu.0", "{:.0%}"),
        ("generator CPU", "generator_cpu", "{:.0%}"),
        ("others CPU0", "others_cpu.0", "{:.0%}"),
        ("others CPU1", "others_cpu.1", "{:.0%}"),
    ]
    text = "\n".join(
        [
            f"## Storage throughput (every ack durable; each phone keeps {spec['in_flight']} batches in flight)",
            "",
            table(points, columns),
            "",
            (
                "PostgreSQL: a fresh database on the server of OPENSCG_BENCH_POSTGRES_URL, dropped afterwards; its "
                "server process is not pinned (it runs on either CPU, so 'others' include it). Target: ≥ 100k "
                "samples/s."
            ),
        ]
    )
    return text, _ok(points)


def _on_postgres(args: argparse.Namespace, folder: Path, spec: dict, rep: int) -> dict:
    with servers.postgres_database(args.postgres_url) as url:
        return one_server_run(
            folder,
            {**spec, "backend": "postgresql"},
            {**TRANSPORT, "OPENSCG_DATABASE_URL": url},
            f"storage-pg-{rep}",
            budget(spec),
        )


def redis(args: argparse.Namespace, folder: Path) -> tuple[str, bool]:
    ((phones, viewers),) = points_of(args.redis)
    spec = stream_spec(args, phones, viewers, viewer_server=1, reference_viewer=True, count_redis=True)
    label = f"{phones}×{viewers} on B, +1 on A"

    def one(rep: int) -> dict:
        env = {**TRANSPORT, **servers.sqlite_env(folder, f"redis-{rep}"), "OPENSCG_BROKER_URL": args.redis_url}
        with servers.server(folder, 0, env, f"A-{rep}") as a, servers.server(folder, 1, env, f"B-{rep}") as b:
            full = {**spec, "servers": [a, b], "server_cpus": [0, 1], "generator_cpu": None}
            return servers.generate(full, None, budget(spec))

    runs = repeat(args, "redis", one)
    columns = [
        ("reach on B", "viewers.reach", "{:.4f}"),
        ("p50 B ms", "viewers.p50_ms", "{:.1f}"),
        ("p99 B ms", "viewers.p99_ms", "{:.1f}"),
        ("reach on A", "reference.reach", "{:.4f}"),
        ("p50 A ms", "reference.p50_ms", "{:.1f}"),
        ("p99 A ms", "reference.p99_ms", "{:.1f}"),
        ("Redis hop p50 ms", lambda r: r["viewers"]["p50_ms"] - r["reference"]["p50_ms"], "{:.1f}"),
        ("Redis hop p99 ms", lambda r: r["viewers"]["p99_ms"] - r["reference"]["p99_ms"], "{:.1f}"),
        ("CPU A", "server_cpu.0", "{:.0%}"),
        ("CPU B", "server_cpu.1", "{:.0%}"),
        ("CPU redis", "redis_cpu", "{:.0%}"),
        ("generator CPU", "generator_cpu", "{:.0%}"),
    ]
    text = "\n".join(
        [
            (
                "## Two server processes + Redis (A on CPU 0 with the phones, B on CPU 1 with the viewers; one "
                "reference viewer per phone on A)"
            ),
            "",
            table([(label, runs)], columns),
            "",
            (
                "The generator and redis-server are not pinned (there are two CPUs and both serve), so here the "
                "generator shares the cores with the servers; 'valid' still flags a generator above 80 %. "
                "Redis hop = latency on B − latency on A, same batches."
            ),
        ]
    )
    return text, bool(runs)
