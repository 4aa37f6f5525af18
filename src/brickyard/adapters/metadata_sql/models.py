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

# -- jobs (migration 0003) ---------------------------------------------------------------------
jobs = Table(
    "jobs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(255), nullable=False, unique=True),
    Column("file", Text, nullable=False),
    Column("spec", Text, nullable=False),  # JobSpec as JSON
    Column("paused", Boolean, nullable=False, server_default="0"),
    Column("removed", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

job_load_errors = Table(
    "job_load_errors",
    metadata,
    Column("file", String(1024), primary_key=True),
    Column("message", Text, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

job_runs = Table(
    "job_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("state", String(32), nullable=False),
    Column("run_type", String(32), nullable=False),
    Column("spec", Text, nullable=False),  # the JobSpec the run started with
    Column("params", Text, nullable=False),  # JSON object
    Column("logical_date", BigInteger),
    Column("interval_end", BigInteger),
    # One scheduled/backfill run per logical date: a restarted scheduler cannot double it.
    Column("schedule_key", String(64)),
    Column("queued_at", BigInteger, nullable=False),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    Column("notified_at", BigInteger),  # its end was reported (callbacks, webhook)
    Column("job_source", Text),  # the job file as the run started: its tasks run this code
    UniqueConstraint("job_id", "schedule_key", name="uq_job_runs_schedule_key"),
)

task_runs = Table(
    "task_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("job_runs.id", ondelete="CASCADE"), nullable=False),
    Column("task_id", String(255), nullable=False),
    # -1: the task; 0..n-1: the items of an expanded (mapped) task, made when it can run
    Column("map_index", Integer, nullable=False, server_default="-1"),
    Column("state", String(32), nullable=False),
    Column("try_number", Integer, nullable=False, server_default="0"),
    Column("max_tries", Integer, nullable=False),
    Column("next_try_at", BigInteger),
    Column("start_time", BigInteger),
    Column("end_time", BigInteger),
    Column("worker", String(255)),
    Column("heartbeat_at", BigInteger),
    Column("value", Text),  # the task value, JSON
    Column("task_values", Text),  # JSON object: values set with taskValues.set
    Column("error", Text),
    UniqueConstraint("run_id", "task_id", "map_index", name="uq_task_runs_run_task"),
)

task_tries = Table(
    "task_tries",
    metadata,
    Column(
        "task_run_id", Integer, ForeignKey("task_runs.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("try_number", Integer, primary_key=True),
    Column("state", String(32), nullable=False),
    Column("start_time", BigInteger, nullable=False),
    Column("end_time", BigInteger),
    Column("error", Text),
    Column("worker", String(255)),
    Column("mlflow_run_ids", Text),  # JSON list: the MLflow runs the try created
)

# The catalog tables each try read (migration 0007): the readers in a table's lineage.
table_reads = Table(
    "table_reads",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_run_id", Integer, ForeignKey("task_runs.id", ondelete="CASCADE"), nullable=False),
    Column("try_number", Integer, nullable=False),
    Column("table_name", String(767), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("read_at", BigInteger, nullable=False),
    Index("ix_table_reads_table_name", "table_name", "id"),
)

serving_endpoints = Table(
    "serving_endpoints",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("entity_name", String(255), nullable=False),  # a registered model
    Column("entity_version", String(64)),  # a fixed version, or
    Column("alias", String(255)),  # an alias, followed as it moves
    Column("created_by", String(255), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

Index("ix_job_runs_job_state", job_runs.c.job_id, job_runs.c.state)
Index("ix_job_runs_state", job_runs.c.state)
Index("ix_task_runs_state", task_runs.c.state)
# migration 0006: unreported finished runs (the scheduler's every tick); a job's runs by id
Index("ix_job_runs_notified_at", job_runs.c.notified_at, job_runs.c.id)
Index("ix_job_runs_job_id_id", job_runs.c.job_id, job_runs.c.id)

# -- users and browser sessions (migration 0005) ----------------------------------------------
users = Table(
    "users",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("role", String(16), nullable=False),  # admin | user
    Column("password_hash", Text),  # argon2id; none: the user logs in with API tokens only
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),  # SHA-256 of the cookie's random id
    Column("user_name", String(255), nullable=False),  # a user, or only a token's user
    Column("csrf_token", String(64), nullable=False),
    Column("token_id", String(36)),  # the API token it was opened with (revoking it ends it)
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("last_seen_at", BigInteger, nullable=False),
)

Index("ix_sessions_user_name", sessions.c.user_name)
Index("ix_sessions_expires_at", sessions.c.expires_at)
