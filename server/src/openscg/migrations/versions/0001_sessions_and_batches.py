"""sessions and batches

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("label", sa.String(200)),
        sa.Column("device", sa.Text),
        sa.Column("patient_token_hash", sa.String(64), nullable=False),
        sa.Column("viewer_token_hash", sa.String(64), nullable=False),
        sa.Column("created_at_ms", sa.Float, nullable=False),
        sa.Column("started_at_ms", sa.Float),
        sa.Column("ended_at_ms", sa.Float),
        sa.Column("batch_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sample_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("first_t_ms", sa.Float),
        sa.Column("last_t_ms", sa.Float),
    )
    op.create_table(
        "batches",
        sa.Column(
            "session_id",
            sa.String(36),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("t_first_ms", sa.Float, nullable=False),
        sa.Column("t_last_ms", sa.Float, nullable=False),
        sa.Column("n_samples", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_sessions_created_at_ms", "sessions", ["created_at_ms"])


def downgrade() -> None:
    op.drop_table("batches")
    op.drop_index("ix_sessions_created_at_ms", "sessions")
    op.drop_table("sessions")
