"""Authoring: @job/@task shapes, handles, dependencies, inputs and the settings' checks."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from brickyard import InvalidInputError, job, task
from brickyard.domain.jobs import JobSpec, TriggerRule
from brickyard.jobs import TaskHandle


def edges(spec: JobSpec) -> dict[str, tuple[str, ...]]:
    return {t.task_id: t.upstream for t in spec.tasks}


def test_the_issues_example_literally() -> None:
    @job(schedule="0 3 * * *", start_date="2026-01-01", catchup=False, max_active_runs=1,
         params={"region": "EU"}, tags=["sales"], timezone="UTC")
    def daily_sales():
        @task(retries=2, retry_delay=10, retry_backoff=True, timeout=600)
        def extract(ctx) -> int: ...          # ctx: logical_date, run_id, try_number, params, log, spark()
        @task
        def report(n: int) -> None: ...
        report(extract())                     # return values flow as task values (JSON, size-capped)

    spec = daily_sales.spec
    assert spec.name == "daily_sales"
    assert (spec.schedule, spec.start_date, spec.catchup, spec.max_active_runs) == (
        "0 3 * * *", "2026-01-01", False, 1)
    assert (dict(spec.params), spec.tags, spec.timezone) == ({"region": "EU"}, ("sales",), "UTC")
    extract, report = spec.tasks
    assert (extract.task_id, extract.kind, extract.upstream) == ("extract", "python", ())
    assert (extract.retries, extract.retry_delay_s, extract.retry_backoff, extract.timeout_s) == (
        2, 10.0, True, 600.0)
    assert report.upstream == ("extract",)
    assert dict(report.inputs) == {"n": "extract"}
    assert spec.file == __file__
    assert set(daily_sales.functions) == {"extract", "report"}
    assert daily_sales() is spec  # Airflow habit: calling the job function is harmless


def test_bare_job_and_job_settings() -> None:
    @job
    def manual():
        """Runs by hand."""

    assert manual.spec.schedule is None
    assert manual.spec.tasks == ()
    assert manual.spec.description == "Runs by hand."

    @job(schedule=timedelta(minutes=5), start_date=date(2026, 1, 2), description="five")
    def every_five():
        pass

    assert every_five.spec.schedule == "every 300s"
    assert every_five.spec.start_date == "2026-01-02"
    assert every_five.spec.description == "five"

    @job(schedule="@daily", timezone="Europe/Paris")
    def daily():
        pass

    assert (daily.spec.schedule, daily.spec.timezone) == ("@daily", "Europe/Paris")


def test_handles_create_dependencies_and_input_bindings() -> None:
    @job(params={"factor": 2})
    def flow():
        @task
        def a() -> int:
            return 1

        @task
        def b() -> int:
            return 2

        @task
        def combine(x: int, y: int, label: str = "sum", factor: int = 1) -> int:
            return x + y

        handle = combine(a(), y=b(), label="total")
        assert isinstance(handle, TaskHandle)
        assert handle.task_id == "combine"

    combine = flow.spec.task("combine")
    assert combine.upstream == ("a", "b")
    assert dict(combine.inputs) == {"x": "a", "y": "b"}
    assert dict(combine.config) == {"args": {"label": "total"}}


def test_dependency_operators() -> None:
    @job
    def ops():
        @task
        def t() -> None: ...

        a, b, c, d, e, f = (t.override(task_id=n)() for n in "abcdef")
        a >> b >> c           # chain
        [a, b] >> d           # list upstream
        e << f                # e after f
        f >> [c, d]           # fan out
        [e] << a              # e after a

    assert edges(ops.spec) == {
        "a": (), "b": ("a",), "c": ("b", "f"), "d": ("a", "b", "f"), "e": ("f", "a"), "f": (),
    }


def test_tasks_made_in_a_loop_need_a_task_id() -> None:
    @job
    def loop():
        @task
        def start() -> list[str]:
            return []

        first = start()
        for region in ["eu", "us"]:
            @task(task_id=f"load_{region}")
            def load(rows: list[str]) -> None: ...

            load(first)

    assert edges(loop.spec) == {"start": (), "load_eu": ("start",), "load_us": ("start",)}
    assert loop.functions["load_eu"] is not loop.functions["load_us"]


def test_task_options_and_trigger_rules() -> None:
    @job
    def opts():
        @task(trigger_rule="all_done", retry_delay=timedelta(seconds=30), timeout=timedelta(minutes=1))
        def cleanup() -> None: ...

        cleanup()

    spec = opts.spec.task("cleanup")
    assert spec.trigger_rule == TriggerRule.ALL_DONE
    assert (spec.retry_delay_s, spec.timeout_s) == (30.0, 60.0)


def test_ctx_params_and_defaults_need_no_argument() -> None:
    @job(params={"region": "EU"})
    def p():
        @task
        def uses(ctx, region: str, params: dict, limit: int = 3) -> None: ...

        uses()

    assert p.spec.task("uses").inputs == {}


def test_branch_and_expand() -> None:
    @job
    def shaped():
        @task.branch
        def choose() -> str:
            return "left"

        @task
        def left() -> None: ...

        @task
        def right() -> None: ...

        @task
        def files() -> list[str]:
            return ["a", "b"]

        @task(retries=1)
        def process(item: str, prefix: str) -> str:
            return prefix + item

        @task(trigger_rule="none_failed_min_one_success")
        def join(results: list[str]) -> None: ...

        choose() >> [left(), right()]
        join(process.partial(prefix="x-").expand(item=files()))

    spec = shaped.spec
    assert spec.task("choose").kind == "branch"
    assert edges(spec)["left"] == ("choose",)
    process = spec.task("process")
    assert process.kind == "python"
    assert dict(process.config) == {"args": {"prefix": "x-"}, "expand": {"item": "files"}}
    assert process.upstream == ("files",)
    assert process.inputs == {}
    assert process.retries == 1
    assert spec.task("join").inputs == {"results": "process"}


@pytest.mark.parametrize("task_id", ["with space", "dot.ted", "", "é"])
def test_task_ids_are_validated(task_id: str) -> None:
    with pytest.raises(InvalidInputError, match="invalid task name"):
        @task(task_id=task_id)
        def f() -> None: ...


def test_duplicate_task_name() -> None:
    with pytest.raises(InvalidInputError, match="two tasks named 'f'.*task_id"):
        @job
        def dup():
            @task
            def f() -> None: ...

            f()
            f()


def test_cycle_message_shows_the_path() -> None:
    with pytest.raises(InvalidInputError, match="dependency cycle: (a >> b >> c >> a|b >> c >> a >> b|c >> a >> b >> c)"):
        @job
        def cyclic():
            @task
            def t() -> None: ...

            a, b, c = (t.override(task_id=n)() for n in "abc")
            a >> b >> c >> a


def test_unknown_dependency_a_handle_of_another_job() -> None:
    leaked: list[TaskHandle] = []

    @job
    def first():
        @task
        def other() -> None: ...

        leaked.append(other())

    with pytest.raises(InvalidInputError, match="depends on 'other', which is not a task"):
        @job
        def second():
            @task
            def mine() -> None: ...

            leaked[0] >> mine()


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"schedule": 3600}, "schedule must be a cron text.*not int 3600"),
        ({"schedule": ["0 3 * * *"]}, "schedule must be"),
        ({"schedule": timedelta(0)}, "must be a positive whole number of seconds"),
        ({"schedule": "0 25 * * *"}, "hour"),
        ({"schedule": "0 3 * *"}, "5 fields|five fields|fields"),
        ({"schedule": "@fortnightly"}, "unknown schedule preset"),
        ({"start_date": "yesterday"}, "start_date 'yesterday' is not an ISO date"),
        ({"start_date": 20260101}, "start_date must be an ISO date"),
        ({"timezone": "Mars/Base"}, "unknown time zone"),
        ({"max_active_runs": 0}, "max_active_runs"),
        ({"params": {"when": date(2026, 1, 1)}}, "params must be a JSON value"),
        ({"tags": "sales"}, "tags must be a list"),
        ({"catchup": "yes"}, "catchup must be a bool"),
    ],
)
def test_bad_job_settings(settings: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        @job(**settings)
        def bad():
            pass


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"retries": -1}, "retries must be"),
        ({"retry_delay": "10s"}, "retry_delay must be"),
        ({"timeout": -5}, "timeout must be"),
        ({"trigger_rule": "sometimes"}, "unknown trigger_rule 'sometimes'; use one of all_success"),
    ],
)
def test_bad_task_options(options: dict, message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        task(**options)


def test_bad_task_calls() -> None:
    @task
    def lonely(x: int) -> int:
        return x

    with pytest.raises(InvalidInputError, match="only be used inside the body of a @job"):
        lonely(1)
    assert lonely.function(2) == 2

    with pytest.raises(InvalidInputError, match="parameter 'x' of task 'lonely' gets no value"):
        @job
        def missing():
            lonely()

    with pytest.raises(InvalidInputError, match="unexpected keyword argument 'y'"):
        @job
        def extra():
            lonely(y=1)

    with pytest.raises(InvalidInputError, match="must be a JSON value"):
        @job
        def not_json():
            lonely(object())

    with pytest.raises(InvalidInputError, match="pass each upstream result as its own argument"):
        @job
        def nested():
            @task
            def one() -> int:
                return 1

            lonely([one()])

    with pytest.raises(InvalidInputError, match=r">> and << order tasks"):
        @job
        def bad_shift():
            lonely(1) >> "other"

    with pytest.raises(InvalidInputError, match="defined inside job 'outer'"):
        @job
        def outer():
            @job
            def inner():
                pass


def test_a_module_level_task_function_called_in_two_jobs() -> None:
    @task
    def shared(ctx) -> None: ...

    @job
    def one():
        shared()

    @job
    def two():
        shared.override(task_id="shared_2", retries=3)()

    assert one.spec.task("shared").retries == 0
    assert two.spec.task("shared_2").retries == 3
    assert two.functions["shared_2"] is shared.function
