"""All SQL of OpenSCG. Reads run in worker threads on pooled connections; writes go through the group-commit
writer, so an awaited write has been committed. Raises domain errors (openscg.errors), never HTTP ones."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from openscg.errors import InvalidInput, SessionGone, SessionNotFound, StorageUnavailable
from openscg.protocol import pack_samples, unpack_samples
from openscg.sessions.access_log import AccessLog
from openscg.sessions.append_sql import advance_counters, insert_batches
from openscg.sessions.tables import access_log, batches, sessions
from openscg.sessions.writer import GATHER_S, Append, GroupWriter

Row = dict[str, Any]


def now_ms() -> float:
    return time.time() * 1000.0


def is_session_id(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower() and len(value) == 36
    except (ValueError, AttributeError):
        return False


@dataclass(frozen=True)
class NewSession:
    label: str | None
    device: dict[str, Any] | None
    patient_token_hash: str
    viewer_token_hash: str


class SessionStore:
    def __init__(self, engine: Engine, max_group: int = 512, gather_s: float = GATHER_S) -> None:
        self.engine = engine
        self.writer = GroupWriter(engine, _apply_appends, max_group, gather_s)
        self.access_log = AccessLog(engine, self.writer)

    def start(self) -> None:
        self.writer.start()

    def close(self) -> None:
        self.writer.stop()
        self.engine.dispose()

    async def _read(self, fn: Any, *args: Any) -> Any:
        def run() -> Any:
            with self.engine.connect() as connection:
                return fn(connection, *args)

        try:
            return await asyncio.to_thread(run)
        except (OperationalError, SQLAlchemyError) as exc:
            raise StorageUnavailable(f"database unavailable: {type(exc).__name__}") from exc

    async def _write(self, write: Any) -> Any:
        try:
            return await self.writer.submit(write)
        except IntegrityError:
            raise
        except (OperationalError, SQLAlchemyError) as exc:
            raise StorageUnavailable(f"database unavailable: {type(exc).__name__}") from exc

    # -- sessions ---------------------------------------------------------------------------------------
    async def create(self, new: NewSession, status: str = "created") -> Row:
        session_id = str(uuid.uuid4())
        row: dict[str, Any] = {
            "id": session_id,
            "status": status,
            "label": new.label,
            "device": _device_json(new.device),
            "patient_token_hash": new.patient_token_hash,
            "viewer_token_hash": new.viewer_token_hash,
            "created_at_ms": now_ms(),
            "batch_count": 0,
            "sample_count": 0,
        }
        await self._write(lambda connection: connection.execute(insert(sessions).values(**row)))
        return await self.get(session_id)

    async def get(self, session_id: str) -> Row:
        """The session's row; SessionNotFound for an unknown or malformed id."""
        if not is_session_id(session_id):
            raise SessionNotFound()
        row = await self._read(_select_session, session_id)
        if row is None:
            raise SessionNotFound()
        return row

    async def end(self, session_id: str) -> Row:
        """Mark ended (idempotent) and return the row."""
        await self.get(session_id)

        def write(connection: Connection) -> None:
            connection.execute(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.status != "ended")
                .values(status="ended", ended_at_ms=now_ms())
            )

        await self._write(write)
        return await self.get(session_id)

    async def delete(self, session_id: str) -> None:
        await self.get(session_id)

        def write(connection: Connection) -> None:
            connection.execute(delete(access_log).where(access_log.c.session_id == session_id))
            connection.execute(delete(batches).where(batches.c.session_id == session_id))
            connection.execute(delete(sessions).where(sessions.c.id == session_id))

        await self._write(write)

    async def replace_viewer_token_hash(self, session_id: str, viewer_token_hash: str) -> None:
        """Revoke the share link: from the commit on, only the new viewer token opens the session."""
        statement = update(sessions).where(sessions.c.id == session_id).values(viewer_token_hash=viewer_token_hash)
        if (await self._write(lambda connection: connection.execute(statement).rowcount)) == 0:
            raise SessionNotFound()

    async def created_before(self, cutoff_ms: float, limit: int) -> list[str]:
        """Ids of up to `limit` sessions created before `cutoff_ms` (for the retention job), oldest first."""
        query = (
            select(sessions.c.id)
            .where(sessions.c.created_at_ms < cutoff_ms)
            .order_by(sessions.c.created_at_ms)
            .limit(limit)
        )
        return await self._read(lambda connection: [str(row[0]) for row in connection.execute(query)])

    # -- batches ----------------------------------------------------------------------------------------
    async def append(self, session_id: str, seq: int, samples: list[list[float]]) -> None:
        """Store batch `seq` and return once committed. The caller has validated seq and samples."""
        params = {
            "session_id": session_id,
            "seq": seq,
            "t_first_ms": float(samples[0][0]),
            "t_last_ms": float(samples[-1][0]),
            "n_samples": len(samples),
            "data": pack_samples(samples),
        }
        try:
            await self._write(Append(session_id, seq, params))
        except IntegrityError as exc:
            raise SessionGone("the session was deleted or this batch was stored already") from exc

    async def read_batches(self, session_id: str, from_seq: int, limit: int) -> list[tuple[int, bytes]]:
        """Up to `limit` stored batches with seq ≥ from_seq, in order, as (seq, packed samples)."""
        return await self._read(_select_batches, session_id, from_seq, limit)

    async def seq_covering(self, session_id: str, t_ms: float) -> int:
        """The first seq whose last sample is at or after t_ms (the start of a default watch)."""
        return await self._read(_select_seq_covering, session_id, t_ms)

    def iter_samples(self, session_id: str, chunk: int = 500) -> Iterator[list[list[float]]]:
        """Blocking iterator over every stored batch's samples (for streaming exports from a thread)."""
        next_seq = 0
        while True:
            with self.engine.connect() as connection:
                rows = _select_batches(connection, session_id, next_seq, chunk)
            for seq, data in rows:
                next_seq = seq + 1
                yield unpack_samples(data)
            if len(rows) < chunk:
                return

    async def import_session(self, new: NewSession, samples: list[list[float]], meta: Row) -> Row:
        """One ended session with all its samples, in one transaction."""
        session_id = str(uuid.uuid4())
        created = now_ms()
        chunks = [samples[i : i + 1000] for i in range(0, len(samples), 1000)]
        device = _device_json(new.device)

        def write(connection: Connection) -> None:
            connection.execute(
                insert(sessions).values(
                    id=session_id,
                    status="ended",
                    label=new.label,
                    device=device,
                    patient_token_hash=new.patient_token_hash,
                    viewer_token_hash=new.viewer_token_hash,
                    created_at_ms=created,
                    started_at_ms=meta.get("started_at_ms") or created,
                    ended_at_ms=meta.get("ended_at_ms") or created,
                    batch_count=len(chunks),
                    sample_count=len(samples),
                    first_t_ms=float(samples[0][0]),
                    last_t_ms=float(samples[-1][0]),
                )
            )
            connection.execute(
                insert(batches),
                [
                    {
                        "session_id": session_id,
                        "seq": seq,
                        "t_first_ms": float(chunk[0][0]),
                        "t_last_ms": float(chunk[-1][0]),
                        "n_samples": len(chunk),
                        "data": pack_samples(chunk),
                    }
                    for seq, chunk in enumerate(chunks)
                ],
            )

        await self._write(write)
        return await self.get(session_id)

    async def ping(self) -> None:
        await self._read(lambda connection: connection.execute(select(1)).scalar())


