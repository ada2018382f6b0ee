"""Alembic environment: runs on the connection handed over by openscg.db.migrate (or a URL from
OPENSCG_DATABASE_URL when run with the alembic command line)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from openscg.db import normalize_url
from openscg.sessions.tables import metadata

config = context.config


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = normalize_url(os.environ.get("OPENSCG_DATABASE_URL", "sqlite:///./data/openscg.db"))
    with create_engine(url).begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations()
