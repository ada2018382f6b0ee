"""Retention: sessions created more than `OPENSCG_RETENTION_DAYS` ago are erased — samples, metadata and access
log — by a background job of the app's lifespan, once at startup and then every `OPENSCG_RETENTION_INTERVAL_S`.

Each erasure is the same as the patient's `DELETE`: one transaction through the store, then a `deleted` event,
so every open socket of the session, on every server process, is closed with 4410. Several processes may run
the job on one database; a session erased by another one in the meantime is simply skipped.
"""

from __future__ import annotations

import asyncio
import logging

from openscg.context import Context
from openscg.errors import OpenSCGError, SessionNotFound
from openscg.live.broker import Event
from openscg.sessions.store import now_ms

log = logging.getLogger(__name__)
MS_PER_DAY = 86_400_000.0
SESSIONS_PER_QUERY = 200


async def erase_expired(ctx: Context) -> int:
    """Erase every session older than the retention period; return how many were erased."""
    cutoff_ms = now_ms() - ctx.settings.retention_days * MS_PER_DAY
    erased = 0
    while True:
        expired = await ctx.store.created_before(cutoff_ms, SESSIONS_PER_QUERY)
        for session_id in expired:
            try:
                await ctx.store.delete(session_id)
            except SessionNotFound:
                continue  # erased by the patient or by another process meanwhile
            await ctx.hub.publish(session_id, Event("deleted"))
            erased += 1
        if len(expired) < SESSIONS_PER_QUERY:
            return erased


async def run_retention(ctx: Context) -> None:
    """The job: a pass now and then one every interval, until cancelled. A failed pass (database away) is
    logged and retried at the next interval."""
    interval_s = ctx.settings.retention_interval_s
    while True:
        try:
            erased = await erase_expired(ctx)
        except OpenSCGError as error:
            log.warning("retention pass failed; next try in %g s", interval_s, extra={"error": error.detail})
        except Exception:  # the job's boundary: it must outlive any one failed pass
            log.exception("retention pass failed; next try in %g s", interval_s)
        else:
            if erased:
                log.info("retention erased sessions", extra={"erased": erased, "days": ctx.settings.retention_days})
        await asyncio.sleep(interval_s)


def start_retention(ctx: Context) -> asyncio.Task[None] | None:
    """Start the job as a background task of the app (cancelled on shutdown); None when retention is off (0)."""
    if ctx.settings.retention_days <= 0:
        return None
    task = asyncio.create_task(run_retention(ctx), name="retention")
    ctx.background.add(task)
    task.add_done_callback(ctx.background.discard)
    return task
