"""The catalog tables (and versions) each job task try read, for the tables' lineage.

A try's process reports every table its queries resolved (both engines record them,
``brickyard.ml.lineage``); its record keeps them here, so a table's Lineage tab lists the job
tasks that read it whether or not they used MLflow.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "table_reads",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "task_run_id",
            sa.Integer,
            sa.ForeignKey("task_runs.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("try_number", sa.Integer, nullable=False),
        sa.Column("table_name", sa.String(767), nullable=False),
        sa.Column("version", sa.BigInteger, nullable=False),
        sa.Column("read_at", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_table_reads_table_name", "table_reads", ["table_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_table_reads_table_name", table_name="table_reads")
    op.drop_table("table_reads")
