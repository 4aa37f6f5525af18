"""Catalog objects (catalogs, schemas, tables, columns, tags) and API tokens.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "catalogs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("comment", sa.Text),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "schemas",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "catalog_id",
            sa.String(36),
            sa.ForeignKey("catalogs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("catalog_id", "name", name="uq_schemas_catalog_name"),
    )
    op.create_table(
        "tables",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "schema_id",
            sa.String(36),
            sa.ForeignKey("schemas.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("storage_location", sa.Text, nullable=False),
        sa.Column("partition_by", sa.Text, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("owner", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("schema_id", "name", name="uq_tables_schema_name"),
    )
    op.create_table(
        "table_columns",
        sa.Column(
            "table_id",
            sa.String(36),
            sa.ForeignKey("tables.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("position", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type_text", sa.Text, nullable=False),
        sa.Column("type_name", sa.String(64), nullable=False),
        sa.Column("nullable", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text),
    )
    op.create_index("ix_table_columns_name", "table_columns", ["name"])
    op.create_table(
        "table_tags",
        sa.Column(
            "table_id",
            sa.String(36),
            sa.ForeignKey("tables.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.Text, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("comment", sa.Text),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.BigInteger),
        sa.Column("revoked_at", sa.BigInteger),
        sa.Column("last_used_at", sa.BigInteger),
    )


def downgrade() -> None:
    for name in ["api_tokens", "table_tags", "table_columns", "tables", "schemas", "catalogs"]:
        op.drop_table(name)
