"""The servers under test: a fresh `openscg serve` per run on a free loopback port, pinned to a CPU, with
SQLite in a temporary folder (or a fresh PostgreSQL database, created and dropped here), and the generator
process pinned to the other CPU. Port, pinning and health wait are the latency bench's (bench/latency.py)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

from latency import HOST, free_port, pinned, wait_healthy

ROOT = Path(__file__).resolve().parents[2]
LOAD_PY = ROOT / "bench" / "load.py"
FLOOR_APP = ROOT / "bench" / "load" / "floor_app.py"
# Setup must not be rate-limited, and the bench's own sockets all come from one address.
UNLIMITED = {
    "OPENSCG_SESSIONS_PER_MINUTE": "1000000",
    "OPENSCG_CAPTURE_BATCHES_PER_S": "1000000",
    "OPENSCG_CAPTURE_BATCH_BURST": "1000000",
    "OPENSCG_MAX_SOCKETS_PER_ADDRESS": "100000",
    "OPENSCG_LOG_JSON": "false",
    "OPENSCG_LOG_LEVEL": "WARNING",
}


@contextlib.contextmanager
def server(
    folder: Path,
    cpu: int | None,
    env: dict[str, str],
    name: str,
    program: list[str] | None = None,
) -> Iterator[dict]:
    """One running server: yields {"url", "pid"}; stopped (SIGTERM, then SIGKILL) on exit. `program` replaces
    `-m openscg serve` (the floor relay); it is given --host and --port too."""
    port = free_port()
    log = (folder / f"server-{name}-{port}.log").open("wb")
    command = [
        sys.executable,
        *(program or ["-m", "openscg", "serve"]),
        "--host",
        HOST,
        "--port",
        str(port),
    ]
    if cpu is not None:
        command = pinned(cpu, command)
    process = subprocess.Popen(
        command,
        env={**os.environ, **UNLIMITED, **env},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://{HOST}:{port}"
        wait_healthy(url, process, timeout_s=60.0)
        yield {"url": url, "pid": process.pid}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def sqlite_env(folder: Path, name: str) -> dict[str, str]:
    return {"OPENSCG_DATABASE_URL": f"sqlite:///{folder / (name + '.db')}"}


@contextlib.contextmanager
def postgres_database(admin_url: str) -> Iterator[str]:
    """A fresh database on the PostgreSQL server of `admin_url`, dropped afterwards; yields its URL."""
    import psycopg

    name = "openscg_bench_" + uuid.uuid4().hex[:12]
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def generate(spec: dict, cpu: int | None, timeout_s: float) -> dict:
    """Run one scenario in a generator process (pinned to `cpu`) and return its JSON result."""
    command = [sys.executable, str(LOAD_PY), "--generate", json.dumps(spec)]
    if cpu is not None:
        command = pinned(cpu, command)
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"generator failed ({done.returncode}): {done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])
