"""Storage through the real server on SQLite and PostgreSQL: values come back exactly (bit for bit), counters
and metadata follow the stored batches, and a deleted session leaves nothing behind."""

from __future__ import annotations

import httpx

from tests.wire import auth, create_session, open_capture, send_batch

AWKWARD = [
    [1.0, 0.1, -0.0, 9.80665],
    [1.5, 1e-300, -1e-300, 999.9999999999999],
    [1721574600123.456, 5e-324, 123456.789e-3, -1000.0],
    [1721574600124.0, 0.30000000000000004, 2.220446049250313e-16, 1000],
]


async def test_values_round_trip_exactly(start_server, database_url):
    # times from 1970 and 2024 in one live session: the clock-skew and session-length bounds are lifted here
    limits = {"OPENSCG_MAX_CLOCK_SKEW_S": "0", "OPENSCG_MAX_SESSION_DURATION_S": "1e12"}
    server = start_server(OPENSCG_DATABASE_URL=database_url, **limits)
    session = create_session(server)
    phone, _ready = await open_capture(server, session)
    assert (await send_batch(phone, 0, AWKWARD[:2]))["type"] == "ack"
    assert (await send_batch(phone, 1, AWKWARD[2:]))["type"] == "ack"
    await phone.close()
    base = f"{server.base_url}/api/v1/sessions/{session['sessionId']}"
    document = httpx.get(base + "/data", headers=auth(session["viewerToken"])).json()
    assert document["samples"] == [[float(v) for v in row] for row in AWKWARD]
    csv_rows = httpx.get(base + "/data?format=csv", headers=auth(session["viewerToken"])).text.splitlines()
    assert csv_rows[0] == "t_ms,ax,ay,az"
    assert [[float(v) for v in row.split(",")] for row in csv_rows[1:]] == document["samples"]
    meta = httpx.get(base, headers=auth(session["viewerToken"])).json()
    assert (meta["sampleCount"], meta["batchCount"], meta["status"]) == (4, 2, "live")


async def test_import_then_delete_leaves_nothing(start_server, database_url):
    server = start_server(OPENSCG_DATABASE_URL=database_url)
    document = {"version": "2.0", "samples": [[i * 10.0, 0.0, 0.0, 9.81 + i * 1e-3] for i in range(2500)]}
    created = httpx.post(server.base_url + "/api/v1/sessions/import", json=document)
    assert created.status_code == 201, created.text
    session = created.json()
    assert (session["status"], session["sampleCount"], session["batchCount"]) == ("ended", 2500, 3)
    base = f"{server.base_url}/api/v1/sessions/{session['sessionId']}"
    assert httpx.get(base + "/data", headers=auth(session["viewerToken"])).json()["samples"] == document["samples"]
    assert httpx.delete(base, headers=auth(session["patientToken"])).status_code == 204
    assert httpx.get(base, headers=auth(session["patientToken"])).status_code == 404
    server.stop()

    from sqlalchemy import create_engine, text

    from openscg.db import normalize_url

    with create_engine(normalize_url(database_url)).connect() as connection:
        for table in ("sessions", "batches"):
            count = connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
            assert count == 0, f"{table} still holds {count} rows after delete"
