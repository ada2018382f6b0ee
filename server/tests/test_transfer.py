"""`openscg import` and `openscg export` against a real server: every file we can read goes in as an ended
session and comes back out, as JSON and as CSV, value for value."""

from __future__ import annotations

import csv
import gzip
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from openscg.cli import main
from openscg.recordings import load_recording
from openscg.transfer import recording_document

DEMO = Path(__file__).resolve().parents[1] / "src" / "openscg" / "demo"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def legacy_v01(path: Path) -> Path:
    """An OpenSCG v0.1 document (samples as objects) with fractional, epoch-based times."""
    rows = [
        {"t": 1_721_574_600_123.25 + 10.0 * i, "ax": 0.01 * i, "ay": -0.5, "az": 9.81 - 0.001 * i} for i in range(50)
    ]
    path.write_text(json.dumps({"version": "0.1", "samples": rows}))
    return path


def import_file(server, path: Path, capsys) -> dict[str, str]:
    assert main(["import", str(path), "--server", server.base_url]) == 0
    out = capsys.readouterr().out
    found = {
        "sessionId": re.search(rf"session id\s+({UUID})", out),
        "viewerLink": re.search(rf"viewer link\s+(\S+/view/{UUID}#\S+)", out),
        "patientToken": re.search(r"patient token\s+([A-Za-z0-9_-]{22,})", out),
    }
    assert all(found.values()), out
    assert "secret" in out
    return {key: match.group(1) for key, match in found.items()}


def export(server, session_id: str, token: str, tmp_path: Path, fmt: str) -> Path:
    target = tmp_path / f"export.{fmt}"
    args = ["export", session_id, "--token", token, "--format", fmt, "-o", str(target), "--server", server.base_url]
    assert main(args) == 0
    assert not Path(f"{target}.part").exists()
    return target


def test_every_file_shape_becomes_a_1_0_document(tmp_path):
    for path in [
        DEMO / "heartscan_measurement_3.json",
        DEMO / "mscardio_subject_0001.csv.gz",
        legacy_v01(tmp_path / "a.json"),
    ]:
        doc = recording_document(path)
        assert doc["format"] == "openscg" and doc["version"] == "1.0"
        assert doc["samples"] == load_recording(path).samples()
    csv_doc = recording_document(DEMO / "mscardio_subject_0001.csv.gz")
    assert csv_doc["startedAt"].startswith("2024-") and csv_doc["endedAt"] > csv_doc["startedAt"]
    assert recording_document(DEMO / "heartscan_measurement_3.json")["startedAt"] == "2026-03-01T21:01:33.533Z"


@pytest.mark.parametrize("name", ["heartscan_measurement_3.json", "mscardio_subject_0017_android.csv.gz", "v0.1"])
def test_import_then_export_json_and_csv_round_trip_exactly(live_server, tmp_path, capsys, name):
    path = legacy_v01(tmp_path / "legacy.json") if name == "v0.1" else DEMO / name
    expected = np.array(load_recording(path).samples())
    created = import_file(live_server, path, capsys)
    document = json.loads(
        export(live_server, created["sessionId"], created["patientToken"], tmp_path, "json").read_text()
    )
    assert document["sessionId"] == created["sessionId"] and document["endedAt"]
    np.testing.assert_array_equal(np.array(document["samples"]), expected)
    token = created["viewerLink"].rsplit("#", 1)[1]  # the viewer token exports too
    with export(live_server, created["sessionId"], token, tmp_path, "csv").open() as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["t_ms", "ax", "ay", "az"]
    np.testing.assert_array_equal(np.array(rows[1:], dtype=np.float64), expected)


def test_export_to_standard_output_through_the_real_entry_point(live_server, tmp_path, capsys):
    gz = tmp_path / "legacy.json.gz"
    gz.write_bytes(gzip.compress(legacy_v01(tmp_path / "legacy.json").read_bytes()))
    created = import_file(live_server, gz, capsys)
    command = [sys.executable, "-m", "openscg", "export", created["sessionId"], "--token", created["patientToken"]]
    done = subprocess.run([*command, "--server", live_server.base_url], capture_output=True, timeout=30)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["samples"]) == 50


def test_export_with_a_wrong_token_fails_with_the_reason(live_server, tmp_path, capsys):
    created = import_file(live_server, DEMO / "heartscan_measurement_4.json", capsys)
    target = tmp_path / "never.json"
    args = [
        "export",
        created["sessionId"],
        "--token",
        "not-the-token",
        "-o",
        str(target),
        "--server",
        live_server.base_url,
    ]
    assert main(args) == 1
    assert "401" in capsys.readouterr().err and not target.exists()
    unknown = ["export", "00000000-0000-4000-8000-000000000000", "--token", created["patientToken"]]
    assert main([*unknown, "--server", live_server.base_url]) == 1
    assert "404" in capsys.readouterr().err


def test_import_refuses_what_it_cannot_read_or_reach(live_server, tmp_path, capsys):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello\n")
    assert main(["import", str(bad), "--server", live_server.base_url]) == 2
    assert "notes.txt" in capsys.readouterr().err
    assert main(["import", str(DEMO / "heartscan_measurement_3.json"), "--server", "http://127.0.0.1:9"]) == 1
    assert "cannot reach" in capsys.readouterr().err
