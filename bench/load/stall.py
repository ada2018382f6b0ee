"""Stalled viewers: when the server's outbox for them overflowed and when it let them go, from its /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import time
from array import array
from typing import Any

from load.clients import Viewer
from load.probes import metric, percentiles, scrape


async def watch_closes(run: Any, stalled_at: float, timeline: list[list[float]]) -> None:
    """Timeline of the viewers' server after the stall: [s since stall, 1013 closes, all closes, queue drops,
    open viewer sockets]."""
    index = run.spec.get("viewer_server", 0)
    with contextlib.suppress(asyncio.CancelledError):
        while True:
            values = await scrape(run.client, run.urls[index])
            closes = [v for k, v in values.items() if k.startswith("openscg_ws_closes_total{")]
            timeline.append(
                [
                    time.monotonic() - stalled_at,
                    metric(values, 'openscg_ws_closes_total{code="1013"}'),
                    sum(closes),
                    metric(values, "openscg_queue_drops_total"),
                    metric(values, 'openscg_connections{role="viewer"}'),
                ]
            )
            await asyncio.sleep(0.25)


async def stall_result(task: asyncio.Task, timeline: list[list[float]], viewers: list[Viewer], spec: dict) -> dict:
    """When the server started dropping for the stalled viewers (their outbox full) and when it closed them;
    then resume reading and count what was still buffered for them."""
    stalled = [v for v in viewers if v.stalled]
    deadline = time.monotonic() + spec.get("stall_wait_s", 0.0)
    while time.monotonic() < deadline and (not timeline or timeline[0][4] - timeline[-1][4] < len(stalled)):
        await asyncio.sleep(0.5)  # until the server let go of every stalled viewer (by 1013 or otherwise)
    task.cancel()
    await _result_or(task, None)
    for v in stalled:
        v.frames_after_stall = 0
        if v.sock is not None:
            v.sock.unstall()
    await asyncio.sleep(1.0)
    first = timeline[0] if timeline else [0.0, 0.0, 0.0, 0.0, 0.0]
    last = timeline[-1] if timeline else first
    first_drop = next((t for t, _c, _a, drops, _v in timeline if drops > first[3]), float("nan"))
    closed_1013 = [t for t, c1013, _a, _d, _v in timeline if c1013 >= first[1] + len(stalled)]
    gone = [t for t, _c, _a, _d, open_viewers in timeline if open_viewers <= first[4] - len(stalled)]
    return {
        "stalled_viewers": len(stalled),
        "first_drop_s": first_drop,
        "all_closed_1013_s": closed_1013[0] if closed_1013 else float("nan"),
        "all_gone_s": gone[0] if gone else float("nan"),
        "closed_1013": last[1] - first[1],
        "closed_any": last[2] - first[2],
        "queue_drops": last[3] - first[3],
        "watched_s": last[0],
        "timeline": timeline[:: max(1, len(timeline) // 40)],
        "frames_read_after_resume_p50": percentiles(array("d", [v.frames_after_stall for v in stalled]), (50,))[0],
        "client_close_codes": _codes(stalled),
    }


def _codes(viewers: list[Viewer]) -> dict[str, int]:
    codes: dict[str, int] = {}
    for v in viewers:
        code = str(v.sock.close_code) if v.sock is not None else "none"
        codes[code] = codes.get(code, 0) + 1
    return codes


async def _result_or(task: asyncio.Task, default: Any) -> Any:
    try:
        return await task
    except asyncio.CancelledError:
        return default
