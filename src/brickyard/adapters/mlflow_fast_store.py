# mypy: disallow-untyped-calls=False
# (MLflow's validation and naming helpers, called as MLflow calls them, are untyped.)
"""MLflow's SQL tracking store, its hot writes done in a few SQL statements.

Why: MLflow's ``SqlAlchemyStore`` writes through the ORM, one session per call and one per
part of a batch. Logging one metric runs ~8 statements (session pragmas, load the run, look up
then lock the key's ``latest_metrics`` row, flush two objects, commit): 4.4 ms or more of
Python per metric on WAL SQLite (2-core machine), most of a log-metric request. Creating a run
loads the experiment and its tags, then the new run's metrics, params, tags and inputs back;
ending one loads them again.

Measured on a loaded 2-core machine, 100 calls each, MLflow's store -> this one: create_run
14.6 -> 1.6 ms, log_batch of 5 params 12.2 -> 1.6 ms, of 5 metrics 11.7 -> 1.5 ms,
update_run_info 6.2 -> 1.3 ms, log_metric 10.8 -> 1.0 ms. With the fast path in front
(mlflow_fast_path.py), ``brickyard up`` spends 3.5 ms of CPU per log_metric request where
``mlflow server --workers 1`` spends 12.9 ms, and 16 ms per run (4 requests) against 64 ms
(benchmarks/tracking_bench.py).

``FastTrackingStore`` keeps MLflow's validation (its own functions, same errors), tables and
answers, and writes the usual case with SQLAlchemy Core in one transaction per call:

- ``log_metric``, ``log_batch``, ``log_param``, ``set_tag``: one SELECT (the run is active),
  then INSERT the params (none logged before), INSERT the metrics ``ON CONFLICT DO NOTHING``
  (MLflow drops exact duplicates), upsert ``latest_metrics`` keeping the greatest
  (step, timestamp, value) as MLflow does (NaN counted as 0), upsert the tags;
- ``create_run``: one SELECT (the experiment), INSERT the run and its tags;
- ``update_run_info`` (status, end time): one SELECT, one UPDATE.

Everything else goes to MLflow's own method, which then does, or refuses, it exactly as MLflow
does: model metrics, the run-name tag, renaming a run, a missing or deleted run or experiment,
a param logged before, any integrity error, a deadlock, a dialect other than SQLite and
PostgreSQL. tests/ml/test_fast_store.py logs the same sequences through both stores and
compares the results.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

import sqlalchemy as sa
from mlflow.entities import (
    LifecycleStage,
    Run,
    RunData,
    RunInfo,
    RunInputs,
    RunStatus,
    RunTag,
    SourceType,
)
from mlflow.exceptions import MlflowException
from mlflow.protos.databricks_pb2 import BAD_REQUEST, TEMPORARILY_UNAVAILABLE
from mlflow.store.tracking.dbmodels.models import (
    SqlExperiment,
    SqlLatestMetric,
    SqlMetric,
    SqlParam,
    SqlRun,
    SqlTag,
)
from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME, _get_run_name_from_tags
from mlflow.utils.name_utils import _generate_random_name
from mlflow.utils.uri import append_to_uri_path
from mlflow.utils.validation import (
    _validate_batch_log_data,
    _validate_batch_log_limits,
    _validate_metric,
    _validate_param,
    _validate_param_keys_unique,
    _validate_run_id,
    _validate_tag,
)
from sqlalchemy.dialects import postgresql, sqlite

DIALECTS = ("sqlite", "postgresql")
T = TypeVar("T")
_ACTIVE = LifecycleStage.ACTIVE


class FastTrackingStore(SqlAlchemyStore):  # type: ignore[misc]  # mlflow is untyped
    """``SqlAlchemyStore`` with the hot writes above in Core SQL (SQLite and PostgreSQL)."""

    def __init__(self, db_uri: str, default_artifact_root: str) -> None:
        super().__init__(db_uri, default_artifact_root)
        dialect = self.engine.dialect.name
        self._sql = _Statements(dialect) if dialect in DIALECTS else None

    # -- runs ----------------------------------------------------------------------------
    def create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int,
        tags: list[Any] | None,
        run_name: str | None,
    ) -> Run:
        run = self._attempt(self._create_run, experiment_id, user_id, start_time, tags, run_name)
        if run is None:
            created: Run = super().create_run(experiment_id, user_id, start_time, tags, run_name)
            return created
        return run

    def update_run_info(
        self, run_id: str, run_status: Any, end_time: int | None, run_name: str | None
    ) -> RunInfo:
        info = self._attempt(self._update_run_info, run_id, run_status, end_time, run_name)
        if info is None:
            updated: RunInfo = super().update_run_info(run_id, run_status, end_time, run_name)
            return updated
        return info

    # -- metrics, params, tags -----------------------------------------------------------
    def log_metric(self, run_id: str, metric: Any) -> None:
        if self._sql is None or metric.model_id is not None:
            super().log_metric(run_id, metric)
            return
        _validate_metric(metric.key, metric.value, metric.timestamp, metric.step)
        if not self._attempt(self._write, run_id, metrics=[metric]):
            super().log_metric(run_id, metric)

    def log_batch(
        self, run_id: str, metrics: list[Any], params: list[Any], tags: list[Any]
    ) -> None:
        if (
            self._sql is None
            or any(m.model_id is not None for m in metrics)
            or any(t.key == MLFLOW_RUN_NAME for t in tags)
        ):
            super().log_batch(run_id, metrics, params, tags)
            return
        _validate_run_id(run_id)
        checked = _validate_batch_log_data(metrics, params, tags)
        _validate_batch_log_limits(*checked)
        _validate_param_keys_unique(checked[1])
        if not self._attempt(self._write, run_id, *checked):
            super().log_batch(run_id, metrics, params, tags)

    def log_param(self, run_id: str, param: Any) -> None:
        if self._sql is None:
            super().log_param(run_id, param)
            return
        checked = _validate_param(param.key, param.value)
        if not self._attempt(self._write, run_id, params=[checked]):
            super().log_param(run_id, param)

    def set_tag(self, run_id: str, tag: Any) -> None:
        if self._sql is None or tag.key == MLFLOW_RUN_NAME:
            super().set_tag(run_id, tag)
            return
        checked = _validate_tag(tag.key, tag.value)
        if not self._attempt(self._write, run_id, tags=[checked]):
            super().set_tag(run_id, tag)

    # -- the SQL -------------------------------------------------------------------------
    @staticmethod
    def _attempt(fast: Callable[..., T | None], *args: Any, **kwargs: Any) -> T | None:
        """What ``fast`` answers; None when it left the call to MLflow's method."""
        try:
            return fast(*args, **kwargs)
        except _Fallback:
            return None

    def _write(
        self,
        run_id: str,
        metrics: Sequence[Any] = (),
        params: Sequence[Any] = (),
        tags: Sequence[Any] = (),
    ) -> bool | None:
        """Write to an active run; None (nothing written) when MLflow's method must decide."""
        sql = self._sql
        assert sql is not None
        with self._transaction() as connection:
            stage = connection.execute(sql.run_stage, {"run_uuid": run_id}).scalar()
            if stage != _ACTIVE:
                return None
            if params:
                keys = [p.key for p in params]
                found = connection.execute(sql.param_keys, {"run_uuid": run_id, "keys": keys})
                if found.first() is not None:
                    return None  # MLflow compares the values: equal is fine, else an error
                rows = [{"run_uuid": run_id, "key": p.key, "value": p.value} for p in params]
                connection.execute(sql.insert_params, rows)
            if metrics:
                metric_rows, latest_rows = self._metric_rows(run_id, metrics)
                connection.execute(sql.insert_metrics, metric_rows)
                connection.execute(sql.upsert_latest, latest_rows)
            if tags:  # the last value of a key wins, as in MLflow
                by_key = {t.key: {"run_uuid": run_id, "key": t.key, "value": t.value} for t in tags}
                connection.execute(sql.upsert_tags, [by_key[k] for k in sorted(by_key)])
        return True

    def _metric_rows(
        self, run_id: str, metrics: Sequence[Any]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The distinct metric rows, and per key the one ``latest_metrics`` must hold unless
        it holds a greater one: the first greatest (step, timestamp, value), MLflow's rule."""
        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        latest: dict[str, dict[str, Any]] = {}
        for metric in metrics:
            is_nan, value = self.sanitize_metric_value(metric.value)
            row = {
                "run_uuid": run_id,
                "key": metric.key,
                "value": value,
                "timestamp": metric.timestamp,
                "step": metric.step,
                "is_nan": is_nan,
            }
            rows.setdefault((metric.key, metric.timestamp, metric.step, value, is_nan), row)
            best = latest.get(metric.key)
            if best is None or (metric.step, metric.timestamp, value) > (
                best["step"],
                best["timestamp"],
                best["value"],
            ):
                latest[metric.key] = row
        # Keys in one order in every transaction: two batches cannot deadlock on PostgreSQL.
        return list(rows.values()), [latest[k] for k in sorted(latest)]

    def _create_run(
        self,
        experiment_id: str,
        user_id: str,
        start_time: int,
        tags: list[Any] | None,
        run_name: str | None,
    ) -> Run | None:
        sql = self._sql
        if sql is None or user_id is None or not str(experiment_id or "").isdigit():
            return None
        tags = list(tags) if tags else []
        name_tag = _get_run_name_from_tags(tags)
        if run_name and name_tag and run_name != name_tag:
            return None  # MLflow's error
        run_name = run_name or name_tag or _generate_random_name()
        if not name_tag:
            tags.append(RunTag(MLFLOW_RUN_NAME, run_name))
        run_id = uuid.uuid4().hex
        with self._transaction() as connection:
            experiment = connection.execute(
                sql.experiment, {"experiment_id": int(experiment_id)}
            ).first()
            if experiment is None or experiment.lifecycle_stage != _ACTIVE:
                return None
            artifact_uri = append_to_uri_path(
                experiment.artifact_location, run_id, SqlAlchemyStore.ARTIFACTS_FOLDER_NAME
            )
            status = RunStatus.to_string(RunStatus.RUNNING)
            connection.execute(
                sql.insert_run,
                {
                    "run_uuid": run_id,
                    "name": run_name,
                    "artifact_uri": artifact_uri,
                    "experiment_id": experiment_id,  # as given, as MLflow stores it
                    "source_type": SourceType.to_string(SourceType.UNKNOWN),
                    "source_name": "",
                    "entry_point_name": "",
                    "user_id": user_id,
                    "status": status,
                    "start_time": start_time,
                    "end_time": None,
                    "deleted_time": None,
                    "source_version": "",
                    "lifecycle_stage": _ACTIVE,
                },
            )
            if tags:
                rows = [{"run_uuid": run_id, "key": t.key, "value": t.value} for t in tags]
                connection.execute(sql.insert_tags, rows)
        info = RunInfo(
            run_id=run_id,
            run_name=run_name,
            experiment_id=str(experiment_id),
            user_id=user_id,
            status=status,
            start_time=start_time,
            end_time=None,
            lifecycle_stage=_ACTIVE,
            artifact_uri=artifact_uri,
        )
        return Run(info, RunData(metrics=[], params=[], tags=tags), RunInputs(dataset_inputs=[]))

    def _update_run_info(
        self, run_id: str, run_status: Any, end_time: int | None, run_name: str | None
    ) -> RunInfo | None:
        sql = self._sql
        if sql is None or run_name:
            return None  # renaming also rewrites the run-name tag: MLflow's method
        try:
            status = None if run_status is None else RunStatus.to_string(run_status)
        except Exception:
            return None  # MLflow's error
        with self._transaction() as connection:
            run = connection.execute(sql.run_info, {"run_uuid": run_id}).first()
            if run is None or run.lifecycle_stage != _ACTIVE or not run.name:
                return None
            values: dict[str, Any] = {}
            if status is not None:
                values["status"] = status
            if end_time is not None:
                values["end_time"] = end_time
            if values:
                connection.execute(sql.update_run.values(**values), {"id": run_id})
        return RunInfo(
            run_id=run.run_uuid,
            run_name=run.name,
            experiment_id=str(run.experiment_id),
            user_id=run.user_id,
            status=values.get("status", run.status),
            start_time=run.start_time,
            end_time=values.get("end_time", run.end_time),
            lifecycle_stage=run.lifecycle_stage,
            artifact_uri=run.artifact_uri,
        )

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        """One transaction; database errors become MLflow's errors, as its sessions raise
        them. An integrity error or a deadlock ends the transaction and leaves the call to
        MLflow's method (``_attempt`` answers None)."""
        try:
            with self.engine.begin() as connection:
                yield connection
        except sa.exc.IntegrityError as exc:
            raise _Fallback from exc
        except sa.exc.OperationalError as exc:
            if "deadlock" in str(exc).lower():
                raise _Fallback from exc
            raise MlflowException(str(exc), error_code=TEMPORARILY_UNAVAILABLE) from exc
        except sa.exc.SQLAlchemyError as exc:
            raise MlflowException(str(exc), error_code=BAD_REQUEST) from exc


class _Fallback(Exception):  # noqa: N818 (a signal, not an error)
    """Raised out of a transaction: nothing was written, MLflow's method decides."""


class _Statements:
    """The statements, built once per store, for SQLite or PostgreSQL."""

    def __init__(self, dialect: str) -> None:
        insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
        runs: sa.Table = SqlRun.__table__
        params: sa.Table = SqlParam.__table__
        tags: sa.Table = SqlTag.__table__
        experiments: sa.Table = SqlExperiment.__table__
        latest: sa.Table = SqlLatestMetric.__table__
        run_uuid: sa.BindParameter[str] = sa.bindparam("run_uuid")
        self.run_stage = sa.select(runs.c.lifecycle_stage).where(runs.c.run_uuid == run_uuid)
        self.run_info = sa.select(
            runs.c.run_uuid,
            runs.c.name,
            runs.c.experiment_id,
            runs.c.user_id,
            runs.c.status,
            runs.c.start_time,
            runs.c.end_time,
            runs.c.lifecycle_stage,
            runs.c.artifact_uri,
        ).where(runs.c.run_uuid == run_uuid)
        self.update_run = runs.update().where(runs.c.run_uuid == sa.bindparam("id"))
        self.insert_run = runs.insert()
        self.experiment = sa.select(
            experiments.c.lifecycle_stage, experiments.c.artifact_location
        ).where(experiments.c.experiment_id == sa.bindparam("experiment_id"))
        self.param_keys = sa.select(params.c.key).where(
            params.c.run_uuid == run_uuid, params.c.key.in_(sa.bindparam("keys", expanding=True))
        )
        self.insert_params = params.insert()
        self.insert_tags = tags.insert()
        self.insert_metrics = insert(SqlMetric.__table__).on_conflict_do_nothing()

        new_latest = insert(latest)
        new, old = new_latest.excluded, latest.c
        greater = sa.or_(
            new.step > old.step,
            sa.and_(
                new.step == old.step,
                sa.or_(
                    new.timestamp > old.timestamp,
                    sa.and_(new.timestamp == old.timestamp, new.value > old.value),
                ),
            ),
        )
        self.upsert_latest = new_latest.on_conflict_do_update(
            index_elements=[old.key, old.run_uuid],
            set_={c: new[c] for c in ("value", "timestamp", "step", "is_nan")},
            where=greater,
        )
        new_tags = insert(tags)
        self.upsert_tags = new_tags.on_conflict_do_update(
            index_elements=[tags.c.key, tags.c.run_uuid], set_={"value": new_tags.excluded.value}
        )
