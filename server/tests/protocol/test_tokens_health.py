"""PROTOCOL.md: tokens carry at least 128 random bits, are URL-safe, and are stored only as hashes; GET /health
answers 200 with every check `ok`, or 503 naming the failing one."""

from __future__ import annotations

import base64
import contextlib
import math
import re
from pathlib import Path

import pytest

from tests.server_process import ServerProcess
from tests.wire import api, new_session, open_capture, open_watch, session_path, stream

URL_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")
HEX = re.compile(r"^[0-9a-f]+$")


def _bits(token: str) -> float:
    """Upper bound on the entropy the token's length and alphabet can carry."""
    alphabet = 16 if HEX.match(token) else 64
    return len(token) * math.log2(alphabet)


def test_tokens_are_url_safe_long_enough_and_never_repeat(live_server):
    tokens = []
    for _ in range(20):
        session = new_session(live_server)
        tokens += [session["patientToken"], session["viewerToken"]]
    for token in tokens:
        assert URL_SAFE.match(token), token
        assert _bits(token) >= 128, token
    assert len(set(tokens)) == len(tokens)
    assert len({token[:8] for token in tokens}) == len(tokens)  # no shared prefix or counter


def _database_bytes(server: ServerProcess) -> bytes:
    path = Path(server.env["OPENSCG_DATABASE_URL"].removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal"), Path(f"{path}-shm")) if p.exists())


def _forms(token: str) -> list[bytes]:
    """The token as text, and the random bytes it encodes, as they could be found in a file."""
    forms = [token.encode(), token.encode("utf-16-le")]
    with contextlib.suppress(ValueError):
        forms.append(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    return forms


async def test_the_database_holds_no_token_in_clear(live_server):
    session = new_session(live_server, device={"platform": "test"})
    phone, _ = await open_capture(live_server, session)
    viewer, _ = await open_watch(live_server, session, since=0)
    await stream(phone, 3)
    await phone.close()
    await viewer.close()
    api(live_server, "POST", session_path(session, "/end"), session["patientToken"])
    imported = api(live_server, "POST", "/api/v1/sessions/import", json={"version": "0.2", "samples": [[1, 0, 0, 1]]})
    stored = _database_bytes(live_server)
    for created in (session, imported.json()):
        assert created["sessionId"].encode() in stored  # the right file: it holds the session
        for token in (created["patientToken"], created["viewerToken"]):
            for form in _forms(token):
                assert form not in stored, "a token is stored in clear"
            assert token not in live_server.log(), "a token was logged"


def test_health_is_200_with_every_check_ok(live_server):
    response = api(live_server, "GET", "/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.postgres
def test_health_is_503_naming_the_failing_database(start_server, postgres_admin_url, postgres_url):
    import psycopg  # only where PostgreSQL is used

    server = start_server(OPENSCG_DATABASE_URL=postgres_url)
    assert api(server, "GET", "/health").status_code == 200
    name = postgres_url.rpartition("/")[2]
    with psycopg.connect(postgres_admin_url, autocommit=True) as connection:  # the database goes away
        connection.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    response = api(server, "GET", "/health")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] != "ok"
    assert body["checks"]["broker"] == "ok"
    assert body["checks"]["database"] != "ok" and isinstance(body["checks"]["database"], str)
