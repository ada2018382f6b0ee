"""Direct looks into a server's database for the privacy tests: count a session's rows, age a session, and read
the SQLite file's bytes after a WAL checkpoint (to prove erased data left the file)."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

TABLES = ("sessions", "batches", "access_log")


def _sqlite_path(url: str) -> Path | None:
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:") else None


def sql(url: str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Run one statement on the server's database (SQLite or PostgreSQL) and return its rows."""
    path = _sqlite_path(url)
    if path is not None:
        with sqlite3.connect(path, timeout=30) as connection:
            return connection.execute(statement, params).fetchall()
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        cursor = connection.execute(statement.replace("?", "%s"), params)
        return cursor.fetchall() if cursor.description else []


def rows_of(url: str, session_id: str) -> dict[str, int]:
    """How many rows each table holds for the session."""
    counts = {}
    for table in TABLES:
        column = "id" if table == "sessions" else "session_id"
        counts[table] = sql(url, f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", (session_id,))[0][0]
    return counts


def age_session(url: str, session_id: str, days: float) -> None:
    """Pretend the session was created `days` ago."""
    created_ms = time.time() * 1000.0 - days * 86_400_000.0
    sql(url, "UPDATE sessions SET created_at_ms = ? WHERE id = ?", (created_ms, session_id))


def file_bytes(url: str) -> bytes:
    """The SQLite database and its WAL, after moving every committed page into the main file and truncating the
    WAL (so old page versions do not linger there); retried while the server holds a read transaction."""
    path = _sqlite_path(url)
    assert path is not None
    for _ in range(100):
        with sqlite3.connect(path, timeout=30) as connection:
            busy, _log, _done = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        if busy == 0:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the WAL could not be checkpointed")
    files = (path, Path(f"{path}-wal"), Path(f"{path}-journal"))
    return b"".join(file.read_bytes() for file in files if file.exists())
