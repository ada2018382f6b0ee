"""Session metadata as the API shows it (`GET /api/v1/sessions/{id}`, `ready`, the document head)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson


def iso_utc(ms: float | None) -> str | None:
    """Milliseconds since the epoch → ISO 8601 UTC with milliseconds and a Z."""
    if ms is None:
        return None
    stamp = datetime.fromtimestamp(ms / 1000.0, tz=UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def parse_iso_ms(value: str | None) -> float | None:
    """ISO 8601 (with or without Z) → ms since the epoch; None when absent or unreadable."""
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    return stamp.timestamp() * 1000.0


def sampling_rate_hz(row: dict[str, Any]) -> float | None:
    """Measured from the timestamps: (samples − 1) / (last − first)."""
    first, last, count = row["first_t_ms"], row["last_t_ms"], row["sample_count"]
    if first is None or last is None or count < 2 or last <= first:
        return None
    return round((count - 1) / ((last - first) / 1000.0), 3)


def session_metadata(row: dict[str, Any], patient_connected: bool, viewers: int) -> dict[str, Any]:
    first, last = row["first_t_ms"], row["last_t_ms"]
    return {
        "sessionId": row["id"],
        "status": row["status"],
        "label": row["label"],
        "createdAt": iso_utc(row["created_at_ms"]),
        "startedAt": iso_utc(row["started_at_ms"]),
        "endedAt": iso_utc(row["ended_at_ms"]),
        "sampleCount": int(row["sample_count"]),
        "batchCount": int(row["batch_count"]),
        "durationS": round((last - first) / 1000.0, 3) if first is not None and last is not None else 0.0,
        "samplingRateHz": sampling_rate_hz(row),
        "device": orjson.loads(row["device"]) if row["device"] else None,
        "patientConnected": patient_connected,
        "viewers": viewers,
    }
