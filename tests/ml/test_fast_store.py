"""FastTrackingStore against MLflow's own SqlAlchemyStore: the same calls, on two fresh
databases, leave the same data (metric history, latest metrics, params, tags, run info) and
raise the same errors (error code and message), on SQLite and on PostgreSQL."""

from __future__ import annotations

import math
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from brickyard.adapters.mlflow_server import tune_sqlite
from tests.integration import servers

postgres_server = servers.postgres_server

NAN, INF = float("nan"), float("inf")


class Twins:
    """MLflow's store and Brickyard's, driven by the same operations. Runs have a name in
    the test; each store knows them by its own run id."""

    def __init__(self, mlflow_store: Any, fast_store: Any) -> None:
        self.stores = {"mlflow": mlflow_store, "fast": fast_store}
        self.runs: dict[str, dict[str, str]] = {"mlflow": {}, "fast": {}}

    def same(self, operation: Callable[[Any, dict[str, str]], Any]) -> Any:
        """Run ``operation(store, run ids by name)`` on both; assert the same outcome."""
        outcomes = []
        for side, store in self.stores.items():
            try:
                outcomes.append(("ok", self._normal(side, operation(store, self.runs[side]))))
            except Exception as exc:
                code = getattr(exc, "error_code", type(exc).__name__)
                outcomes.append(("error", code, self._normal(side, str(exc))))
        assert outcomes[0] == outcomes[1]
        return outcomes[0]

    def create_run(self, name: str, experiment_id: str = "0", **kwargs: Any) -> None:
        def create(store: Any, runs: dict[str, str]) -> Any:
            run = store.create_run(
                experiment_id,
                kwargs.get("user_id", "u"),
                kwargs.get("start_time", 1000),
                kwargs.get("tags", []),
                kwargs.get("run_name", name),
            )
            runs[name] = run.info.run_id
            return run

        self.same(create)

    def state(self) -> dict[str, Any]:
        """Everything MLflow reads back of every run, normalised; asserted equal."""
        found = {side: self._state(side) for side in self.stores}
        assert found["mlflow"] == found["fast"]
        return found["fast"]

    def _state(self, side: str) -> dict[str, Any]:
        store, out = self.stores[side], {}
        for name, run_id in self.runs[side].items():
            run = store.get_run(run_id)
            latest = sorted(
                (m.key, _v(m.value), m.timestamp, m.step) for m in run.data._metric_objs
            )
            out[name] = {
                "info": self._normal(side, run.info.to_proto()),
                "latest": latest,
                "metrics": {k: _v(v) for k, v in run.data.metrics.items()},
                "params": run.data.params,
                "tags": run.data.tags,
                "history": {
                    key: [
                        (_v(m.value), m.timestamp, m.step)
                        for m in store.get_metric_history(run_id, key)
                    ]
                    for key in sorted(run.data.metrics)
                },
            }
        return out

    def _normal(self, side: str, value: Any) -> Any:
        """``value`` as comparable text: protos as dicts, this side's ids and paths named."""
        from google.protobuf.json_format import MessageToDict

        if value is None:
            return None
        if hasattr(value, "to_proto"):
            value = value.to_proto()
        if hasattr(value, "DESCRIPTOR"):
            value = MessageToDict(value)
        text = repr(value)
        for name, run_id in self.runs[side].items():
            text = text.replace(run_id, f"<run {name}>")
        return text.replace(self.stores[side].artifact_root_uri, "<artifacts>")


