"""`openscg import` and `openscg export`: move a session document between a file and a server, plus the few
REST calls the command-line tools make (also used by `openscg simulate`).

Plain `urllib.request` (standard library) so the command-line tools need no HTTP client dependency; callers in
async code run these functions in a thread. Tokens travel only in the `Authorization` header, never in URLs.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

import orjson

logger = logging.getLogger(__name__)

DEFAULT_SERVER_URL = "http://127.0.0.1:8000"
API_PREFIX = "/api/v1/sessions"
HTTP_TIMEOUT_S = 30.0
CHUNK_BYTES = 64 * 1024
EPOCH_2001_MS = 978_307_200_000.0  # timestamps before this are relative (e.g. from 0), not epoch times


class ApiError(Exception):
    """A REST call that did not succeed. `status` is the HTTP status (0: no answer), `detail` the reason."""

    def __init__(self, status: int, detail: str, retry_after_s: float | None = None) -> None:
        super().__init__(f"{status} {detail}" if status else detail)
        self.status = status
        self.detail = detail
        self.retry_after_s = retry_after_s


def _request(method: str, url: str, body: Any = None, token: str | None = None) -> urllib.request.Request:
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = orjson.dumps(body)
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return urllib.request.Request(url, data=data, headers=headers, method=method)


def _api_error(exc: urllib.error.HTTPError) -> ApiError:
    raw = exc.read()
    try:
        detail = str(orjson.loads(raw).get("detail", raw.decode("utf-8", "replace")))
    except (orjson.JSONDecodeError, AttributeError):
        detail = raw.decode("utf-8", "replace").strip() or str(exc.reason)
    retry_after = exc.headers.get("Retry-After") if exc.headers else None
    return ApiError(exc.code, detail, float(retry_after) if retry_after and retry_after.isdigit() else None)


def open_api(method: str, url: str, body: Any = None, token: str | None = None) -> Any:
    """Send one request; return the open response (a file-like object). Raise ApiError on failure."""
    try:
        return urllib.request.urlopen(_request(method, url, body, token), timeout=HTTP_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        raise _api_error(exc) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ApiError(0, f"cannot reach {url}: {reason}") from None


def call_json(method: str, url: str, body: Any = None, token: str | None = None, retries: int = 3) -> Any:
    """One JSON request/answer. A `429` is retried after its `Retry-After` (at most `retries` times)."""
    for attempt in range(retries + 1):
        try:
            with open_api(method, url, body, token) as response:
                raw = response.read()
            return orjson.loads(raw) if raw else None
        except ApiError as exc:
            if exc.status != 429 or attempt == retries:
                raise
            wait_s = min(exc.retry_after_s or 1.0, 60.0)
            logger.warning("rate-limited by the server, retrying in %.0f s", wait_s)
            time.sleep(wait_s)
    raise AssertionError("unreachable")


def viewer_link(session_id: str, viewer_token: str) -> str:
    """The clinician's share link: `{public client URL}/view/{sessionId}#{viewerToken}` (token in the
    fragment, so it never reaches a web server log)."""
    base = os.environ.get("OPENSCG_PUBLIC_CLIENT_URL")
    if not base:
        from openscg.settings import Settings

        base = str(Settings.model_fields["public_client_url"].default)
    return f"{base.rstrip('/')}/view/{session_id}#{viewer_token}"


def recording_document(path: str | Path) -> dict[str, Any]:
    """Any recording file we can read (OpenSCG document of any version, MSCardio CSV) as a 1.0 document.
    Timestamps and accelerations are kept exactly; the server assigns ids, tokens and `createdAt`."""
    from openscg.document import FORMAT_NAME, FORMAT_VERSION
    from openscg.recordings import load_recording

    path = Path(path)
    recording = load_recording(path)
    doc: dict[str, Any] = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "label": path.name}
    raw = path.read_bytes()
    raw = gzip.decompress(raw) if path.suffix == ".gz" else raw
    if raw.lstrip()[:1] == b"{":  # keep what older documents say about themselves
        original = orjson.loads(raw)
        for key in ("startedAt", "endedAt", "label"):
            if isinstance(original.get(key), str):
                doc[key] = original[key]
    if recording.t_ms[0] > EPOCH_2001_MS:  # real epoch times (MSCardio): say when it was recorded
        doc.setdefault("startedAt", _iso_utc(float(recording.t_ms[0])))
        doc.setdefault("endedAt", _iso_utc(float(recording.t_ms[-1])))
    if recording.device:
        doc["device"] = recording.device
    doc["samplingRateHz"] = round(recording.fs_hz, 3)
    doc["units"] = {"t": "ms", "acceleration": "m/s^2"}
    doc["samples"] = recording.samples()
    return doc


def _iso_utc(t_ms: float) -> str:
    stamp = datetime.fromtimestamp(t_ms / 1000.0, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def add_import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="OpenSCG document (any version) or MSCardio CSV (.csv, .csv.gz)")
    parser.add_argument("--server", default=DEFAULT_SERVER_URL, help="server base URL (default: %(default)s)")


def run_import(args: argparse.Namespace) -> int:
    try:
        doc = recording_document(args.file)
    except (OSError, ValueError) as exc:
        print(f"openscg import: {exc}", file=sys.stderr)
        return 2
    try:
        created = call_json("POST", f"{args.server.rstrip('/')}{API_PREFIX}/import", doc)
    except ApiError as exc:
        print(f"openscg import: the server refused the document: {exc}", file=sys.stderr)
        return 1
    duration_s = (doc["samples"][-1][0] - doc["samples"][0][0]) / 1000.0
    print(f"imported {args.file}: {len(doc['samples'])} samples, {duration_s:.1f} s")
    print(f"session id     {created['sessionId']}")
    print(f"viewer link    {viewer_link(created['sessionId'], created['viewerToken'])}")
    print(f"patient token  {created['patientToken']}")
    print("  keep the patient token secret: it can delete this session. It is shown only this once.")
    return 0


def add_export_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("session_id", metavar="SESSION_ID")
    parser.add_argument("--token", required=True, help="viewer or patient token of the session")
    parser.add_argument("--format", choices=("json", "csv"), default="json", help="default: %(default)s")
    parser.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    parser.add_argument("--server", default=DEFAULT_SERVER_URL, help="server base URL (default: %(default)s)")


def _copy(response: BinaryIO, sink: BinaryIO) -> int:
    total = 0
    while chunk := response.read(CHUNK_BYTES):
        sink.write(chunk)
        total += len(chunk)
    return total


def run_export(args: argparse.Namespace) -> int:
    url = f"{args.server.rstrip('/')}{API_PREFIX}/{args.session_id}/data?format={args.format}"
    try:
        response = open_api("GET", url, token=args.token)
    except ApiError as exc:
        print(f"openscg export: {exc}", file=sys.stderr)
        return 1
    partial = Path(f"{args.output}.part") if args.output else None
    try:
        with response:
            if partial is None:
                _copy(response, sys.stdout.buffer)
                sys.stdout.buffer.flush()
                return 0
            with partial.open("wb") as sink:
                size = _copy(response, sink)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)  # a failed download never leaves a truncated file behind
        print(f"openscg export: download failed: {exc}", file=sys.stderr)
        return 1
    partial.replace(args.output)
    print(f"wrote {args.output} ({size} bytes)", file=sys.stderr)
    return 0
