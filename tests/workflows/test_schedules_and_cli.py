"""Scheduled runs created by the scheduler, and the jobs commands end to end."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from brickyard.domain.jobs import RunState
from brickyard.workspace import Workspace


def hours_ago(hours: int) -> str:
    moment = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


@pytest.mark.parametrize(("catchup", "expected"), [(True, 3), (False, 1)])
def test_the_scheduler_creates_missed_runs_once(
    ws: Workspace, add_job: Callable[..., None], catchup: bool, expected: int
) -> None:
    add_job(
        "hourly.py",
        f"""
        @job(schedule="@hourly", start_date="{hours_ago(3)}", catchup={catchup})
        def hourly():
            @task
            def tick() -> int:
                return 1

            tick()
        """,
    )
    scheduler = ws.job_runner(schedule=True, execute=False).scheduler
    assert scheduler is not None
    scheduler.tick()
    scheduler.tick()  # idempotent: the same intervals are not created twice
    runs = ws.jobs.list_runs("hourly")
    assert len(runs) == expected
    assert {r.run_type for r in runs} == {"scheduled"}
    starts = sorted(r.logical_date for r in runs if r.logical_date is not None)
    assert all(b - a == 3_600_000 for a, b in itertools.pairwise(starts))


def test_a_paused_job_is_not_scheduled(ws: Workspace, add_job: Callable[..., None]) -> None:
    add_job(
        "paused.py",
        f"""
        @job(schedule="@hourly", start_date="{hours_ago(2)}", catchup=True)
        def paused():
            @task
            def tick() -> int:
                return 1

            tick()
        """,
    )
    ws.jobs.set_paused("paused", True)
    scheduler = ws.job_runner(schedule=True, execute=False).scheduler
    assert scheduler is not None
    scheduler.tick()
    assert ws.jobs.list_runs("paused") == []


def brickyard(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "brickyard.cli.main", *args, "--home", str(home)]
    return subprocess.run(command, capture_output=True, text=True, timeout=120)


def test_jobs_commands_list_run_and_show_runs(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert brickyard(home, "init").returncode == 0
    jobs = home / "jobs"
    (jobs / "good.py").write_text(
        textwrap.dedent(
            """
            from brickyard import job, task

            @job(params={"n": 2})
            def good():
                @task
                def double(n) -> int:
                    print("doubling", n)
                    return n * 2

                @task
                def fail_if_big(x: int) -> int:
                    if x > 10:
                        raise ValueError(f"{x} is too big")
                    return x

                fail_if_big(double())
            """
        )
    )
    (jobs / "broken_file_with_a_long_name.py").write_text("def broken(:\n")
    listed = brickyard(home, "jobs", "list", "--format", "json")
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)
    assert [j["name"] for j in data["jobs"]] == ["good"]
    assert data["load_errors"][0]["file"].endswith("broken_file_with_a_long_name.py")
    assert "SyntaxError" in data["load_errors"][0]["error"]
    text = brickyard(home, "jobs", "list")
    assert "broken_file_with_a_long_name.py" in text.stdout + text.stderr
    ok = brickyard(home, "jobs", "run", "good", "--wait", "--format", "json")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["state"] == RunState.SUCCESS.value
    failed = brickyard(home, "jobs", "run", "good", "--param", "n=9", "--wait", "--format", "json")
    assert failed.returncode == 1
    shown = brickyard(home, "runs", "show", "2", "--format", "json")
    tasks = {t["task"]: t for t in json.loads(shown.stdout)["tasks"]}
    assert tasks["fail_if_big"]["state"] == "failed"
    assert "18 is too big" in tasks["fail_if_big"]["error"]
    log = brickyard(home, "logs", "1", "double")
    assert "doubling 2" in log.stdout
    bad = brickyard(home, "jobs", "run", "good", "--param", "n=two")
    assert bad.returncode == 1
    assert "takes a value of type int" in bad.stderr


def test_backfill_runs_each_interval_once_and_checks_its_dates(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert brickyard(home, "init").returncode == 0
    (home / "jobs" / "daily.py").write_text(
        textwrap.dedent(
            """
            from brickyard import job, task

            @job(schedule="@daily", start_date="2026-01-01")
            def daily():
                @task
                def day(ctx) -> str:
                    return ctx.logical_date.date().isoformat()

                day()
            """
        )
    )
    done = brickyard(
        home,
        "jobs",
        "backfill",
        "daily",
        "--start",
        "2026-02-01",
        "--end",
        "2026-02-03",
        "--max-active",
        "2",
    )
    assert done.returncode == 0, done.stderr
    assert "3 of 3 runs succeeded" in done.stdout
    again = brickyard(
        home, "jobs", "backfill", "daily", "--start", "2026-02-02", "--end", "2026-02-03"
    )
    assert "Nothing to backfill" in again.stdout
    runs = json.loads(brickyard(home, "runs", "list", "--format", "json").stdout)
    assert len(runs) == 3
    assert {r["type"] for r in runs} == {"backfill"}
    backwards = brickyard(
        home, "jobs", "backfill", "daily", "--start", "2026-02-03", "--end", "2026-02-01"
    )
    assert backwards.returncode == 1
    assert "before it starts" in backwards.stderr


def test_task_processes_do_not_import_the_program_that_runs_them(tmp_path: Path) -> None:
    """A worker must not re-import the CLI (0.45 s a try) before its task: it does not need it."""
    home = tmp_path / "home"
    assert brickyard(home, "init").returncode == 0
    (home / "jobs" / "probe.py").write_text(
        textwrap.dedent(
            """
            import sys
            from brickyard import job, task

            @job()
            def probe():
                @task
                def look() -> bool:
                    return "brickyard.cli.main" in sys.modules

                look()
            """
        )
    )
    assert brickyard(home, "jobs", "run", "probe", "--wait").returncode == 0
    shown = json.loads(brickyard(home, "runs", "show", "1", "--format", "json").stdout)
    assert shown["tasks"][0]["value"] == "false"


def test_repair_reruns_the_failed_task_once_the_job_is_fixed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert brickyard(home, "init").returncode == 0
    job_file = home / "jobs" / "fixme.py"
    source = """
        from brickyard import job, task

        @job()
        def fixme():
            @task
            def first() -> int:
                return 1

            @task
            def second(x: int) -> int:
                return x + {increment}

            @task
            def third(y: int) -> int:
                return y * 10

            third(second(first()))
        """
    job_file.write_text(textwrap.dedent(source.format(increment="undefined_name")))
    assert brickyard(home, "jobs", "run", "fixme", "--wait").returncode == 1
    job_file.write_text(textwrap.dedent(source.format(increment="1")))
    repaired = brickyard(home, "runs", "repair", "1", "--wait", "--format", "json")
    assert repaired.returncode == 0, repaired.stderr
    shown = json.loads(brickyard(home, "runs", "show", "1", "--format", "json").stdout)
    tasks = {t["task"]: t for t in shown["tasks"]}
    assert tasks["first"]["tries"] == 1  # kept: not run again
    assert tasks["second"]["tries"] == 2
    assert tasks["third"]["value"] == "20"


def test_jobs_show_gives_the_next_run_time(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert brickyard(home, "init").returncode == 0
    (home / "jobs" / "nightly.py").write_text(
        textwrap.dedent(
            """
            from brickyard import job, task

            @job(schedule="0 3 * * *", start_date="2099-01-01", timezone="Europe/Berlin")
            def nightly():
                @task
                def t() -> int:
                    return 1

                t()
            """
        )
    )
    shown = json.loads(brickyard(home, "jobs", "show", "nightly", "--format", "json").stdout)
    assert shown["next_run"] == "2099-01-02 02:00:00 UTC"  # 03:00 in Berlin, a day after start
    assert shown["edges"] == []
