"""PostgreSQL stopped in the middle of a recording (`pg_ctl stop -m immediate`: every connection cut) and started
again: acks pause, the phone keeps its batches, the server stays up and `/health` answers 503 naming the database;
when the database returns the recording completes with every sample once. A private cluster, never the shared one."""

from __future__ import annotations

import asyncio

from openscg.simulate import run_virtual_phone
from tests.faults.phone_data import assert_exactly, recording
from tests.wire import stored_samples

OUTAGES = 2


async def test_postgres_stopped_and_started_mid_stream_loses_nothing(start_server, private_postgres, health):
    server = start_server(OPENSCG_DATABASE_URL=private_postgres.url)
    source = recording(40.0)
    created: dict = {}
    progress: list[int] = []
    phone = asyncio.create_task(
        run_virtual_phone(
            server.base_url,
            source,
            speed=2.0,
            on_created=created.update,
            on_progress=lambda report: progress.append(report.batches_acked),
            progress_interval_s=0.25,
            max_offline_s=60.0,
        )
    )
    for _ in range(OUTAGES):
        await asyncio.sleep(4.0)
        await asyncio.to_thread(private_postgres.stop)
        body = await asyncio.to_thread(health, server, 503)
        assert body["status"] == "unavailable" and body["checks"]["database"] != "ok", body
        assert body["checks"]["broker"] == "ok", body
        await asyncio.sleep(1.0)
        acked_during = progress[-1]
        await asyncio.sleep(3.0)
        assert progress[-1] == acked_during, "a batch was acked while the database was down"
        assert server.process is not None and server.process.poll() is None, "the server died with its database"
        await asyncio.to_thread(private_postgres.start)
        await asyncio.to_thread(health, server, 200)
    report = await asyncio.wait_for(phone, 120)

    assert report.ended and report.reconnects >= OUTAGES, report
    assert report.batches_acked == report.batches_sent
    session = {"sessionId": created["sessionId"], "viewerToken": created["viewerToken"]}
    assert_exactly(stored_samples(server, session), source)
    print(f"postgres: {OUTAGES} outages, {report.reconnects} reconnects, {report.batches_resent} batches resent")
