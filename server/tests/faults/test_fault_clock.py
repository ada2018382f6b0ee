"""Phone clocks that jump: timestamps far from the server's clock, or going backwards after a page reload, are
refused with `invalid_samples` (nothing stored, the socket stays open); the documented recovery — keep the batch,
re-base its times after the last acked t_ms (and near `serverTimeMs`), resend under the same seq — loses
nothing."""

from __future__ import annotations

import time

import pytest

from tests.wire import metadata, new_session, open_capture, samples, send_batch, stored_samples

DAY_MS = 86_400_000.0


def _now_ms() -> float:
    return float(int(time.time() * 1000))


def _rebased(batch: list[list[float]], first_t_ms: float) -> list[list[float]]:
    """The same batch with its first sample at first_t_ms: intervals and values kept."""
    shift = first_t_ms - batch[0][0]
    return [[t + shift, ax, ay, az] for t, ax, ay, az in batch]


@pytest.mark.parametrize(
    "name, first_t_ms",
    [
        ("two days ahead", _now_ms() + 2 * DAY_MS),
        ("two days behind", _now_ms() - 2 * DAY_MS),
        ("clock reset to 1970", 12_345.0),
        ("seconds instead of ms", _now_ms() / 1000.0),
        ("microseconds instead of ms", _now_ms() * 1000.0),
    ],
)
async def test_a_clock_far_off_is_refused_and_the_rebased_batch_is_stored(live_server, name, first_t_ms):
    session = new_session(live_server)
    phone, _ = await open_capture(live_server, session)
    good = samples(10, t0_ms=_now_ms() - 5_000.0)
    assert await send_batch(phone, 0, good) == {"type": "ack", "seq": 0}

    jumped = samples(10, t0_ms=first_t_ms)
    refused = await send_batch(phone, 1, jumped)
    assert refused["type"] == "error" and refused["code"] == "invalid_samples" and refused["seq"] == 1, refused
    assert "server's clock" in refused["detail"], refused
    server_time_ms = refused["serverTimeMs"]
    assert abs(server_time_ms - time.time() * 1000.0) < 60_000.0
    assert metadata(live_server, session)["batchCount"] == 1  # nothing of the refused batch stored

    # the recovery of docs/protocol.md: re-base near the server's clock, after the last acked sample
    span_ms = jumped[-1][0] - jumped[0][0]
    fixed = _rebased(jumped, max(server_time_ms - span_ms, good[-1][0] + 10.0))
    assert await send_batch(phone, 1, fixed) == {"type": "ack", "seq": 1}
    await phone.close()
    assert stored_samples(live_server, session) == good + fixed


async def test_a_clock_going_backwards_after_a_reload_is_refused_then_rebased(live_server):
    session = new_session(live_server)
    t0 = _now_ms() - 60_000.0
    phone, _ = await open_capture(live_server, session)
    sent = []
    for seq in range(5):
        batch = samples(10, t0_ms=t0, start=seq * 10)
        assert await send_batch(phone, seq, batch) == {"type": "ack", "seq": seq}
        sent += batch
    await phone.close()

    # the page reloads; the phone's clock was set back by 30 s in between
    phone, ready = await open_capture(live_server, session)
    assert ready["nextSeq"] == 5
    backwards = samples(10, t0_ms=t0 - 30_000.0, start=50)
    refused = await send_batch(phone, 5, backwards)
    assert refused["code"] == "invalid_samples" and refused["seq"] == 5, refused
    assert "last stored sample" in refused["detail"], refused
    fixed = _rebased(backwards, sent[-1][0] + 10.0)
    assert await send_batch(phone, 5, fixed) == {"type": "ack", "seq": 5}
    after = samples(10, t0_ms=fixed[-1][0] + 10.0)
    assert await send_batch(phone, 6, after) == {"type": "ack", "seq": 6}
    await phone.close()
    assert stored_samples(live_server, session) == sent + fixed + after
