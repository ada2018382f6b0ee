"""Disk full under SQLite: the database lives on a 2 MiB tmpfs that the stream fills. The batch that does not fit
is not acked and the phone is told `storage_unavailable` (then close 1011); the server keeps answering reads;
once space is freed the phone reconnects, resends from nextSeq and the recording completes, each sample once."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from tests.wire import (
    messages_until_close,
    metadata,
    new_session,
    open_capture,
    samples,
    send_batch,
    send_json,
    stored_samples,
)

BATCH = 1000  # 32 KiB packed per batch: the 2 MiB disk is full after a few dozen


@pytest.fixture
def tiny_disk(tmp_path: Path):
    folder = tmp_path / "tiny"
    folder.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True)
    if done.returncode != 0:
        message = f"cannot mount a small tmpfs: {done.stderr.decode().strip()}"
        if os.environ.get("OPENSCG_TEST_REQUIRE_SERVICES") == "1":
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    yield folder
    subprocess.run(["umount", "-l", str(folder)], capture_output=True)


async def test_a_full_disk_refuses_batches_and_recovers(start_server, tiny_disk):
    filler = tiny_disk / "filler"
    filler.write_bytes(b"\0" * 600 * 1024)  # freed later: the space the recording needs to complete
    server = start_server(OPENSCG_DATABASE_URL=f"sqlite:///{tiny_disk / 'openscg.db'}")
    session = new_session(server)
    phone, _ = await open_capture(server, session)
    sent: list[list[float]] = []
    refused = None
    for seq in range(200):
        batch = samples(BATCH, start=seq * BATCH)
        answer = await send_batch(phone, seq, batch)
        if answer["type"] != "ack":
            refused = answer
            break
        sent += batch
    assert refused is not None, "the disk never filled"
    assert refused["code"] == "storage_unavailable" and refused["seq"] == len(sent) // BATCH, refused
    assert "not stored" in refused["detail"], refused
    _, code = await messages_until_close(phone)
    assert code == 1011
    acked = len(sent) // BATCH
    print(f"disk full after {acked} batches ({len(sent)} samples)")

    assert server.process is not None and server.process.poll() is None
    assert metadata(server, session)["batchCount"] == acked  # reads still served
    assert stored_samples(server, session) == sent
    for _ in range(2):  # still full: refused again, nothing stored twice
        phone, ready = await open_capture(server, session)
        assert ready["nextSeq"] == acked
        answer = await send_batch(phone, acked, samples(BATCH, start=acked * BATCH))
        assert answer["code"] == "storage_unavailable", answer
        await messages_until_close(phone)

    filler.unlink()
    phone, ready = await open_capture(server, session)
    assert ready["nextSeq"] == acked
    for seq in range(acked, acked + 5):
        batch = samples(BATCH, start=seq * BATCH)
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}
        sent += batch
    await send_json(phone, {"type": "end"})
    with contextlib.suppress(Exception):
        await messages_until_close(phone)
    assert stored_samples(server, session) == sent
    assert metadata(server, session)["status"] == "ended"
