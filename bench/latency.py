"""Phone → viewer latency, storage rate and memory per connection of one `openscg serve` with the defaults.

For N = 1, 100, 500 phones (100 Hz, 10-sample batches every 100 ms) with one viewer each, a fresh server
(SQLite in a temporary folder, in-process broker) runs pinned to CPU 0 and a load generator (this file with
`--load`, asyncio) pinned to CPU 1. Each batch's last sample carries the batch's *intended* send time as its
`t_ms`, so latency = viewer receive time − intended send time (a late generator counts against the server,
never hides it). Results: a table on stdout and in bench/results/latency.md. Loopback only. See README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "latency.md"
HOST = "127.0.0.1"
COLUMNS = [
    ("phones", "phones", "{:d}"),
    ("p50 ms", "latency_p50_ms", "{:.1f}"),
    ("p99 ms", "latency_p99_ms", "{:.1f}"),
    ("max ms", "latency_max_ms", "{:.0f}"),
    ("reach", "reach", "{:.2%}"),
    ("stored batches/s", "stored_batches_per_s", "{:.0f}"),
    ("acks/s", "acks_per_s", "{:.0f}"),
    ("ack p99 ms", "ack_p99_ms", "{:.1f}"),
    ("KiB/connection", "rss_kib_per_connection", "{:.0f}"),
    ("server CPU", "server_cpu", "{:.0%}"),
    ("others on CPU 0", "others_on_server_cpu", "{:.0%}"),
    ("generator CPU", "generator_cpu", "{:.0%}"),
    ("others on CPU 1", "others_on_generator_cpu", "{:.0%}"),
    ("generator lag p99 ms", "send_lag_p99_ms", "{:.1f}"),
    ("viewer drops", "viewer_disconnects", "{:d}"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def pinned(cpu: int, command: list[str]) -> list[str]:
    """Prefix `taskset -c CPU` when there is such a CPU and taskset exists (otherwise run unpinned)."""
    if shutil.which("taskset") and (os.cpu_count() or 1) > cpu:
        return ["taskset", "-c", str(cpu), *command]
    return command


def wait_healthy(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url + "/health", timeout=1.0) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the server did not become healthy")


def run_one(phones: int, duration_s: float, warmup_s: float, folder: Path) -> dict:
    """One fresh server and one load generator for `phones` phones; return the generator's measurements."""
    port = free_port()
    env = {
        **os.environ,
        "OPENSCG_DATABASE_URL": f"sqlite:///{folder / f'bench-{phones}.db'}",
        "OPENSCG_LOG_JSON": "false",
        "OPENSCG_LOG_LEVEL": "WARNING",
        "OPENSCG_SESSIONS_PER_MINUTE": "1000000",  # creating the sessions is setup, not what is measured
    }
    log = (folder / f"server-{phones}.log").open("wb")
    serve = [sys.executable, "-m", "openscg", "serve", "--host", HOST, "--port", str(port)]
    server = subprocess.Popen(pinned(0, serve), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    try:
        url = f"http://{HOST}:{port}"
        wait_healthy(url, server)
        load = [sys.executable, str(Path(__file__).resolve()), "--load", "--server", url, "--phones", str(phones)]
        load += ["--duration-s", str(duration_s), "--warmup-s", str(warmup_s), "--server-pid", str(server.pid)]
        budget_s = 180.0 + warmup_s + duration_s + phones * 0.2
        done = subprocess.run(pinned(1, load), capture_output=True, text=True, timeout=budget_s, cwd=ROOT, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"load generator failed ({done.returncode}): {done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(title for title, _, _ in COLUMNS) + " |"]
    lines.append("|" + "---:|" * len(COLUMNS))
    for row in rows:
        lines.append("| " + " | ".join(fmt.format(row[key]) for _, key, fmt in COLUMNS) + " |")
    return "\n".join(lines)


def machine() -> str:
    cpu = (
        next(
            (
                line.split(":", 1)[1].strip()
                for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")
            ),
            platform.processor() or "unknown CPU",
        )
        if Path("/proc/cpuinfo").exists()
        else platform.processor()
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "?"
    return (
        f"{os.cpu_count()} × {cpu}, {platform.system()} {platform.release()}, Python {platform.python_version()}, "
        f"load average before the run {load}"
    )


def write_report(rows: list[dict], failures: list[str], duration_s: float, pinned_note: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = "\n".join(
        [
            "# Latency (bench/latency.py)",
            "",
            f"{stamp} · {machine()} · {pinned_note}",
            (
                f"Each row: a fresh `openscg serve` with the defaults (SQLite, memory broker), {duration_s:g} s "
                "measured after a warm-up; every phone sends 10 samples every 100 ms (100 Hz) and has one viewer."
            ),
            (
                "Latency: viewer receive time − the batch's intended send time. Reach: batches delivered to viewers "
                "(waiting up to 30 s after the last send) / batches sent. "
                "Stored batches/s: batches committed (server's batchCount) per second of sending. "
                "KiB/connection: server VmRSS growth / open sockets (phones + viewers)."
            ),
            "",
            table(rows),
            "",
            *failures,
        ]
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", default="1,100,500", help="comma-separated phone counts (default 1,100,500)")
    parser.add_argument("--duration-s", type=float, default=20.0, help="measured seconds per run (default 20)")
    parser.add_argument("--warmup-s", type=float, default=3.0, help="unmeasured seconds first (default 3)")
    parser.add_argument("--load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--server", help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.load:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from latency_load import run_load

        print(json.dumps(run_load(args.server, int(args.phones), args.duration_s, args.warmup_s, args.server_pid)))
        return 0
    pinned_note = "server on CPU 0, load on CPU 1 (taskset)" if pinned(1, []) else "not pinned (no taskset or 1 CPU)"
    rows, failures = [], []
    with tempfile.TemporaryDirectory(prefix="openscg-bench-") as folder:
        for phones in (int(part) for part in args.phones.split(",")):
            print(f"{phones} phones: running {args.warmup_s:g} + {args.duration_s:g} s …", file=sys.stderr, flush=True)
            try:
                rows.append(run_one(phones, args.duration_s, args.warmup_s, Path(folder)))
            except (RuntimeError, subprocess.TimeoutExpired, ValueError) as exc:
                failures.append(f"{phones} phones: no result ({str(exc).strip()[-500:]})")
                print(failures[-1], file=sys.stderr, flush=True)
                continue
            print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    print(write_report(rows, failures, args.duration_s, pinned_note))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
