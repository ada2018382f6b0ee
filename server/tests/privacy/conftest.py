"""One real server per database (SQLite, PostgreSQL) shared by the privacy tests: retention of one day checked every
0.2 s (a test ages a session to see it erased), logging at the default level. After each test, the server must
have logged no error."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.server_process import ServerProcess

PRIVACY_ENV = {
    "OPENSCG_RETENTION_DAYS": "1",
    "OPENSCG_RETENTION_INTERVAL_S": "0.2",
    "OPENSCG_SESSIONS_PER_MINUTE": "100000",
}


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def privacy_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp(f"privacy_{request.param}")
    admin_url = None
    if request.param == "sqlite":
        url = f"sqlite:///{folder / 'openscg.db'}"
    else:
        import psycopg

        admin_url = str(request.getfixturevalue("postgres_admin_url"))
        name = f"openscg_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin_url.rpartition('/')[0]}/{name}"
    server = ServerProcess(env={"OPENSCG_DATABASE_URL": url, **PRIVACY_ENV}, log_path=folder / "server.log")
    server.start()
    yield server
    server.stop()
    if admin_url is not None:
        import psycopg

        with psycopg.connect(admin_url, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{url.rpartition("/")[2]}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def no_server_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    if "privacy_server" not in request.fixturenames:
        yield
        return
    server: ServerProcess = request.getfixturevalue("privacy_server")
    before = len(server.log())
    yield
    errors = [line for line in server.log()[before:].splitlines() if '"level":"ERROR"' in line]
    assert not errors, "the server logged errors during this test:\n" + "\n".join(errors)[:3000]