def _device_json(device: dict[str, Any] | None) -> str | None:
    """The device object as stored; InvalidInput (422) for what JSON cannot carry exactly (integers beyond 64 bits)."""
    if device is None:
        return None
    try:
        return orjson.dumps(device).decode()
    except TypeError as exc:  # orjson.JSONEncodeError is a TypeError
        raise InvalidInput(f"device: {exc}") from None


def _select_session(connection: Connection, session_id: str) -> Row | None:
    row = connection.execute(select(sessions).where(sessions.c.id == session_id)).mappings().first()
    return dict(row) if row is not None else None


def _select_batches(connection: Connection, session_id: str, from_seq: int, limit: int) -> list[Any]:
    query = (
        select(batches.c.seq, batches.c.data)
        .where(batches.c.session_id == session_id, batches.c.seq >= from_seq)
        .order_by(batches.c.seq)
        .limit(limit)
    )
    return [(int(seq), bytes(data)) for seq, data in connection.execute(query)]


def _select_seq_covering(connection: Connection, session_id: str, t_ms: float) -> int:
    query = select(func.min(batches.c.seq)).where(batches.c.session_id == session_id, batches.c.t_last_ms >= t_ms)
    seq = connection.execute(query).scalar()
    return int(seq) if seq is not None else 0


def _apply_appends(connection: Connection, appends: list[Append]) -> dict[str, BaseException]:
    """Move each open session's counters (one UPDATE … RETURNING the open ones), then insert their batches
    (one multi-row INSERT): two statements a group.

    Batches of sessions that have ended meanwhile (or were deleted) are refused, so no batch is ever stored
    after the `ended` its viewers were told about."""
    per_session: dict[str, dict[str, Any]] = {}
    for append in appends:
        entry = per_session.get(append.session_id)
        if entry is None:
            entry = per_session[append.session_id] = {"k": 0, "n": 0, "first": append.params["t_first_ms"]}
        entry["k"] += 1
        entry["n"] += append.params["n_samples"]
        entry["last"] = append.params["t_last_ms"]
    open_ids = advance_counters(connection, per_session, now_ms())
    refused: dict[str, BaseException] = {
        session_id: SessionGone("session has ended or was deleted; batch not stored")
        for session_id in per_session.keys() - open_ids
    }
    rows = [append.params for append in appends if append.session_id in open_ids]
    if rows:
        insert_batches(connection, rows)
    return refused
