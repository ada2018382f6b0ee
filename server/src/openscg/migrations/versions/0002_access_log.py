"""access log: who read or wrote each session (no addresses)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.String(36),
            sa.ForeignKey("sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("at_ms", sa.Float, nullable=False),
        sa.Column("role", sa.String(8), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("client", sa.String(64), nullable=False),
    )
    op.create_index("ix_access_log_session_id", "access_log", ["session_id", "at_ms"])


def downgrade() -> None:
    op.drop_index("ix_access_log_session_id", "access_log")
    op.drop_table("access_log")
