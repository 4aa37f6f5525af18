"""Free-form properties (Unity Catalog ``properties``) on catalogs and schemas.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("catalogs", "schemas"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("properties", sa.Text, nullable=False, server_default="{}"))


def downgrade() -> None:
    for table in ("catalogs", "schemas"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("properties")
