"""The session document (export and import) and its CSV twin.

Reads version 1.0 and the older OpenSCG shapes — v0.1 (`samples: [{"t","ax","ay","az"}]`) and v0.2 / "2.0"
(`samples: [[t, ax, ay, az]]`) — and writes version 1.0. See docs/format.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from openscg.protocol import ProtocolError, validate_samples

FORMAT_NAME = "openscg"
FORMAT_VERSION = "1.0"
LEGACY_TUPLE_VERSIONS = {"0.2", "2.0", "2"}
LEGACY_OBJECT_VERSIONS = {"0.1"}
CSV_HEADER = "t_ms,ax,ay,az\n"


class DocumentError(ValueError):
    """A document that cannot be imported; the message says why (answered as 422)."""


@dataclass(frozen=True)
class ImportedDocument:
    samples: list[list[float]]
    device: dict[str, Any] | None
    label: str | None
    started_at: str | None
    ended_at: str | None
    version: str


def parse_document(data: object, max_abs_accel_ms2: float = 1000.0) -> ImportedDocument:
    """Validate a decoded JSON document of any supported version; raise DocumentError with the reason."""
    if not isinstance(data, dict):
        raise DocumentError("a session document must be a JSON object")
    raw_samples = data.get("samples")
    if not isinstance(raw_samples, list) or not raw_samples:
        raise DocumentError("'samples' must be a non-empty array")
    version = str(data.get("version", "")).strip()
    if version == FORMAT_VERSION and data.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise DocumentError(f"'format' must be {FORMAT_NAME!r}")
    if version in LEGACY_OBJECT_VERSIONS or (not version and isinstance(raw_samples[0], dict)):
        samples = _samples_from_objects(raw_samples)
        version = version or "0.1"
    elif version in LEGACY_TUPLE_VERSIONS | {FORMAT_VERSION} or not version:
        samples = raw_samples
        version = version or "0.2"
    else:
        raise DocumentError(f"unsupported document version {version!r} (known: 0.1, 0.2, 2.0, 1.0)")
    try:
        validate_samples(samples, None, len(samples), max_abs_accel_ms2)
    except ProtocolError as exc:
        raise DocumentError(exc.detail) from None
    device = data.get("device")
    label = data.get("label")
    return ImportedDocument(
        samples=samples,
        device=device if isinstance(device, dict) else None,
        label=label if isinstance(label, str) else None,
        started_at=_optional_str(data.get("startedAt")),
        ended_at=_optional_str(data.get("endedAt")),
        version=version,
    )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _samples_from_objects(raw: list[Any]) -> list[list[float]]:
    samples = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not all(key in item for key in ("t", "ax", "ay", "az")):
            raise DocumentError(f"sample {index} must be an object with t, ax, ay, az")
        samples.append([item["t"], item["ax"], item["ay"], item["az"]])
    return samples


def document_head(meta: dict[str, Any]) -> dict[str, Any]:
    """Everything of the 1.0 document except `samples`, from session metadata."""
    return {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "sessionId": meta["sessionId"],
        "createdAt": meta["createdAt"],
        "startedAt": meta["startedAt"],
        "endedAt": meta["endedAt"],
        "samplingRateHz": meta["samplingRateHz"],
        "device": meta["device"],
        "units": {"t": "ms", "acceleration": "m/s^2"},
    }


def iter_document_json(meta: dict[str, Any], batches: Iterable[list[list[float]]]) -> Iterator[bytes]:
    """The 1.0 document as chunks of JSON, one per stored batch, so a long session streams in bounded memory."""
    head = orjson.dumps({**document_head(meta), "samples": []})
    yield head[: -len(b"[]}")] + b"["
    first = True
    for samples in batches:
        if not samples:
            continue
        body = orjson.dumps(samples)[1:-1]
        yield body if first else b"," + body
        first = False
    yield b"]}"


def iter_document_csv(batches: Iterable[list[list[float]]]) -> Iterator[bytes]:
    """`t_ms,ax,ay,az` rows; values printed with repr so they read back exactly."""
    yield CSV_HEADER.encode()
    for samples in batches:
        yield "".join(",".join(repr(float(v)) for v in sample) + "\n" for sample in samples).encode()
