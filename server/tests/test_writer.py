"""The group-commit writer on a real SQLite file: writes that arrive while a group gathers share one commit."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from openscg.db import make_engine
from openscg.sessions.writer import GroupWriter


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
