"""The two statements of a group commit, written for few round trips into the database driver.

Each driver call releases the GIL; the writer thread then waits for the busy event loop to hand it back. So a
group of N batches is stored with one UPDATE (a CASE per counter, RETURNING the sessions still open) and one
multi-row INSERT, not 2·N statements.
Plain SQL with positional parameters: `?` for sqlite3, `%s` for psycopg.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

BATCH_COLUMNS = ("session_id", "seq", "t_first_ms", "t_last_ms", "n_samples", "data")


def _mark(connection: Connection) -> str:
    return "?" if connection.dialect.paramstyle == "qmark" else "%s"


def insert_batches(connection: Connection, rows: list[dict[str, Any]]) -> None:
    mark = _mark(connection)
    row_sql = "(" + ", ".join([mark] * len(BATCH_COLUMNS)) + ")"
    sql = f"INSERT INTO batches ({', '.join(BATCH_COLUMNS)}) VALUES " + ", ".join([row_sql] * len(rows))
    connection.exec_driver_sql(sql, tuple(row[column] for row in rows for column in BATCH_COLUMNS))


def advance_counters(connection: Connection, per_session: dict[str, dict[str, Any]], stamp_ms: float) -> set[str]:
    """For every session of the group that has not ended: batch_count += k, sample_count += n, first_t_ms
    (once), last_t_ms, started_at_ms (once), status live. Returns the ids it moved (the open sessions): a
    session that ended or was deleted meanwhile is not among them, and its batches must not be stored.

    One UPDATE … FROM a VALUES list: SQLite compiled the earlier form (a CASE of N branches per counter, and
    an IN list) in time that grew with N², every group — a quarter of the writer thread's CPU under load.
    The statement must start with UPDATE: Python's sqlite3 opens its implicit transaction only before a
    statement that starts with INSERT, UPDATE, DELETE or REPLACE, so a `WITH … UPDATE` ran in autocommit and
    its counters stayed moved when the group's INSERT then failed (tests/test_writer.py)."""
    mark = _mark(connection)
    row_sql = f"({mark}, {mark}, {mark}, {mark}, {mark})"
    moved = (
        "SELECT column1 AS id, column2 AS k, column3 AS n, column4 AS first_t_ms, column5 AS last_t_ms "
        f"FROM (VALUES {', '.join([row_sql] * len(per_session))}) AS v"
    )
    sql = (
        "UPDATE sessions SET batch_count = sessions.batch_count + moved.k, "
        "sample_count = sessions.sample_count + moved.n, "
        "first_t_ms = COALESCE(sessions.first_t_ms, moved.first_t_ms), last_t_ms = moved.last_t_ms, "
        f"started_at_ms = COALESCE(sessions.started_at_ms, {mark}), status = 'live' "
        f"FROM ({moved}) AS moved WHERE sessions.id = moved.id AND sessions.status <> 'ended' RETURNING sessions.id"
    )
    params: list[Any] = [stamp_ms]  # positional: started_at_ms comes first in the text, then the VALUES rows
    for session_id, entry in per_session.items():
        params += (session_id, entry["k"], entry["n"], entry["first"], entry["last"])
    return {str(row[0]) for row in connection.exec_driver_sql(sql, tuple(params))}
