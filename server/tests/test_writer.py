"""The group-commit writer on a real SQLite file: writes that arrive while a group gathers share one commit; and
the statements of a group (on SQLite and PostgreSQL) commit or fail together."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from openscg.db import make_engine, migrate
from openscg.protocol import pack_samples
from openscg.sessions.store import _apply_appends
from openscg.sessions.tables import batches, sessions
from openscg.sessions.writer import Append, GroupWriter


def _no_appends(_connection, _appends):  # these tests submit plain writes only
    return {}


async def _write_many(writer: GroupWriter, count: int, spacing_s: float = 0.0) -> list[int]:
    """`count` writes, submitted `spacing_s` apart (each one's caller waits for its own commit)."""

    async def write(value: int) -> int:
        await asyncio.sleep(value * spacing_s)
        statement = text("INSERT INTO t (v) VALUES (:v)")
        return await writer.submit(lambda connection: connection.execute(statement, {"v": value}).rowcount)

    return await asyncio.gather(*(write(i) for i in range(count)))


def _engine(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'writer.db'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (v INTEGER)"))
    return engine


async def test_writes_arriving_while_a_group_gathers_are_committed_together(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    writer = GroupWriter(engine, _no_appends, gather_s=0.5)
    writer.start()
    try:
        assert await _write_many(writer, 6, spacing_s=0.03) == [1] * 6  # all within 0.15 s of the first
        assert (writer.groups_committed, writer.writes_committed) == (1, 6)
    finally:
        writer.stop()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 6


async def test_without_gathering_each_write_that_waits_alone_commits_alone(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    writer = GroupWriter(engine, _no_appends, gather_s=0.0)
    writer.start()
    try:
        for i in range(5):  # one at a time: nothing else is waiting when each is taken
            assert await _write_many(writer, 1) == [1]
            assert writer.groups_committed == i + 1
        assert await _write_many(writer, 3, spacing_s=0.2) == [1, 1, 1]  # spaced apart: three more groups
        assert writer.groups_committed == 8
    finally:
        writer.stop()


def _one_session(engine) -> str:
    session_id = str(uuid.uuid4())
    row = {"id": session_id, "status": "created", "patient_token_hash": "p" * 64, "viewer_token_hash": "v" * 64}
    with engine.begin() as connection:
        connection.execute(insert(sessions).values(**row, created_at_ms=0.0, batch_count=0, sample_count=0))
    return session_id


def _append(session_id: str, seq: int) -> Append:
    samples = [[1000.0 + 10 * seq + i, 0.0, 0.0, 9.81] for i in range(5)]
    params = {"session_id": session_id, "seq": seq, "t_first_ms": samples[0][0], "t_last_ms": samples[-1][0]}
    return Append(session_id, seq, params | {"n_samples": 5, "data": pack_samples(samples)})


def test_a_group_that_fails_moves_no_counter(database_url: str) -> None:
    """The counters UPDATE and the batches INSERT commit or fail together: here batch 0 is stored already, so
    the group's INSERT fails and the session must still say one batch (not two) — on SQLite a statement that
    the driver did not see as a write once ran in autocommit and stayed."""
    engine = make_engine(database_url)
    migrate(engine)
    try:
        session_id = _one_session(engine)
        with engine.connect() as connection, connection.begin():
            assert _apply_appends(connection, [_append(session_id, 0)]) == {}
        with engine.connect() as connection:
            with pytest.raises(IntegrityError), connection.begin():
                _apply_appends(connection, [_append(session_id, 1), _append(session_id, 0)])
            row = connection.execute(select(sessions).where(sessions.c.id == session_id)).mappings().one()
            stored = connection.execute(select(func.count()).select_from(batches)).scalar()
        assert (row["batch_count"], row["sample_count"], stored) == (1, 5, 1)
        assert row["last_t_ms"] == 1004.0 and row["status"] == "live"
    finally:
        engine.dispose()


def test_sqlite_connections_are_durable_and_keep_temporary_tables_in_memory(tmp_path: Path) -> None:
    """Every commit survives power loss (WAL, synchronous=FULL), and a statement's temporary tables never touch
    the disk: as a temp file, the counters UPDATE's created and deleted one every commit group."""
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "temp_store")
            }
        assert pragmas == {"journal_mode": "wal", "synchronous": 2, "temp_store": 2}  # FULL, MEMORY
    finally:
        engine.dispose()
