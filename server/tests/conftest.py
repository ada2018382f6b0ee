"""Shared fixtures: real server processes on free ports, and the real PostgreSQL / Redis of this machine.

PostgreSQL and Redis are found through OPENSCG_TEST_POSTGRES_URL and OPENSCG_TEST_REDIS_URL. Without them the
tests that need them skip and say why — unless OPENSCG_TEST_REQUIRE_SERVICES=1 (CI), where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.server_process import ServerProcess

REQUIRE_SERVICES = os.environ.get("OPENSCG_TEST_REQUIRE_SERVICES") == "1"


def _missing(what: str, why: str) -> None:
    message = f"{what} unavailable: {why}"
    if REQUIRE_SERVICES:
        pytest.fail(message + " (OPENSCG_TEST_REQUIRE_SERVICES=1: CI needs it)", pytrace=False)
    pytest.skip(message)


@pytest.fixture
def start_server(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start real `openscg serve` processes; each gets a SQLite file in tmp_path unless told a database."""
    started: list[ServerProcess] = []

    def start(**env: str) -> ServerProcess:
        env.setdefault("OPENSCG_DATABASE_URL", f"sqlite:///{tmp_path / 'openscg.db'}")
        server = ServerProcess(env=env, log_path=tmp_path / f"server-{len(started)}.log")
        started.append(server)
        server.start()
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One server for the many protocol tests that only need some server (SQLite, memory broker)."""
    folder = tmp_path_factory.mktemp("live_server")
    server = ServerProcess(
        env={"OPENSCG_DATABASE_URL": f"sqlite:///{folder / 'openscg.db'}", "OPENSCG_SESSIONS_PER_MINUTE": "100000"},
        log_path=folder / "server.log",
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_admin_url() -> str:
    url = os.environ.get("OPENSCG_TEST_POSTGRES_URL")
    if not url:
        _missing("PostgreSQL", "set OPENSCG_TEST_POSTGRES_URL=postgresql://user@host:port/db")
    assert url is not None
    try:
        import psycopg

        with psycopg.connect(url, connect_timeout=5) as connection:
            connection.execute("SELECT 1")
    except Exception as exc:
        _missing("PostgreSQL", f"cannot connect to {url}: {exc}")
    return url


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    import psycopg

    name = f"openscg_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    base, _, _old = postgres_admin_url.rpartition("/")
    yield f"{base}/{name}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("OPENSCG_TEST_REDIS_URL")
    if not url:
        _missing("Redis", "set OPENSCG_TEST_REDIS_URL=redis://host:port/db")
    assert url is not None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except Exception as exc:
        _missing("Redis", f"cannot connect to {url}: {exc}")
    return url


@pytest.fixture(params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Run a storage test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'storage.db'}"
    return str(request.getfixturevalue("postgres_url"))
