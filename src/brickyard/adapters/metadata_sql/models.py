"""Table definitions of the metadata DB (SQLAlchemy Core). Migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

catalogs = Table(
    "catalogs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("comment", Text),
    Column("owner", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("properties", Text, nullable=False, server_default="{}"),  # JSON object
)

schemas = Table(
    "schemas",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("catalog_id", String(36), ForeignKey("catalogs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("comment", Text),
    Column("owner", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Column("properties", Text, nullable=False, server_default="{}"),  # JSON object
    UniqueConstraint("catalog_id", "name", name="uq_schemas_catalog_name"),
)

tables = Table(
    "tables",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("schema_id", String(36), ForeignKey("schemas.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("storage_location", Text, nullable=False),
    Column("partition_by", Text, nullable=False),  # JSON list of column names
    Column("comment", Text),
    Column("owner", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    UniqueConstraint("schema_id", "name", name="uq_tables_schema_name"),
)

table_columns = Table(
    "table_columns",
    metadata,
    Column("table_id", String(36), ForeignKey("tables.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("name", String(255), nullable=False),
    Column("type_text", Text, nullable=False),
    Column("type_name", String(64), nullable=False),
    Column("nullable", Boolean, nullable=False),
    Column("comment", Text),
)

table_tags = Table(
    "table_tags",
    metadata,
    Column("table_id", String(36), ForeignKey("tables.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value", Text, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_name", String(255), nullable=False),
    Column("secret_hash", String(64), nullable=False, unique=True),
    Column("comment", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger),
    Column("revoked_at", BigInteger),
    Column("last_used_at", BigInteger),
)

Index("ix_table_columns_name", table_columns.c.name)
