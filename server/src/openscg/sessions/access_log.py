"""Who watched: one row per access to a session — when, with which role, doing what, from what kind of client —
readable by the patient (`GET /api/v1/sessions/{id}/access-log`) and erased with the session.

Privacy: no network address is kept, not even hashed (an IPv4 address hashed with a salt the database also
holds is recovered by trying all 2³² of them). The User-Agent is reduced to a browser family and an operating
system ("Chrome on Android"); the rest of it (versions, device model) is dropped.

Recording never makes a socket or a request wait: `record` hands the row to the group-commit writer and
returns. The same access (session, role, action, client) repeated within `coalesce_s` is stored once, so a
viewer polling metadata or reconnecting over a flaky network does not flood the log; the memory of recent
accesses keeps only the last `coalesce_s` seconds. At most `MAX_PENDING` rows wait for the writer; beyond
that, entries are dropped with a warning (the log is a courtesy to the patient, the samples come first).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from typing import Any

from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from openscg.errors import StorageUnavailable
from openscg.sessions.metadata import iso_utc
from openscg.sessions.tables import access_log
from openscg.sessions.writer import GroupWriter

log = logging.getLogger(__name__)
COALESCE_S = 60.0
MAX_PENDING = 1000
MAX_ENTRIES = 1000  # the newest this many are answered

# Checked in order: Edge and Opera also say "Chrome/", Chrome also says "Safari/".
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Safari/", "Safari"),
)
# iPhones say "like Mac OS X" and Android says "Linux": the more specific names come first.
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iOS"),
    ("iPad", "iOS"),
    ("iPod", "iOS"),
    ("CrOS", "ChromeOS"),
    ("Windows", "Windows"),
    ("Macintosh", "macOS"),
    ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
_TOOLS = (
    ("openscg", "OpenSCG tool"),
    ("python-httpx", "Python httpx"),
    ("websockets/", "Python websockets"),
    ("python-requests", "Python requests"),
    ("aiohttp", "Python aiohttp"),
    ("curl/", "curl"),
    ("Wget", "Wget"),
    ("okhttp", "OkHttp"),
    ("node", "Node.js"),
)


def describe_client(user_agent: str | None) -> str:
    """A coarse description of a User-Agent: "Chrome on Android", "Safari on iOS", "curl", "unknown client"."""
    if not user_agent:
        return "unknown client"
    agent = user_agent[:512]
    if agent.startswith("Mozilla/"):
        browser = next((name for marker, name in _BROWSERS if marker in agent), "browser")
        system = next((name for marker, name in _SYSTEMS if marker in agent), None)
        return f"{browser} on {system}" if system else browser
    lowered = agent.lower()
    return next((name for marker, name in _TOOLS if marker.lower() in lowered), "other client")


class AccessLog:
    def __init__(self, engine: Engine, writer: GroupWriter, coalesce_s: float = COALESCE_S) -> None:
        self._engine = engine
        self._writer = writer
        self._coalesce_s = coalesce_s
        self._recent: OrderedDict[tuple[str, str, str, str], float] = OrderedDict()
        self._pending: set[asyncio.Task[None]] = set()

    def record(self, session_id: str, role: str, action: str, user_agent: str | None) -> None:
        """Note an access; returns at once (the row is written by the group-commit writer)."""
        client = describe_client(user_agent)
        key = (session_id, role, action, client)
        now = time.monotonic()
        while self._recent and next(iter(self._recent.values())) < now - self._coalesce_s:
            self._recent.popitem(last=False)
        if key in self._recent:
            return
        if len(self._pending) >= MAX_PENDING:
            log.warning("access log entry dropped: the writer is busy", extra={"session_id": session_id})
            return
        self._recent[key] = now
        row = {"session_id": session_id, "at_ms": time.time() * 1000.0, "role": role, "action": action}
        task = asyncio.create_task(self._write({**row, "client": client}))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, row: dict[str, Any]) -> None:
        try:
            await self._writer.submit(lambda connection: connection.execute(insert(access_log).values(**row)))
        except IntegrityError:
            pass  # the session was erased meanwhile: nothing to log about
        except Exception as exc:
            log.warning(
                "access log entry not stored",
                extra={"session_id": row["session_id"], "error": type(exc).__name__},
            )

    async def entries(self, session_id: str, limit: int = MAX_ENTRIES) -> list[dict[str, Any]]:
        """The newest `limit` entries, oldest first: `{"at", "role", "action", "client"}`."""

        def read() -> list[Any]:
            with self._engine.connect() as connection:
                return _select_entries(connection, session_id, limit)

        try:
            rows = await asyncio.to_thread(read)
        except SQLAlchemyError as exc:
            raise StorageUnavailable(f"database unavailable: {type(exc).__name__}") from exc
        return [
            {"at": iso_utc(at_ms), "role": role, "action": action, "client": client}
            for at_ms, role, action, client in reversed(rows)
        ]


def _select_entries(connection: Connection, session_id: str, limit: int) -> list[Any]:
    query = (
        select(access_log.c.at_ms, access_log.c.role, access_log.c.action, access_log.c.client)
        .where(access_log.c.session_id == session_id)
        .order_by(access_log.c.at_ms.desc(), access_log.c.id.desc())
        .limit(limit)
    )
    return list(connection.execute(query))
