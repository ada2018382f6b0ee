"""Private PostgreSQL and Redis servers that a fault test may stop and start at will (never the machine's shared
ones). Without the binaries the tests skip and say why — unless OPENSCG_TEST_REQUIRE_SERVICES=1, where they fail."""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.server_process import ServerProcess, free_port

REQUIRE_SERVICES = os.environ.get("OPENSCG_TEST_REQUIRE_SERVICES") == "1"


def _missing(what: str, why: str) -> None:
    message = f"{what} unavailable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (OPENSCG_TEST_REQUIRE_SERVICES=1: CI needs it)", pytrace=False)
    pytest.skip(message)


def _as_postgres(command: list[str]) -> list[str]:
    """initdb and pg_ctl refuse to run as root: run them as the postgres user then."""
    if os.geteuid() != 0:
        return command
    if shutil.which("runuser") is None:
        _missing("PostgreSQL", "running as root without runuser")
    return ["runuser", "-u", "postgres", "--", *command]


class PrivatePostgres:
    """A throwaway PostgreSQL cluster on a free loopback port, trust auth, fsync off (a test, not a disk test)."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.folder = Path(tempfile.mkdtemp(prefix="openscg-pg-"))
        self.data = self.folder / "data"
        self.port = free_port()
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str, timeout_s: float = 60.0) -> None:
        command = _as_postgres([str(self.bin_dir / args[0]), *args[1:]])
        subprocess.run(command, check=True, capture_output=True, timeout=timeout_s)

    def init(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.folder / "log"), "-o", options, "-w", "start")

    def stop(self, mode: str = "immediate") -> None:
        """`immediate`: no shutdown checkpoint, every connection cut — as close to a crash as pg_ctl goes."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    pg_ctl = Path(found[-1]) if found else (Path(shutil.which("pg_ctl") or "") if shutil.which("pg_ctl") else None)
    if pg_ctl is None or not (pg_ctl.parent / "initdb").exists():
        _missing("PostgreSQL", "initdb/pg_ctl not found (apt-get install postgresql)")
    assert pg_ctl is not None
    server = PrivatePostgres(pg_ctl.parent)
    try:
        server.init()
        server.start()
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        server.remove()
        _missing("PostgreSQL", f"cannot start a private cluster: {exc}")
    yield server
    server.remove()


class PrivateRedis:
    """redis-server on a free loopback port, nothing persisted: a restart starts empty, like a lost instance."""

    def __init__(self, binary: str, log_path: Path) -> None:
        self.binary = binary
        self.port = free_port()
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        command = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=self.log_path.open("ab"), stderr=subprocess.STDOUT)
        import redis

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError):
                if redis.Redis(port=self.port, socket_connect_timeout=1).ping():
                    return
            time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        _missing("Redis", "redis-server not found (apt-get install redis-server)")
    assert binary is not None
    server = PrivateRedis(binary, tmp_path / "redis.log")
    server.start()
    yield server
    server.kill()


def wait_health(server: ServerProcess, status: int, timeout_s: float = 30.0) -> dict:
    """Poll /health until it answers `status`; return its body."""
    deadline = time.monotonic() + timeout_s
    body: dict = {}
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            response = httpx.get(server.base_url + "/health", timeout=5)
            body = response.json()
            if response.status_code == status:
                return body
        time.sleep(0.2)
    raise AssertionError(f"/health did not answer {status}; last: {body}")


@pytest.fixture
def health():
    return wait_health
