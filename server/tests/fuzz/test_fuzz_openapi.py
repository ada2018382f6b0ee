"""Every REST route fuzzed by schemathesis from the server's own /openapi.json, against a real server process:
no 5xx, and every answer (status, content type, headers, body) as the document says. Bounded in time; the
number of cases run is printed (`pytest -s` shows it).

Two passes: one with generated session ids (mostly 404 answers, plus every body of create and import), one with
a real session and its patient token, so the routes' own logic is reached. `POST /api/v1/demo` takes no input
and starts a ten-minute background patient per call: it is left out."""

from __future__ import annotations

import contextlib
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

from openscg.protocol import unpack_samples, validate_samples
from tests.wire import new_session

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    ]
)
PASSES = {"generated ids": 20, "a real session": 15}  # seconds of budget each


def _schemathesis(server, folder: Path, budget_s: int, token: str, extra: list[str]) -> int:
    """Run schemathesis; assert it passed; return how many cases it ran."""
    command = [str(Path(sys.executable).parent / "schemathesis"), *extra[:2], "run", server.base_url + "/openapi.json"]
    command += ["--checks", CHECKS, "--max-examples", "30", "--max-time", str(budget_s), "--seed", "20261126"]
    command += ["--phases", "coverage,fuzzing", "--exclude-path", "/api/v1/demo", "--no-shrink"]
    command += ["--header", f"Authorization: Bearer {token}", "--request-timeout", "10", *extra[2:]]
    done = subprocess.run(command, capture_output=True, text=True, timeout=budget_s + 90, cwd=folder)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-6000:]
    found = re.search(r"(\d+) generated", output)
    assert found, output[-3000:]
    return int(found.group(1))


def test_schemathesis_finds_no_server_error_and_no_undocumented_answer(start_server, tmp_path):
    server = start_server(OPENSCG_SESSIONS_PER_MINUTE="1000000")
    first = new_session(server)
    cases = {"generated ids": _schemathesis(server, tmp_path, PASSES["generated ids"], first["patientToken"], [])}

    real = new_session(server)
    config = tmp_path / "schemathesis.toml"
    config.write_text(f'[parameters]\n"path.session_id" = "{real["sessionId"]}"\n')
    extra = ["--config-file", str(config), "--exclude-method", "DELETE"]  # keep the session for the whole pass
    cases["a real session"] = _schemathesis(server, tmp_path, PASSES["a real session"], real["patientToken"], extra)

    print(f"schemathesis cases run: {cases} (total {sum(cases.values())})")
    assert all(count > 0 for count in cases.values()), cases
    assert server.process is not None and server.process.poll() is None
    assert '"level":"ERROR"' not in server.log(), "the server logged an error while fuzzed"
    _assert_no_stored_garbage(tmp_path / "openscg.db")


def _assert_no_stored_garbage(database: Path) -> None:
    """Every session the fuzzer managed to store (created, imported) holds batches that obey the protocol's
    sample rules, and counters that match them."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        sessions = connection.execute("SELECT id, batch_count, sample_count, first_t_ms, last_t_ms FROM sessions")
        for session_id, batch_count, sample_count, first_t_ms, last_t_ms in sessions.fetchall():
            rows = connection.execute(
                "SELECT seq, n_samples, data FROM batches WHERE session_id = ? ORDER BY seq", (session_id,)
            ).fetchall()
            assert [seq for seq, _, _ in rows] == list(range(batch_count)), session_id
            stored = [sample for _, _, data in rows for sample in unpack_samples(data)]
            assert [n for _, n, _ in rows] == [len(unpack_samples(data)) for _, _, data in rows]
            assert len(stored) == sample_count, session_id
            if stored:
                validate_samples(stored, None, len(stored), 1000.0)
                assert (stored[0][0], stored[-1][0]) == (first_t_ms, last_t_ms), session_id
