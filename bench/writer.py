"""The group commit's SQL on its own: CPU per stored batch, outside the server (no sockets, no event loop).

Stores groups of 5-sample batches of 500 open sessions into a fresh SQLite file with the server's engine,
pragmas, schema and statements (`_apply_appends`: one counters UPDATE and one multi-row INSERT per group, every
commit durable), and prints the writer's CPU per batch (user and system, from getrusage) for a few group sizes.
For comparison, `append-only` stores the same rows in a table without any index, the cost of the ingest table
proposed in bench/README-load.md ("What is left"): what the per-session index costs.

    .venv/bin/python bench/writer.py [--groups 1500] [--sizes 10,40]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, insert

from openscg.db import make_engine, migrate
from openscg.protocol import pack_samples
from openscg.sessions.append_sql import BATCH_COLUMNS
from openscg.sessions.store import _apply_appends
from openscg.sessions.tables import sessions
from openscg.sessions.writer import Append

SESSIONS = 500
SAMPLES_PER_BATCH = 5


def append_only(connection: Connection, appends: list[Append]) -> dict[str, BaseException]:
    rows = [append.params for append in appends]
    values = ", ".join(["(" + ", ".join(["?"] * len(BATCH_COLUMNS)) + ")"] * len(rows))
    params = tuple(row[column] for row in rows for column in BATCH_COLUMNS)
    connection.exec_driver_sql(f"INSERT INTO ingest ({', '.join(BATCH_COLUMNS)}) VALUES {values}", params)
    return {}


class Phones:
    """Batches of SESSIONS sessions in turn, as a server under even load receives them."""

    def __init__(self, ids: list[str]) -> None:
        self.ids, self.position, self.t_ms = ids, 0, time.time() * 1000.0
        self.next_seq = dict.fromkeys(ids, 0)

    def group(self, size: int) -> list[Append]:
        out = []
        for _ in range(size):
            session_id = self.ids[self.position % len(self.ids)]
            self.position += 1
            seq = self.next_seq[session_id]
            self.next_seq[session_id] = seq + 1
            self.t_ms += 10.0
            samples = [[self.t_ms + j, 0.01, -0.02, 9.81] for j in range(SAMPLES_PER_BATCH)]
            params = {
                "session_id": session_id,
                "seq": seq,
                "t_first_ms": samples[0][0],
                "t_last_ms": samples[-1][0],
                "n_samples": SAMPLES_PER_BATCH,
                "data": pack_samples(samples),
            }
            out.append(Append(session_id, seq, params))
        return out


def measure(folder: Path, apply: Callable[[Connection, list[Append]], Any], size: int, groups: int) -> dict:
    engine = make_engine(f"sqlite:///{folder / f'{uuid.uuid4().hex}.db'}")
    migrate(engine)
    ids = [str(uuid.uuid4()) for _ in range(SESSIONS)]
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE ingest AS SELECT * FROM batches WHERE 0")
        for session_id in ids:
            row = {"id": session_id, "status": "live", "label": "bench", "created_at_ms": 0.0}
            row |= {"patient_token_hash": "p" * 64, "viewer_token_hash": "v" * 64, "batch_count": 0, "sample_count": 0}
            connection.execute(insert(sessions).values(**row))
    phones = Phones(ids)
    sizes = random.Random(size)
    planned = [phones.group(sizes.randint(size // 2, size * 3 // 2)) for _ in range(groups)]
    connection = engine.connect()
    for group in planned[: groups // 10]:  # warm-up: caches, the statement cache, the WAL file
        with connection.begin():
            apply(connection, group)
    measured = planned[groups // 10 :]
    before, started = resource.getrusage(resource.RUSAGE_THREAD), time.perf_counter()
    for group in measured:
        with connection.begin():
            apply(connection, group)
    after, wall = resource.getrusage(resource.RUSAGE_THREAD), time.perf_counter() - started
    connection.close()
    engine.dispose()
    batches = sum(len(group) for group in measured)
    return {
        "user_us": 1e6 * (after.ru_utime - before.ru_utime) / batches,
        "sys_us": 1e6 * (after.ru_stime - before.ru_stime) / batches,
        "wall_us": 1e6 * wall / batches,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--groups", type=int, default=1500)
    parser.add_argument("--sizes", default="10,40", help="mean batches per commit (each group is 0.5–1.5× that)")
    args = parser.parse_args()
    print(f"{SESSIONS} sessions, {SAMPLES_PER_BATCH}-sample batches, {args.groups} commits per row, SQLite durable")
    print("\n| statements | batches per commit | user µs/batch | system µs/batch | CPU µs/batch | wall µs/batch |")
    print("|---|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="openscg-bench-writer-") as folder:
        for size in [int(part) for part in args.sizes.split(",")]:
            variants = [("server (UPDATE + INSERT)", _apply_appends), ("append-only, no index", append_only)]
            for name, apply in variants:
                r = measure(Path(folder), apply, size, args.groups)
                cpu = r["user_us"] + r["sys_us"]
                print(f"| {name} | {size} | {r['user_us']:.1f} | {r['sys_us']:.1f} | {cpu:.1f} | {r['wall_us']:.1f} |")


if __name__ == "__main__":
    main()
