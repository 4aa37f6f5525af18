"""Indexes for the jobs loop and run listings with many runs (10,000 in the API load test).

``(notified_at, id)``: the scheduler's every-tick query for finished runs not reported yet
searched every finished run (the state index) and sorted them; now it reads the few unreported
ones in id order. ``(job_id, id)``: a job's runs newest first (``runs/list?job_id=``) come out
of the index in order instead of being sorted.

Revision ID: 0006
Revises: 0005
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_job_runs_notified_at", "job_runs", ["notified_at", "id"])
    op.create_index("ix_job_runs_job_id_id", "job_runs", ["job_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_job_runs_job_id_id", table_name="job_runs")
    op.drop_index("ix_job_runs_notified_at", table_name="job_runs")
