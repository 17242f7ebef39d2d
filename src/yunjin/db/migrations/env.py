"""Alembic environment: runs on the connection that ``yunjin.db.engine.migrate`` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from yunjin.db.models import Base

config = context.config
connection = config.attributes.get("connection")

if connection is None:  # the alembic command line, with sqlalchemy.url set
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.begin() as own_connection:
        context.configure(connection=own_connection, target_metadata=Base.metadata)
        context.run_migrations()
else:
    context.configure(connection=connection, target_metadata=Base.metadata)
    context.run_migrations()
