"""Recording files on disk → arrays: OpenSCG documents of every version and MSCardio CSV (`.csv`, `.csv.gz`).

Used by the command line (simulate, analyze) and the demo; the server itself receives documents over HTTP.
"""

from __future__ import annotations

import csv
import gzip
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from openscg.document import DocumentError, parse_document

NS_PER_MS = 1_000_000


@dataclass(frozen=True)
class Recording:
    """Samples of one recording. `t_ms`: shape (n,), ms; `accel_ms2`: shape (n, 3), x/y/z incl. gravity."""

    t_ms: np.ndarray
    accel_ms2: np.ndarray
    source: str
    device: dict[str, Any] | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return float(self.t_ms[-1] - self.t_ms[0]) / 1000.0 if len(self.t_ms) > 1 else 0.0

    @property
    def fs_hz(self) -> float:
        return (len(self.t_ms) - 1) / self.duration_s if self.duration_s > 0 else 0.0

    def samples(self) -> list[list[float]]:
        """Rows `[t_ms, ax, ay, az]` as the wire format carries them."""
        return np.column_stack([self.t_ms, self.accel_ms2]).tolist()


def load_recording(path: str | Path) -> Recording:
    """Read a recording file; raise ValueError with the reason when it is not one we understand."""
    path = Path(path)
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    text_start = raw.lstrip()[:1]
    if text_start == b"{":
        return _from_document(raw, str(path))
    return _from_mscardio_csv(raw.decode("utf-8"), str(path))


def _from_document(raw: bytes, source: str) -> Recording:
    try:
        doc = parse_document(orjson.loads(raw))
    except (orjson.JSONDecodeError, DocumentError) as exc:
        raise ValueError(f"{source}: {exc}") from None
    array = np.asarray(doc.samples, dtype=np.float64)
    return Recording(array[:, 0], array[:, 1:4], source, doc.device, {"version": doc.version})


def _from_mscardio_csv(text: str, source: str) -> Recording:
    """MSCardio `uncalibrated_scg.csv`: columns time (ns since epoch), seconds_elapsed, x, y, z (m/s²)."""
    reader = csv.DictReader(io.StringIO(text))
    needed = {"time", "x", "y", "z"}
    if not reader.fieldnames or not needed <= set(reader.fieldnames):
        raise ValueError(f"{source}: not an OpenSCG document nor a CSV with columns time, x, y, z")
    rows = [(int(row["time"]), float(row["x"]), float(row["y"]), float(row["z"])) for row in reader]
    if not rows:
        raise ValueError(f"{source}: no samples")
    time_ns = np.array([row[0] for row in rows], dtype=np.int64)
    t_ms = (time_ns // NS_PER_MS).astype(np.float64) + (time_ns % NS_PER_MS) / NS_PER_MS
    accel = np.array([row[1:] for row in rows], dtype=np.float64)
    keep = np.concatenate([[True], np.diff(t_ms) > 0])  # drop duplicate or backwards timestamps
    return Recording(t_ms[keep], accel[keep], source, None, {"format": "mscardio-csv"})


def bundled_recordings() -> list[str]:
    """Names of the real recordings shipped inside the package (see openscg/demo/NOTICE.md)."""
    folder = resources.files("openscg") / "demo"
    return sorted(
        entry.name
        for entry in folder.iterdir()
        if entry.name.endswith((".json", ".csv", ".csv.gz")) and entry.name != "index.json"
    )


def load_bundled(name: str) -> Recording:
    with resources.as_file(resources.files("openscg") / "demo" / name) as path:
        return load_recording(path)
