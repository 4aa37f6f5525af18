"""ML: the MLflow runs of each task try, and serving endpoints.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # MLflow's own tables go to their own schema of the same database ([ml] backend_store).
        op.execute('CREATE SCHEMA IF NOT EXISTS "mlflow"')
    with op.batch_alter_table("task_tries") as batch:
        # JSON list of the MLflow run ids created by the try (none when it used no MLflow).
        batch.add_column(sa.Column("mlflow_run_ids", sa.Text))
    with op.batch_alter_table("task_runs") as batch:
        # JSON object: the values the task set (taskValues.set), beside its return value.
        batch.add_column(sa.Column("task_values", sa.Text))
    op.create_table(
        "serving_endpoints",
        sa.Column("name", sa.String(255), primary_key=True),
        sa.Column("entity_name", sa.String(255), nullable=False),
        sa.Column("entity_version", sa.String(64)),
        sa.Column("alias", sa.String(255)),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("serving_endpoints")
    with op.batch_alter_table("task_runs") as batch:
        batch.drop_column("task_values")
    with op.batch_alter_table("task_tries") as batch:
        batch.drop_column("mlflow_run_ids")