def _v(value: float) -> str:
    return "nan" if math.isnan(value) else repr(value)


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Makers of fresh, migrated MLflow databases: MLflow's migrations run once per
    dialect (seconds), each test gets copies."""
    return {"dir": tmp_path_factory.mktemp("templates"), "postgres": None}


def fresh_database(request: pytest.FixtureRequest, templates: dict[str, Any], name: str) -> str:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    def migrate(uri: str) -> None:
        store = SqlAlchemyStore(uri, (templates["dir"] / "artifacts").as_uri())
        store.engine.dispose()
        SqlAlchemyStore._engine_map.pop(uri, None)

    copy = f"{name}_{uuid.uuid4().hex[:8]}"
    if request.param == "sqlite":
        template = templates["dir"] / "template.db"
        if not template.exists():
            migrate(f"sqlite:///{template}")
        path = templates["dir"] / f"{copy}.db"
        shutil.copyfile(template, path)
        tune_sqlite(path)
        return f"sqlite:///{path}"
    server = request.getfixturevalue("postgres_server")
    if templates["postgres"] is None:
        templates["postgres"] = server.create_database("parity_template")
        migrate(templates["postgres"])
    import psycopg

    dsn = f"host=127.0.0.1 port={server.port} user={server.user} dbname=postgres"
    with psycopg.connect(dsn, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{copy}" TEMPLATE "parity_template"'.encode())
    return str(server.url(copy))


@pytest.fixture(
    params=["sqlite", pytest.param("postgresql", marks=[pytest.mark.postgres, pytest.mark.slow])]
)
def twins(
    request: pytest.FixtureRequest, tmp_path: Path, templates: dict[str, Any]
) -> Iterator[Twins]:
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    from brickyard.adapters.mlflow_fast_store import FastTrackingStore

    uris = {side: fresh_database(request, templates, side) for side in ("mlflow", "fast")}
    mlflow_store = SqlAlchemyStore(uris["mlflow"], (tmp_path / "a-mlflow").as_uri())
    fast_store = FastTrackingStore(uris["fast"], (tmp_path / "a-fast").as_uri())
    assert fast_store._sql is not None  # the fast SQL is in use on this dialect
    yield Twins(mlflow_store, fast_store)
    for store in (mlflow_store, fast_store):
        store.engine.dispose()
        SqlAlchemyStore._engine_map.pop(store.db_uri, None)


def metric(key: str, value: float, timestamp: int, step: int) -> Any:
    from mlflow.entities import Metric

    return Metric(key, value, timestamp, step)


def test_metric_sequences_leave_the_same_history_and_latest_values(twins: Twins) -> None:
    twins.create_run("a")
    sequence = [
        ("loss", 1.0, 100, 0),
        ("loss", 1.0, 100, 0),  # an exact duplicate: dropped
        ("loss", 0.5, 101, 1),
        ("loss", 0.7, 101, 1),  # same step and time, greater value: the latest
        ("loss", 0.6, 101, 1),  # smaller: not
        ("loss", 0.4, 90, 3),  # an older timestamp but a greater step: the latest
        ("loss", 0.3, 200, 2),  # out of order: a newer timestamp, a smaller step
        ("loss", NAN, 90, 3),  # NaN counts as 0 in the ordering: below 0.4
        ("loss", INF, 50, 4),
        ("loss", -INF, 50, 4),
        ("loss", NAN, 50, 5),
        ("loss", 0.0, 50, 5),  # equal to NaN's (5, 50, 0): the first stays
        ("loss", NAN, 50, 5),  # NaN again: a duplicate
        ("acc", NAN, 1, 0),
        ("neg", -INF, 1, 0),
        ("int", 3, 1, 0),
        ("big", 2.5, 2**40, 2**40),
    ]
    for key, value, timestamp, step in sequence:
        twins.same(lambda s, r, m=metric(key, value, timestamp, step): s.log_metric(r["a"], m))
    state = twins.state()["a"]
    assert state["latest"][3] == ("loss", "nan", 50, 5)
    assert len(state["history"]["loss"]) == 11  # 13 logged, 2 duplicates


def test_batches_leave_the_same_metrics_params_and_tags(twins: Twins) -> None:
    from mlflow.entities import Param, RunTag

    twins.create_run("a", tags=[RunTag("team", "x")])
    twins.same(lambda s, r: s.log_metric(r["a"], metric("loss", 0.5, 100, 3)))
    batch = [
        metric("loss", 0.9, 100, 2),  # below the logged (3, 100, 0.5)
        metric("loss", 0.1, 300, 3),  # above
        metric("loss", 0.2, 300, 3),  # above that, later in the batch
        metric("loss", 0.2, 300, 3),  # a duplicate inside the batch
        metric("acc", NAN, 5, 1),
        metric("acc", 0.8, 5, 1),
        metric("acc", 0.7, 4, 1),
        metric("up", INF, 1, 0),
        metric("down", -INF, 1, 0),
    ]
    params = [Param("alpha", "0.5"), Param("layers", "3"), Param("long", "x" * 7000)]
    tags = [RunTag("team", "y"), RunTag("k", "1"), RunTag("k", "2"), RunTag("empty", "")]
    twins.same(lambda s, r: s.log_batch(r["a"], batch, params, tags))
    twins.same(lambda s, r: s.log_batch(r["a"], batch, [], []))  # all duplicates now
    twins.same(lambda s, r: s.log_batch(r["a"], [], [Param("alpha", "0.5")], []))  # same value
    twins.same(lambda s, r: s.log_param(r["a"], Param("beta", "b")))
    twins.same(lambda s, r: s.log_param(r["a"], Param("beta", "b")))
    twins.same(lambda s, r: s.set_tag(r["a"], RunTag("k", "3")))
    twins.same(lambda s, r: s.set_tag(r["a"], RunTag("mlflow.runName", "renamed")))
    twins.same(lambda s, r: s.log_batch(r["a"], [], [], [RunTag("mlflow.runName", "again")]))
    state = twins.state()["a"]
    assert state["tags"]["k"] == "3"
    assert state["params"] == {"alpha": "0.5", "layers": "3", "long": "x" * 6000, "beta": "b"}


def test_runs_are_created_updated_and_finished_alike(twins: Twins) -> None:
    from mlflow.entities import RunStatus, RunTag

    twins.create_run("named", tags=[RunTag("t", "v")], run_name="named")
    twins.create_run("by-tag", tags=[RunTag("mlflow.runName", "by-tag")], run_name="")
    twins.create_run("same-both", tags=[RunTag("mlflow.runName", "same-both")])
    for side, store in twins.stores.items():  # a random name, the same way on both
        run = store.create_run("0", "u", 5, [], None)
        assert run.info.run_name == run.data.tags["mlflow.runName"], side
        assert run.info.run_name == store.get_run(run.info.run_id).info.run_name
    finished = RunStatus.FINISHED
    twins.same(lambda s, r: s.update_run_info(r["named"], finished, 2000, None))
    twins.same(lambda s, r: s.update_run_info(r["by-tag"], None, None, None))
    twins.same(lambda s, r: s.update_run_info(r["by-tag"], RunStatus.FAILED, None, "renamed"))
    # A finished run still takes metrics, params and tags (MLflow checks only deletion).
    twins.same(lambda s, r: s.log_metric(r["named"], metric("after", 1.0, 3000, 0)))
    twins.same(lambda s, r: s.set_tag(r["named"], RunTag("late", "yes")))
    twins.state()


def test_errors_are_mlflows_own(twins: Twins) -> None:
    from mlflow.entities import Param, RunStatus, RunTag

    twins.create_run("gone")
    twins.create_run("live")
    twins.same(lambda s, r: s.log_param(r["live"], Param("p", "1")))
    twins.same(lambda s, r: s.delete_run(r["gone"]))
    missing = "f" * 32
    calls: list[Callable[[Any, dict[str, str]], Any]] = [
        lambda s, r: s.log_metric(r["gone"], metric("m", 1.0, 1, 0)),
        lambda s, r: s.log_batch(r["gone"], [metric("m", 1.0, 1, 0)], [], []),
        lambda s, r: s.log_param(r["gone"], Param("p", "1")),
        lambda s, r: s.set_tag(r["gone"], RunTag("t", "1")),
        lambda s, r: s.update_run_info(r["gone"], RunStatus.FINISHED, 5, None),
        lambda s, r: s.log_metric(missing, metric("m", 1.0, 1, 0)),
        lambda s, r: s.log_batch(missing, [metric("m", 1.0, 1, 0)], [], []),
        lambda s, r: s.update_run_info(missing, RunStatus.FINISHED, 5, None),
        lambda s, r: s.log_param(r["live"], Param("p", "2")),  # changing a param
        lambda s, r: s.log_batch(r["live"], [], [Param("p", "2")], []),
        lambda s, r: s.log_batch(r["live"], [], [Param("q", "1"), Param("q", "2")], []),
        lambda s, r: s.log_metric(r["live"], metric("m", "text", 1, 0)),  # type: ignore[arg-type]
        lambda s, r: s.log_metric(r["live"], metric("m", 1.0, -1, 0)),
        lambda s, r: s.log_metric(r["live"], metric("bad/../key", 1.0, 1, 0)),
        lambda s, r: s.log_batch(r["live"], [metric("m", 1.0, 1, i) for i in range(1001)], [], []),
        lambda s, r: s.set_tag(r["live"], RunTag("", "1")),
        lambda s, r: s.update_run_info(r["live"], "NOT A STATUS", None, None),
        lambda s, r: s.create_run("424242", "u", 1, [], "x"),  # no such experiment
        lambda s, r: s.create_run("not-a-number", "u", 1, [], "x"),
        lambda s, r: s.create_run("0", "u", 1, [RunTag("mlflow.runName", "a")], "b"),
    ]
    for call in calls:
        outcome = twins.same(call)
        assert outcome[0] == "error", outcome
    twins.same(lambda s, r: s.delete_experiment(s.create_experiment("deleted")))
    outcome = twins.same(lambda s, r: s.create_run("1", "u", 1, [], "x"))
    assert outcome[0] == "error"
    assert "active" in outcome[2]
    twins.state()


def test_a_metric_takes_three_statements_where_mlflow_takes_five_or_more(twins: Twins) -> None:
    from sqlalchemy import event

    twins.create_run("a")
    twins.same(lambda s, r: s.log_metric(r["a"], metric("m", 0.5, 1, 0)))
    counts = {}
    for side, store in twins.stores.items():
        statements: list[str] = []

        def count(*args: Any, seen: list[str] = statements) -> None:
            seen.append(args[2])

        event.listen(store.engine, "before_cursor_execute", count)
        try:
            store.log_metric(twins.runs[side]["a"], metric("m", 1.0, 1, 0))
        finally:
            event.remove(store.engine, "before_cursor_execute", count)
        counts[side] = len(statements)
    assert counts["fast"] == 3, counts  # the run's state, the metric, the latest value
    # The run, the key's latest row (found, then locked), the metric, the latest value; on
    # SQLite also three PRAGMAs per session.
    assert counts["mlflow"] >= 5, counts


def test_the_usual_calls_never_reach_mlflows_methods(
    twins: Twins, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlflow.entities import Param, RunStatus, RunTag
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore

    store = twins.stores["fast"]
    for name in (
        "create_run",
        "update_run_info",
        "log_metric",
        "log_batch",
        "log_param",
        "set_tag",
    ):

        def refuse(*_args: Any, name: str = name) -> None:
            raise AssertionError(f"MLflow's {name} was called")

        monkeypatch.setattr(SqlAlchemyStore, name, refuse)
    run_id = store.create_run("0", "u", 1, [RunTag("t", "1")], "r").info.run_id
    store.log_metric(run_id, metric("m", 1.0, 1, 0))
    store.log_batch(run_id, [metric("m", 2.0, 2, 1)], [Param("p", "1")], [RunTag("t", "2")])
    store.log_param(run_id, Param("q", "1"))
    store.set_tag(run_id, RunTag("u", "1"))
    info = store.update_run_info(run_id, RunStatus.FINISHED, 9, None)
    assert (info.status, info.end_time) == ("FINISHED", 9)
