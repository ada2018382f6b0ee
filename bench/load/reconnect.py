"""A reconnect storm: every viewer drops at once (as when a proxy or a network restarts), stays away
`offline_s`, and all come back at the same moment with `since` = the next seq they need. A viewer is *back*
when it has received, with no gap and no duplicate, the first batch intended after the moment it reconnected:
it has read what it missed from the database and is live again."""

from __future__ import annotations

import asyncio
import time
from array import array

import httpx

from load.clients import Phone, Tally, Viewer, play
from load.probes import percentiles
from load.scenarios import Run, address, bounded, create_sessions


async def run_reconnect(spec: dict) -> dict:
    async with httpx.AsyncClient(base_url=spec["servers"][0]["url"], timeout=60) as client:
        run = Run(spec, client)
        server = address(run.urls[0])
        sessions = await create_sessions(client, spec["phones"])
        tally = Tally()
        viewers = [Viewer(server, s, tally) for s in sessions for _ in range(spec["viewers"])]
        phones = [Phone(s, Tally()) for s in sessions]
        await bounded(100, [v.connect() for v in viewers])
        await bounded(100, [p.connect(server) for p in phones])
        start = time.monotonic() + 0.2
        offline_s, settle_s = spec["offline_s"], spec["duration_s"]
        end = start + spec["warmup_s"] + offline_s + settle_s
        lag_ms = array("d")
        player = asyncio.create_task(play(phones, start, end, lag_ms, (0.0, float("inf"))))
        await asyncio.sleep(max(0.0, start + spec["warmup_s"] - time.monotonic()))
        for viewer in viewers:
            if viewer.sock is not None:
                viewer.sock.abort()
        await asyncio.sleep(offline_s)
        clocks_before, back_from = run.clocks(), time.monotonic()
        resume_ms = time.time() * 1000.0
        for viewer in viewers:
            viewer.resume_ms = resume_ms
        outcomes = await asyncio.gather(*(v.connect(since=v.next_seq) for v in viewers), return_exceptions=True)
        failures = [repr(o) for o in outcomes if isinstance(o, BaseException)]
        while time.monotonic() < back_from + settle_s and sum(1 for v in viewers if v.caught_up_at) < len(viewers):
            await asyncio.sleep(0.05)
        clocks_after, measured_s = run.clocks(), time.monotonic() - back_from
        run.record_cpu(clocks_before, clocks_after, measured_s)
        player.cancel()
        for sock in [v.sock for v in viewers] + [p.sock for p in phones]:
            if sock is not None:
                sock.abort()
        back = array("d", [v.caught_up_at - back_from for v in viewers if v.caught_up_at])
        p50, p99, _p999, top = percentiles(back)
        run.result.update(
            phones=spec["phones"],
            viewers=len(viewers),
            offline_s=offline_s,
            back=len(back),
            connect_failures=len(failures),
            failure_sample=failures[:3],
            back_p50_s=p50,
            back_p99_s=p99,
            all_back_s=top if len(back) == len(viewers) else float("inf"),
            gaps=tally.gaps,
            duplicates=tally.duplicates,
            generator_lag_p99_ms=percentiles(lag_ms)[1],
        )
        return run.result
