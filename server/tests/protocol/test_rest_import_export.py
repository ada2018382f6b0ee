"""PROTOCOL.md, the session document: GET …/data (JSON and CSV) and POST …/import of every supported version."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from tests.wire import (
    T0_MS,
    api,
    error_detail,
    metadata,
    new_session,
    open_capture,
    session_path,
    stored_samples,
    stream,
)

# Values chosen to catch rounding, float32 storage, and integer/float confusion.
AWKWARD = [
    [T0_MS + 0.125, -0.012, 0.001, 9.81],
    [T0_MS + 10.1, 0.1, -0.2, 9.806650000000001],
    [T0_MS + 20.333333333333332, 1e-17, -999.999, 1000.0],
    [T0_MS + 30, -1000, 0, 3],
    [T0_MS + 40.000000001, 123.456789012345, -7.5e-5, 2.2250738585072014e-308],
]


def _import(server, document, expect=201):
    response = api(server, "POST", "/api/v1/sessions/import", json=document)
    assert response.status_code == expect, response.text
    return response.json()


def _document(server, session) -> dict:
    response = api(server, "GET", session_path(session, "/data"), session["viewerToken"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize(
    "document",
    [
        {"version": "0.1", "samples": [{"t": s[0], "ax": s[1], "ay": s[2], "az": s[3]} for s in AWKWARD]},
        {"version": "0.2", "samples": AWKWARD},
        {"version": "2.0", "samples": AWKWARD},
        {
            "format": "openscg",
            "version": "1.0",
            "sessionId": str(uuid.uuid4()),
            "createdAt": "2025-11-24T16:00:00.000Z",
            "startedAt": "2025-11-24T16:00:00.125Z",
            "endedAt": None,
            "samplingRateHz": 99.8,
            "device": {"userAgent": "test", "platform": "Linux"},
            "units": {"t": "ms", "acceleration": "m/s^2"},
            "samples": AWKWARD,
        },
    ],
    ids=["v0.1", "v0.2", "v2.0", "v1.0"],
)
def test_import_gives_an_ended_session_with_the_same_samples(live_server, document):
    created = _import(live_server, document)
    assert {"sessionId", "createdAt", "patientToken", "viewerToken", "captureUrl", "watchUrl"} <= set(created)
    assert created["status"] == "ended"
    assert created["sessionId"] != document.get("sessionId")  # a new session, not the exported one's id
    assert created["captureUrl"] == f"/ws/v1/sessions/{created['sessionId']}/capture"
    assert created["watchUrl"] == f"/ws/v1/sessions/{created['sessionId']}/watch"
    meta = metadata(live_server, created)
    assert meta["status"] == "ended"
    assert meta["sampleCount"] == len(AWKWARD)
    got = stored_samples(live_server, created)
    assert got == [[float(v) for v in sample] for sample in AWKWARD]
    assert all(type(v) is float for sample in got for v in sample)


def test_import_of_a_long_recording_keeps_every_sample_in_order(live_server):
    rows = [[T0_MS + i * 9.984, 0.001 * (i % 101), -0.5, 9.81 - 0.0001 * i] for i in range(2500)]
    created = _import(live_server, {"version": "0.2", "samples": rows})
    assert stored_samples(live_server, created) == rows
    assert metadata(live_server, created)["samplingRateHz"] == pytest.approx(1000 / 9.984, rel=1e-3)


async def test_export_then_import_round_trips_value_for_value(live_server):
    session = new_session(live_server, device={"userAgent": "UA", "platform": "Android"})
    phone, _ = await open_capture(live_server, session)
    sent = await stream(phone, 4, per_batch=25)
    await phone.close()
    document = _document(live_server, session)
    assert {"format", "version", "sessionId", "createdAt", "startedAt", "endedAt", "samplingRateHz"} <= set(document)
    assert (document["format"], document["version"]) == ("openscg", "1.0")
    assert document["sessionId"] == session["sessionId"]
    assert document["units"] == {"t": "ms", "acceleration": "m/s^2"}
    assert document["device"] == {"userAgent": "UA", "platform": "Android"}
    assert document["samplingRateHz"] == pytest.approx(100.0, rel=1e-3)
    assert document["samples"] == sent
    again = _import(live_server, document)
    assert stored_samples(live_server, again) == sent


async def test_data_while_live_is_what_is_stored_so_far(live_server):
    session = new_session(live_server)
    assert stored_samples(live_server, session) == []
    phone, _ = await open_capture(live_server, session)
    sent = await stream(phone, 2)
    assert metadata(live_server, session)["status"] == "live"
    assert stored_samples(live_server, session) == sent
    sent += await stream(phone, 1, first_seq=2)
    assert stored_samples(live_server, session) == sent
    await phone.close()


def test_csv_export_has_the_header_and_exact_values(live_server):
    created = _import(live_server, {"version": "0.2", "samples": AWKWARD})
    for token in (created["viewerToken"], created["patientToken"]):
        response = api(live_server, "GET", session_path(created, "/data?format=csv"), token)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.text)))
        assert rows[0] == ["t_ms", "ax", "ay", "az"]
        assert [[float(v) for v in row] for row in rows[1:]] == [[float(v) for v in s] for s in AWKWARD]


def test_document_of_a_session_without_samples(live_server):
    session = new_session(live_server)
    document = _document(live_server, session)
    assert (document["format"], document["version"], document["samples"]) == ("openscg", "1.0", [])
    assert document["startedAt"] is None and document["endedAt"] is None and document["samplingRateHz"] is None
    assert document["createdAt"] == session["createdAt"]


def test_csv_of_a_session_without_samples_is_the_header_alone(live_server):
    session = new_session(live_server)
    response = api(live_server, "GET", session_path(session, "/data?format=csv"), session["viewerToken"])
    assert response.status_code == 200
    assert response.text.strip() == "t_ms,ax,ay,az"


def test_imported_session_tokens_work_like_created_ones(live_server):
    created = _import(live_server, {"version": "0.2", "samples": AWKWARD})
    error_detail(api(live_server, "DELETE", session_path(created), created["viewerToken"]), 403)
    error_detail(api(live_server, "GET", session_path(created)), 401)
    assert api(live_server, "DELETE", session_path(created), created["patientToken"]).status_code == 204
    error_detail(api(live_server, "GET", session_path(created, "/data"), created["viewerToken"]), 404)


BAD_DOCUMENTS = {
    "array": [AWKWARD],
    "no-samples": {"version": "0.2"},
    "empty-samples": {"version": "0.2", "samples": []},
    "samples-not-array": {"version": "0.2", "samples": {"t": 1}},
    "unknown-version": {"version": "9.9", "samples": AWKWARD},
    "wrong-format-name": {"format": "other", "version": "1.0", "samples": AWKWARD},
    "v0.1-missing-az": {"version": "0.1", "samples": [{"t": T0_MS, "ax": 0, "ay": 0}]},
    "v0.1-string-value": {"version": "0.1", "samples": [{"t": T0_MS, "ax": "0", "ay": 0, "az": 9.8}]},
    "three-values": {"version": "0.2", "samples": [[T0_MS, 0, 9.8]]},
    "string-value": {"version": "2.0", "samples": [[T0_MS, "0.1", 0, 9.8]]},
    "boolean-value": {"version": "1.0", "format": "openscg", "samples": [[T0_MS, True, 0, 9.8]]},
    "null-value": {"version": "1.0", "format": "openscg", "samples": [[T0_MS, None, 0, 9.8]]},
    "t-decreasing": {"version": "0.2", "samples": [[T0_MS + 10, 0, 0, 9.8], [T0_MS, 0, 0, 9.8]]},
    "t-repeated": {"version": "0.2", "samples": [[T0_MS, 0, 0, 9.8], [T0_MS, 0, 0, 9.8]]},
    "accel-over-1000": {"version": "0.2", "samples": [[T0_MS, 0, 1000.5, 9.8]]},
}


@pytest.mark.parametrize("name", list(BAD_DOCUMENTS))
def test_invalid_document_is_422_with_a_reason(live_server, name):
    error_detail(api(live_server, "POST", "/api/v1/sessions/import", json=BAD_DOCUMENTS[name]), 422)


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": "0.2", "samples": [[1, 0, 0, 9.8]',
        b'{"version": "0.2", "samples": [[1, NaN, 0, 9.8]]}',
        b'{"version": "0.2", "samples": [[1, Infinity, 0, 9.8]]}',
        b'{"version": "0.2", "samples": [[1, 1e999, 0, 9.8]]}',
        b"",
        b"\xff\xfe",
    ],
    ids=["truncated", "NaN", "Infinity", "1e999", "empty", "not-utf8"],
)
def test_import_body_that_is_not_json_is_422(live_server, body):
    headers = {"Content-Type": "application/json"}
    error_detail(api(live_server, "POST", "/api/v1/sessions/import", content=body, headers=headers), 422)
