"""The wire format of the WebSockets: parse and validate what clients send, serialise what the server sends.

Everything a socket handler needs to know about message shapes lives here; see docs/protocol.md.
Samples are `[t_ms, ax, ay, az]` with t in milliseconds since the Unix epoch and acceleration in m/s².
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from typing import Any

import orjson

NUMBER_TYPES = (int, float)
SAMPLE_WIDTH = 4  # t_ms, ax, ay, az
MAX_SEQ = 2**63 - 1  # the largest seq or since a database BIGINT holds; beyond it is bad_message


class ProtocolError(Exception):
    """A message the server cannot act on. `code` is the wire error code sent back to the client."""

    def __init__(self, code: str, detail: str, seq: int | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.seq = seq
        self.extra = extra or {}  # fields beyond the contract's, e.g. serverTimeMs for a phone clock far off

    def to_message(self) -> dict[str, Any]:
        message: dict[str, Any] = {"type": "error", "code": self.code}
        if self.seq is not None:
            message["seq"] = self.seq
        message["detail"] = self.detail
        message.update(self.extra)
        return message


@dataclass(frozen=True)
class Hello:
    token: str
    device: dict[str, Any] | None = None
    since: int | None = None


@dataclass(frozen=True)
class SamplesMessage:
    seq: int
    samples: list[list[float]]


@dataclass(frozen=True)
class SimpleMessage:
    type: str  # "end" or "ping"


ClientMessage = Hello | SamplesMessage | SimpleMessage


def _bad(detail: str) -> ProtocolError:
    return ProtocolError("bad_message", detail)


def _is_seq(value: object) -> bool:
    """A batch number: a JSON integer ≥ 0 that a database BIGINT can hold."""
    return type(value) is int and 0 <= value <= MAX_SEQ


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Decode one text frame into a typed message; raise ProtocolError('bad_message') with the reason."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise _bad(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise _bad("a message must be a JSON object")
    kind = data.get("type")
    if kind == "samples":
        seq, samples = data.get("seq"), data.get("samples")
        if not _is_seq(seq):
            raise _bad(f"'seq' must be an integer from 0 to {MAX_SEQ}")
        if not isinstance(samples, list):
            raise _bad("'samples' must be an array of [t_ms, ax, ay, az]")
        return SamplesMessage(seq=int(seq), samples=samples)  # type: ignore[arg-type]
    if kind == "hello":
        return _parse_hello(data)
    if kind in ("end", "ping"):
        return SimpleMessage(type=kind)
    if not isinstance(kind, str):
        raise _bad("missing 'type'")
    raise _bad("unknown message type: expected hello, samples, end or ping")  # never echo it: it may hold a token


def _parse_hello(data: dict[str, Any]) -> Hello:
    token, device, since = data.get("token", ""), data.get("device"), data.get("since")
    if token is None:  # no token at all: answered like a wrong one (4401), not as a malformed message
        token = ""
    if not isinstance(token, str):
        raise _bad("'hello' needs a string 'token'")
    if device is not None and not isinstance(device, dict):
        raise _bad("'device' must be an object")
    if since is not None and not _is_seq(since):
        raise _bad(f"'since' must be an integer from 0 to {MAX_SEQ}")
    return Hello(token=token, device=device, since=since)


def validate_samples(samples: list[Any], last_t_ms: float | None, max_samples: int, max_abs_accel_ms2: float) -> None:
    """Check a batch against the protocol's rules; raise ProtocolError('invalid_samples') naming the first
    broken rule and the offending index. Nothing is stored when this raises."""

    def bad(detail: str) -> ProtocolError:
        return ProtocolError("invalid_samples", detail)

    if not 1 <= len(samples) <= max_samples:
        raise bad(f"a batch holds 1 to {max_samples} samples, got {len(samples)}")
    previous = last_t_ms
    for index, sample in enumerate(samples):
        if type(sample) is not list or len(sample) != SAMPLE_WIDTH:
            raise bad(f"sample {index} must be [t_ms, ax, ay, az]")
        for value in sample:
            if type(value) not in NUMBER_TYPES or not math.isfinite(value):
                raise bad(f"sample {index} has a value that is not a finite number: {value!r}")
        t_ms = sample[0]
        if previous is not None and t_ms <= previous:
            where = "the previous sample" if index else "the last stored sample"
            raise bad(f"sample {index}: t_ms {t_ms!r} is not after {where} ({previous!r})")
        for value in sample[1:]:
            if abs(value) > max_abs_accel_ms2:
                raise bad(f"sample {index}: |acceleration| {value!r} exceeds {max_abs_accel_ms2:g} m/s²")
        previous = t_ms


def check_clock(samples: list[Any], server_time_ms: float, max_skew_s: float) -> None:
    """Refuse a live batch whose timestamps lie more than `max_skew_s` from the server's clock (a phone
    clock far off, or t in seconds or microseconds): ProtocolError('invalid_samples') carrying `serverTimeMs`, so
    the phone can re-base its batch (docs/protocol.md). `max_skew_s` = 0 turns the check off."""
    if max_skew_s <= 0 or not samples:
        return
    for index in (0, len(samples) - 1):  # t_ms increases within a valid batch: its ends bound it
        sample = samples[index]
        t_ms = sample[0] if type(sample) is list and sample else None
        if type(t_ms) not in NUMBER_TYPES or not math.isfinite(t_ms):  # type: ignore[arg-type]
            continue  # not a time at all: validate_samples names that
        off_s = (t_ms - server_time_ms) / 1000.0  # type: ignore[operator]
        if abs(off_s) > max_skew_s:
            where = "ahead of" if off_s > 0 else "behind"
            raise ProtocolError(
                "invalid_samples",
                f"sample {index}: t_ms {t_ms!r} is {abs(off_s):.0f} s {where} the server's clock "
                f"(allowed: {max_skew_s:g} s); re-base the timestamps near serverTimeMs",
                extra={"serverTimeMs": server_time_ms},
            )


def pack_samples(samples: list[list[float]]) -> bytes:
    """Samples as little-endian float64, row-major (t, ax, ay, az) — exact and compact for storage."""
    flat = array("d", [float(value) for sample in samples for value in sample])
    if flat.itemsize != 8:  # pragma: no cover - every supported platform has 8-byte doubles
        raise RuntimeError("float64 required")
    return flat.tobytes()


def unpack_samples(blob: bytes) -> list[list[float]]:
    flat = array("d")
    flat.frombytes(blob)
    values = flat.tolist()
    return [values[i : i + SAMPLE_WIDTH] for i in range(0, len(values), SAMPLE_WIDTH)]


def dumps(message: dict[str, Any]) -> str:
    return orjson.dumps(message).decode("utf-8")


def samples_frame(seq: int, samples: list[list[float]]) -> str:
    """The `samples` message as sent to viewers; built once per batch and shared by every viewer."""
    return dumps({"type": "samples", "seq": seq, "samples": samples})
