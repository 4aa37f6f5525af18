"""Jobs, their load errors, runs, task runs and tries.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(255), nullable=False, unique=True),
        sa.Column("file", sa.Text, nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("removed", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("created_at", sa.BigInteger, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "job_load_errors",
        sa.Column("file", sa.String(1024), primary_key=True),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("updated_at", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_id", sa.Integer, sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("run_type", sa.String(32), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("params", sa.Text, nullable=False),
        sa.Column("logical_date", sa.BigInteger),
        sa.Column("interval_end", sa.BigInteger),
        sa.Column("schedule_key", sa.String(64)),
        sa.Column("queued_at", sa.BigInteger, nullable=False),
        sa.Column("start_time", sa.BigInteger),
        sa.Column("end_time", sa.BigInteger),
        sa.Column("notified_at", sa.BigInteger),
        sa.Column("job_source", sa.Text),
        sa.UniqueConstraint("job_id", "schedule_key", name="uq_job_runs_schedule_key"),
    )
    op.create_index("ix_job_runs_job_state", "job_runs", ["job_id", "state"])
    op.create_index("ix_job_runs_state", "job_runs", ["state"])
    op.create_table(
        "task_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "run_id", sa.Integer, sa.ForeignKey("job_runs.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("task_id", sa.String(255), nullable=False),
        sa.Column("map_index", sa.Integer, nullable=False, server_default="-1"),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("try_number", sa.Integer, nullable=False, server_default="0"),
        sa.Column("max_tries", sa.Integer, nullable=False),
        sa.Column("next_try_at", sa.BigInteger),
        sa.Column("start_time", sa.BigInteger),
        sa.Column("end_time", sa.BigInteger),
        sa.Column("worker", sa.String(255)),
        sa.Column("heartbeat_at", sa.BigInteger),
        sa.Column("value", sa.Text),
        sa.Column("error", sa.Text),
        sa.UniqueConstraint("run_id", "task_id", "map_index", name="uq_task_runs_run_task"),
    )
    op.create_index("ix_task_runs_state", "task_runs", ["state"])
    op.create_table(
        "task_tries",
        sa.Column(
            "task_run_id",
            sa.Integer,
            sa.ForeignKey("task_runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("try_number", sa.Integer, primary_key=True),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("start_time", sa.BigInteger, nullable=False),
        sa.Column("end_time", sa.BigInteger),
        sa.Column("error", sa.Text),
        sa.Column("worker", sa.String(255)),
    )


def downgrade() -> None:
    for table in ("task_tries", "task_runs", "job_runs", "job_load_errors", "jobs"):
        op.drop_table(table)
