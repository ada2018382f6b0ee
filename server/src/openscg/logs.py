"""Logging configured once at startup: one JSON object per line with structured fields (session_id, seq…).

Tokens never reach a log line: handlers log session ids, never secrets, and the access log shows paths only.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime

import orjson

STANDARD_ATTRS = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in STANDARD_ATTRS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str, json_lines: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True
    # At DEBUG the WebSocket layers log every frame, hello and its token included: never below INFO.
    for name in ("uvicorn.error", "websockets"):
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
    handler.addFilter(_path_without_query)


def _path_without_query(record: logging.LogRecord) -> bool:
    """Access-log lines keep the path but not the query string, where a careless client might put a secret."""
    if record.name == "uvicorn.access" and isinstance(record.args, tuple) and len(record.args) >= 3:
        args = list(record.args)
        args[2] = str(args[2]).split("?", 1)[0]
        record.args = tuple(args)
    return True
