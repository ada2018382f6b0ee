"""A virtual phone: streams a recording (or synthetic SCG) into a session exactly as the phone app does.

It creates a session (or joins one with its patientToken), sends `hello`, streams 100 ms batches in real time
(or `speed` times faster) numbered from `ready.nextSeq`, keeps every batch until its `ack`, and after a lost
connection reconnects with backoff and resends from the new `nextSeq` — the recovery path of PROTOCOL.md.
Recording timestamps are re-based onto the wall clock by a whole number of milliseconds (so values stay
exact); with `loop` the recording repeats with continuing timestamps. Used by `openscg simulate` and, as the
coroutine `run_virtual_phone`, by the server's demo.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import itertools
import logging
import math
import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from openscg.phone import PhoneError, PhoneReport, VirtualPhone
from openscg.transfer import API_PREFIX, DEFAULT_SERVER_URL, ApiError, call_json, viewer_link

if TYPE_CHECKING:  # numpy, websockets and recordings load only when a phone runs (cli.py imports every verb)
    import numpy as np

    from openscg.recordings import Recording

logger = logging.getLogger(__name__)

__all__ = ["PhoneError", "PhoneReport", "plan_batches", "run_virtual_phone"]

MAX_SAMPLES_PER_BATCH = 1000  # the protocol's limit per `samples` message


def loop_period_ms(recording: Recording) -> float:
    """Shift (whole ms) between two passes of a looped recording: its span plus one median sample interval,
    rounded up, so timestamps keep increasing and the seam looks like one ordinary sample step."""
    import numpy as np

    t_ms = recording.t_ms
    step_ms = float(np.median(np.diff(t_ms))) if len(t_ms) > 1 else 10.0
    return float(math.ceil(float(t_ms[-1] - t_ms[0]) + step_ms))


def plan_batches(
    recording: Recording,
    offset_ms: float,
    *,
    batch_ms: float = 100.0,
    loop: bool = False,
    duration_s: float | None = None,
) -> Iterator[tuple[float, np.ndarray]]:
    """Yield `(due_ms, rows)` in sending order. `rows`: (k, 4) `[t_ms, ax, ay, az]`, `t_ms` = recording time
    + `offset_ms` (+ one loop period per pass). `due_ms`: recording time since the first sample at which a
    phone sends the batch — the end of its `batch_ms` window. Windows run on across loop seams."""
    import numpy as np

    rows = np.column_stack([recording.t_ms, recording.accel_ms2]).astype(np.float64)
    rel_ms = recording.t_ms - recording.t_ms[0]
    period_ms = loop_period_ms(recording)
    limit_ms = duration_s * 1000.0 if duration_s is not None else math.inf
    held: tuple[int, np.ndarray] | None = None  # last window of a pass: the next pass may continue it
    for index in itertools.count() if loop else range(1):
        shift_ms = index * period_ms
        if shift_ms >= limit_ms:
            break
        keep = rel_ms + shift_ms < limit_ms
        block = rows[keep].copy()
        block[:, 0] += offset_ms + shift_ms
        windows = np.floor((rel_ms[keep] + shift_ms) / batch_ms).astype(np.int64)
        cuts = np.flatnonzero(np.diff(windows)) + 1
        for chunk, window in zip(np.split(block, cuts), windows[np.r_[0, cuts]], strict=True):
            if held is not None and held[0] == window:
                held = (int(window), np.vstack([held[1], chunk]))
                continue
            if held is not None:
                yield from _split(held, batch_ms)
            held = (int(window), chunk)
    if held is not None:
        yield from _split(held, batch_ms)


def _split(held: tuple[int, np.ndarray], batch_ms: float) -> Iterator[tuple[float, np.ndarray]]:
    window, rows = held
    for start in range(0, len(rows), MAX_SAMPLES_PER_BATCH):
        yield (window + 1) * batch_ms, rows[start : start + MAX_SAMPLES_PER_BATCH]


def _ws_url(server_url: str, path: str) -> str:
    if path.startswith(("ws://", "wss://")):
        return path
    base = server_url.rstrip("/")
    return ("wss://" + base[8:] if base.startswith("https://") else "ws://" + base.removeprefix("http://")) + path


async def _create_session(server_url: str, device: dict[str, Any], label: str) -> dict[str, Any]:
    body = {"device": device, "label": label}
    return await asyncio.to_thread(call_json, "POST", f"{server_url.rstrip('/')}{API_PREFIX}", body)


async def run_virtual_phone(
    server_url: str,
    recording: Recording,
    *,
    session_id: str | None = None,
    patient_token: str | None = None,
    speed: float = 1.0,
    batch_ms: float = 100.0,
    loop: bool = False,
    end: bool = True,
    on_created: Callable[[dict[str, Any]], Any] | None = None,
    stop: asyncio.Event | None = None,
    duration_s: float | None = None,
    on_progress: Callable[[PhoneReport], Any] | None = None,
    progress_interval_s: float = 2.0,
    max_offline_s: float = 60.0,
    device: dict[str, Any] | None = None,
) -> PhoneReport:
    """Stream `recording` into a session like a phone; return what happened (`ended` is also set when the
    session was ended elsewhere, which stops the phone quietly). Raise PhoneError (carrying the report) when
    the session cannot go on: wrong token, session deleted, superseded by another phone, no ack for
    `max_offline_s`, or a batch the server refuses. ApiError when the session cannot be created.

    `speed`: recording seconds per wall second; `duration_s`: stop after that much recording time (with
    `loop`, the total across passes); `stop`: set it to finish early — pending batches are still delivered.
    `on_created` gets the session-creation answer (with both tokens) as soon as the session exists.
    `device`: what `hello` says about the phone (default: userAgent "openscg-simulate")."""
    if speed <= 0 or batch_ms <= 0 or len(recording.t_ms) == 0:
        raise ValueError("speed and batch_ms must be positive and the recording not empty")
    device = device or {
        "userAgent": "openscg-simulate",
        "platform": (recording.device or {}).get("platform", "virtual"),
    }
    report = PhoneReport()
    capture_path = None
    if session_id is None:
        created = await _create_session(server_url, device, f"simulated: {Path(recording.source).name}")
        session_id, patient_token = created["sessionId"], created["patientToken"]
        capture_path = created.get("captureUrl")
        report.viewer_token = created.get("viewerToken")
        if on_created is not None and inspect.isawaitable(result := on_created(created)):
            await result
    elif not patient_token:
        raise ValueError("joining a session needs its patient token")
    report.session_id = session_id
    ws_url = _ws_url(server_url, capture_path or f"/ws/v1/sessions/{session_id}/capture")
    phone = VirtualPhone(ws_url, patient_token, device, report, end=end, max_offline_s=max_offline_s)

    def plan(offset_ms: float) -> Iterator[tuple[float, np.ndarray]]:
        return plan_batches(recording, offset_ms, batch_ms=batch_ms, loop=loop, duration_s=duration_s)

    def rebase() -> float:  # whole ms, so re-based values stay exact and the test can undo it
        return float(round(time.time() * 1000.0 - float(recording.t_ms[0])))

    progress = asyncio.create_task(_report_progress(on_progress, report, progress_interval_s))
    try:
        await phone.run(plan, rebase, speed, stop)
    finally:
        progress.cancel()
    return report


async def _report_progress(callback: Callable[[PhoneReport], Any] | None, report: PhoneReport, every_s: float):
    while callback is not None:
        await asyncio.sleep(every_s)
        callback(report)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("file", nargs="?", help="OpenSCG document (any version) or MSCardio CSV (.csv, .csv.gz)")
    source.add_argument("--bundled", metavar="NAME", help="a recording shipped with OpenSCG (default: the first)")
    source.add_argument("--synthetic", action="store_true", help="synthesize SCG instead of replaying a file")
    parser.add_argument("--heart-rate-bpm", type=float, default=72.0, help="synthetic heart rate (default 72)")
    parser.add_argument("--server", default=DEFAULT_SERVER_URL, help="server base URL (default: %(default)s)")
    parser.add_argument("--session", metavar="ID", help="join this existing session instead of creating one")
    parser.add_argument("--token", metavar="PATIENT_TOKEN", help="the patient token of --session")
    parser.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="playback speed factor (default: real time; above 1, timestamps run ahead of the clock)",
    )
    parser.add_argument("--loop", action="store_true", help="repeat the recording until Ctrl-C / --duration-s")
    parser.add_argument("--duration-s", type=float, help="stop after this many seconds of recording time")
    parser.add_argument("--batch-ms", type=float, default=100.0, help="batch window in ms (default 100)")
    parser.add_argument("--no-end", action="store_true", help="leave the session open when done")


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="openscg simulate: %(message)s")
    if bool(args.session) != bool(args.token):
        print("openscg simulate: --session and --token go together", file=sys.stderr)
        return 2
    try:
        recording = _choose_recording(args)
    except (OSError, ValueError) as exc:
        print(f"openscg simulate: {exc}", file=sys.stderr)
        return 2
    try:
        report = asyncio.run(_simulate(args, recording))
    except ApiError as exc:
        print(f"openscg simulate: cannot create the session: {exc}", file=sys.stderr)
        return 1
    except PhoneError as exc:
        print(f"openscg simulate: {exc}", file=sys.stderr)
        _print_summary(exc.report)
        return 1
    _print_summary(report)
    return 0


def _choose_recording(args: argparse.Namespace) -> Recording:
    from openscg.recordings import Recording, bundled_recordings, load_bundled, load_recording

    if args.synthetic:
        from openscg.synthetic import synthesize_scg

        length_s = args.duration_s if args.duration_s and not args.loop else 300.0  # few loop seams
        t_ms, accel_ms2, beat_t_ms = synthesize_scg(length_s, args.heart_rate_bpm)
        source = f"synthetic SCG at {args.heart_rate_bpm:g} bpm"
        return Recording(t_ms, accel_ms2, source, None, {"beat_t_ms": beat_t_ms})
    if args.file:
        return load_recording(args.file)
    names = bundled_recordings()
    if args.bundled and args.bundled not in names:
        raise ValueError(f"no bundled recording {args.bundled!r}; choose one of: {', '.join(names)}")
    return load_bundled(args.bundled or names[0])


async def _simulate(args: argparse.Namespace, recording: Recording) -> PhoneReport:
    """The CLI's phone: prints the viewer link once the session exists; Ctrl-C finishes cleanly (pending
    batches delivered, session ended), a second Ctrl-C quits at once."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()

    def on_interrupt() -> None:
        print("stopping: delivering pending batches (Ctrl-C again to quit now)", flush=True)
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)

    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGINT, on_interrupt)
    looping = ", looping" if args.loop else ""
    print(
        f"streaming {Path(recording.source).name}: {recording.duration_s:.1f} s at {recording.fs_hz:.0f} Hz, "
        f"speed x{args.speed:g}{looping}",
        flush=True,
    )
    if args.session:
        print(f"joining session {args.session}", flush=True)
    return await run_virtual_phone(
        args.server,
        recording,
        session_id=args.session,
        patient_token=args.token,
        speed=args.speed,
        batch_ms=args.batch_ms,
        loop=args.loop,
        end=not args.no_end,
        stop=stop,
        duration_s=args.duration_s,
        on_created=_print_created,
        on_progress=_print_progress,
    )


def _print_created(created: dict[str, Any]) -> None:
    print(f"session id   {created['sessionId']}")
    print(f"viewer link  {viewer_link(created['sessionId'], created['viewerToken'])}", flush=True)


def _print_progress(report: PhoneReport) -> None:
    print(
        f"  {report.elapsed_s:6.1f} s  {report.samples_sent} samples sent, {report.samples_acked} acked, "
        f"{report.reconnects} reconnects",
        flush=True,
    )


def _print_summary(report: PhoneReport) -> None:
    state = "session ended" if report.ended else "session left open"
    print(
        f"done: session {report.session_id}: {report.samples_sent} samples sent, {report.samples_acked} "
        f"acked, {report.batches_resent} batches resent, {report.reconnects} reconnects, {state}, "
        f"{report.elapsed_s:.1f} s",
        flush=True,
    )
