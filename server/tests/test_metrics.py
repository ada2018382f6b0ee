"""/metrics counts what happened: batches, samples, acks, deliveries and the commit-time histogram, from a
fresh server that streams a known number of batches to two viewers (the hot-path counters are plain integers
exported at scrape time; this keeps them honest)."""

from __future__ import annotations

import re

from tests.wire import api, new_session, open_capture, open_watch, recv_type, samples, send_batch


def _value(text: str, name: str) -> float:
    found = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert found, f"{name} missing from /metrics"
    return float(found.group(1))


async def test_metrics_count_batches_samples_acks_deliveries_and_commit_times(start_server):
    server = start_server()
    session = new_session(server)
    viewers = [(await open_watch(server, session))[0] for _ in range(2)]
    phone, _ = await open_capture(server, session)
    for seq in range(7):
        assert await send_batch(phone, seq, samples(5, start=seq * 5)) == {"type": "ack", "seq": seq}
    assert await send_batch(phone, 3, samples(5, start=15)) == {"type": "ack", "seq": 3}  # a resend: acked again
    for viewer in viewers:
        seqs = [(await recv_type(viewer, "samples"))["seq"] for _ in range(7)]
        assert seqs == list(range(7))
    text = api(server, "GET", "/metrics").text
    assert _value(text, "openscg_batches_stored_total") == 7
    assert _value(text, "openscg_samples_stored_total") == 35
    assert _value(text, "openscg_acks_total") == 8
    assert _value(text, "openscg_deliveries_total") == 14
    assert _value(text, "openscg_append_seconds_count") == 7
    assert _value(text, 'openscg_append_seconds_bucket{le="+Inf"}') == 7
    assert 0 < _value(text, "openscg_append_seconds_sum") < 7 * 5.0
    buckets = [float(v) for v in re.findall(r'^openscg_append_seconds_bucket\{le="[^"]+"\} (\S+)$', text, re.M)]
    assert buckets == sorted(buckets) and len(buckets) == 10  # cumulative, nine bounds and +Inf
