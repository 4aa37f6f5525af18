"""Metadata store on SQLAlchemy 2 (SQLite by default, PostgreSQL for scale-out)."""

from brickyard.adapters.metadata_sql.store import SqlMetadataStore

__all__ = ["SqlMetadataStore"]
