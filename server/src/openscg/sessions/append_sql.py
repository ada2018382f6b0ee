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
    session that ended or was deleted meanwhile is not among them, and its batches must not be stored."""
    mark = _mark(connection)
    ids = list(per_session)

    def by_session(field: str) -> tuple[str, list[Any]]:
        sql = "CASE id " + " ".join([f"WHEN {mark} THEN {mark}"] * len(ids)) + " END"
        return sql, [value for sid in ids for value in (sid, per_session[sid][field])]

    k_sql, k_params = by_session("k")
    n_sql, n_params = by_session("n")
    first_sql, first_params = by_session("first")
    last_sql, last_params = by_session("last")
    sql = (
        f"UPDATE sessions SET batch_count = batch_count + {k_sql}, sample_count = sample_count + {n_sql}, "
        f"first_t_ms = COALESCE(first_t_ms, {first_sql}), last_t_ms = {last_sql}, "
        f"started_at_ms = COALESCE(started_at_ms, {mark}), "
        "status = 'live' "
        f"WHERE id IN ({', '.join([mark] * len(ids))}) AND status <> 'ended' RETURNING id"
    )
    params = (*k_params, *n_params, *first_params, *last_params, stamp_ms, *ids)
    return {str(row[0]) for row in connection.exec_driver_sql(sql, params)}
