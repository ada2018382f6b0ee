"""Table definitions (SQLAlchemy Core). Schema changes go through an Alembic migration in openscg/migrations.

Samples are stored one row per batch: `data` holds the batch's samples as little-endian float64
`[t_ms, ax, ay, az] * n` (see protocol.pack_samples), which reads back exactly and costs 32 bytes a sample.
Times outside the samples are float milliseconds since the Unix epoch (`*_ms`).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

sessions = Table(
    "sessions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("status", String(8), nullable=False),  # created | live | ended
    Column("label", String(200)),
    Column("device", Text),  # JSON object or NULL
    Column("patient_token_hash", String(64), nullable=False),
    Column("viewer_token_hash", String(64), nullable=False),
    Column("created_at_ms", Float, nullable=False),
    Column("started_at_ms", Float),
    Column("ended_at_ms", Float),
    Column("batch_count", Integer, nullable=False, default=0),
    Column("sample_count", BigInteger, nullable=False, default=0),
    Column("first_t_ms", Float),
    Column("last_t_ms", Float),
)

batches = Table(
    "batches",
    metadata,
    Column("session_id", String(36), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("t_first_ms", Float, nullable=False),
    Column("t_last_ms", Float, nullable=False),
    Column("n_samples", Integer, nullable=False),
    Column("data", LargeBinary, nullable=False),
)

access_log = Table(
    "access_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(36), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False),
    Column("at_ms", Float, nullable=False),
    Column("role", String(8), nullable=False),  # patient | viewer
    Column("action", String(16), nullable=False),  # watch | capture | metadata | data | analysis | end | revoke
    Column("client", String(64), nullable=False),  # coarse: "Chrome on Android"; never an address
    Index("ix_access_log_session_id", "session_id", "at_ms"),
)
