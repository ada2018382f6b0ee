"""Data is kept only as long as it should be: the retention job erases sessions older than
OPENSCG_RETENTION_DAYS (samples, metadata, access log) and closes their sockets with 4410; and what `DELETE` or
the job erased is gone from the SQLite file itself, not only from query results (secure_delete, WAL checkpointed)."""

from __future__ import annotations

import asyncio
import random
import struct
import time

import pytest

from openscg.settings import SettingsError, load_settings
from tests.privacy.storage import age_session, file_bytes, rows_of
from tests.wire import (
    api,
    error_detail,
    messages_until_close,
    new_session,
    open_capture,
    open_watch,
    samples,
    send_batch,
    session_path,
    stream,
)


def test_retention_settings():
    assert load_settings().retention_days == 30 and load_settings().retention_interval_s == 3600
    assert load_settings(retention_days=0).retention_days == 0  # keep forever
    for bad in ({"retention_days": -1}, {"retention_interval_s": 0}):
        with pytest.raises(SettingsError, match="OPENSCG_RETENTION"):
            load_settings(**bad)


async def _until_gone(server, session, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while api(server, "GET", session_path(session), session["patientToken"]).status_code != 404:
        assert time.monotonic() < deadline, "the retention job did not erase the session"
        await asyncio.sleep(0.1)


async def test_the_retention_job_erases_old_sessions_and_closes_their_sockets(privacy_server):
    server = privacy_server  # retention: 1 day, a pass every 0.2 s
    url = server.env["OPENSCG_DATABASE_URL"]
    old, fresh = new_session(server), new_session(server)
    phone, _ = await open_capture(server, old)
    await stream(phone, 3)
    viewer, _ = await open_watch(server, old, since=0)
    assert api(server, "GET", session_path(old), old["viewerToken"]).status_code == 200  # an access log entry
    await asyncio.sleep(0.6)  # a few passes: a session younger than a day stays
    assert api(server, "GET", session_path(old), old["patientToken"]).status_code == 200

    age_session(url, old["sessionId"], days=1.01)
    await _until_gone(server, old)
    for ws in (viewer, phone):
        assert (await messages_until_close(ws))[1] == 4410
    assert rows_of(url, old["sessionId"]) == {"sessions": 0, "batches": 0, "access_log": 0}
    for suffix in ("", "/data", "/access-log"):
        error_detail(api(server, "GET", session_path(old, suffix), old["patientToken"]), 404)
    assert api(server, "GET", session_path(fresh), fresh["patientToken"]).status_code == 200


async def _recording_with_marker(server) -> tuple[dict, bytes]:
    """A session whose samples carry one distinctive value; returns it and the value's stored bytes."""
    session = new_session(server, label="privacy-marker")
    marker = 0.5 + random.random()
    phone, _ = await open_capture(server, session)
    for seq in range(3):
        batch = [[t, marker, ay, az] for t, _ax, ay, az in samples(20, start=seq * 20)]
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}
    await phone.close()
    assert api(server, "GET", session_path(session, "/data"), session["viewerToken"]).status_code == 200
    return session, struct.pack("<d", marker)


def _traces(stored: bytes, session: dict, marker: bytes) -> list[str]:
    found = []
    if marker in stored:
        found.append("a sample value")
    if session["sessionId"].encode() in stored:
        found.append("the session id")
    return found


@pytest.mark.parametrize("privacy_server", ["sqlite"], indirect=True)
async def test_erased_sessions_leave_the_database_file(privacy_server):
    server = privacy_server
    url = server.env["OPENSCG_DATABASE_URL"]
    deleted, deleted_marker = await _recording_with_marker(server)
    expired, expired_marker = await _recording_with_marker(server)
    await asyncio.sleep(0.3)  # let the access log entries be written
    stored = file_bytes(url)
    assert _traces(stored, deleted, deleted_marker) == ["a sample value", "the session id"]  # the right file
    assert _traces(stored, expired, expired_marker) == ["a sample value", "the session id"]

    assert api(server, "DELETE", session_path(deleted), deleted["patientToken"]).status_code == 204
    assert _traces(file_bytes(url), deleted, deleted_marker) == []

    age_session(url, expired["sessionId"], days=2)
    await _until_gone(server, expired)
    stored = file_bytes(url)
    assert _traces(stored, expired, expired_marker) == []
    assert _traces(stored, deleted, deleted_marker) == []
