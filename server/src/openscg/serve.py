"""`openscg serve`: run the server with uvicorn. Configuration comes only from OPENSCG_* variables."""

from __future__ import annotations

import argparse
import gc
import os
import sys

from fastapi import FastAPI

# Frames above this are refused by the WebSocket layer itself (close 1009) before the app can say 4413.
TRANSPORT_MAX_FRAME_BYTES = 16 * 1024 * 1024
GIL_SWITCH_INTERVAL_S = 0.0005
#: a young-generation collection every 10,000 net allocations instead of 700 (the older generations as default)
GC_THRESHOLDS = (10_000, 10, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (0.0.0.0 for all)")
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("PORT", "8000")), help="port (default: $PORT or 8000)"
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (more than 1 needs Redis)")
    parser.add_argument("--proxy-headers", action="store_true", help="trust X-Forwarded-* from the proxy")


def app_factory() -> FastAPI:
    """Used by uvicorn in every worker process."""
    from openscg.app import create_app
    from openscg.logs import configure_logging
    from openscg.settings import load_settings

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    # The group-commit writer thread releases the GIL at every SQLite/psycopg call; with the default 5 ms
    # switch interval each reacquisition waits for the busy event loop, and acks queue up behind it.
    sys.setswitchinterval(GIL_SWITCH_INTERVAL_S)
    app = create_app(settings)
    tune_gc()
    return app


def tune_gc() -> None:
    """Keep the cyclic garbage collector's pauses out of the latency.

    A full collection scans every tracked object. With hundreds of sockets open, a burst of closures (each
    cancelled task and exception leaves reference cycles) set one off and held the event loop ~100 ms: in the
    load bench, the other viewers' p99 went from 5.7 to 32 ms when 1 viewer in 5 stalled and was let go.
    Objects alive at start-up (modules, the app) are moved out of the scans for good, and collections run
    less often; the garbage in between is a few MB at most."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from openscg.logs import configure_logging
    from openscg.settings import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"openscg: {exc}", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.broker_url.startswith("memory://"):
        print(
            "openscg: --workers > 1 needs OPENSCG_BROKER_URL=redis://…: with the in-process broker a phone and "
            "its viewers on different workers would never see each other",
            file=sys.stderr,
        )
        return 2
    configure_logging(settings.log_level, settings.log_json)
    uvicorn.run(
        "openscg.serve:app_factory",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        ws="websockets-sansio",  # what live/direct_send.py writes frames beside; also uvicorn's leanest
        ws_max_size=max(TRANSPORT_MAX_FRAME_BYTES, settings.max_message_bytes * 4),
        ws_per_message_deflate=False,
        proxy_headers=args.proxy_headers,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
    return 0
