"""Alembic environment: runs on the connection Brickyard hands over (never opens its own)."""

from __future__ import annotations

from alembic import context

from brickyard.adapters.metadata_sql.models import metadata

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
