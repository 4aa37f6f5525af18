"""API load test: an open-loop request rate against ``brickyard up`` with 10,000 runs in the DB.

    .venv/bin/python benchmarks/api_load.py [--rate 200] [--seconds 60] [--runs 10000]
                                            [--json] [--quick]

1. A fresh home (``brickyard init --demo``) in a temporary folder; ``--runs`` finished runs of
   the demo jobs (with their task runs and tries) inserted in one transaction straight into
   the metadata DB (the same rows the scheduler writes: the API lists and gets them), plus a
   job file ``every_minute.py`` scheduled ``* * * * *`` (catchup off) with one no-op task.
2. ``brickyard up`` on a free port of 127.0.0.1, in its own process group.
3. An open-loop load: request *i* is sent at ``t0 + i / rate`` whatever the answers before
   it (asyncio + one ``aiohttp`` session: httpx's async pool used a whole core at this rate,
   the client then being the bottleneck), and its latency counts from that scheduled
   time, so a slow server cannot hide its queueing (no coordinated omission). The mix: run
   listings (``runs/list?limit=25``, some of one job, some at an offset), table listings
   (``unity-catalog/tables`` of main.default) and run-status polls (``runs/get`` of a random
   existing run).
4. The scheduled job's runs whose data interval ended during the load: the delay from the
   interval's end (the minute boundary: the run's trigger time) to the run's start.
5. The server is stopped (also on Ctrl+C or an error) and a table prints PASS/FAIL per goal;
   ``--json`` prints the results as JSON instead. ``--quick``: 50 requests/s for 10 s, 2,000
   runs (a smoke test; it usually crosses no minute boundary).

Everything is bounded: only 127.0.0.1, a timeout on every request and wait, the server killed
at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import httpx
from rich.console import Console
from rich.table import Table

VENV_BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
P99_GOAL_MS = 100.0
SCHEDULE_GOAL_S = 5.0
REQUEST_TIMEOUT_S = 10.0
# At most this many requests in flight: past it a request is not sent and counts as an
# error (a server far behind would otherwise grow the client's queue without bound).
MAX_IN_FLIGHT = 400
SERVER_START_TIMEOUT_S = 60.0
SCHEDULED_JOB = "every_minute"
SCHEDULED_JOB_FILE = f"""
    from brickyard import job, task


    @job(schedule="* * * * *", catchup=False, description="api_load: starts on time under load?")
    def {SCHEDULED_JOB}():
        @task
        def tick() -> None:
            return None

        tick()
"""
# (kind, share of the requests)
MIX = [("runs_list", 0.35), ("tables_list", 0.25), ("runs_get", 0.40)]


@dataclass
class Seeded:
    run_ids: list[int]
    job_ids: list[int]
    scheduled_job_id: int
    seconds: float


@dataclass
class LoadResult:
    latencies_ms: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)
    sent: int = 0
    dropped: int = 0  # not sent: MAX_IN_FLIGHT requests were waiting already
    unanswered: int = 0  # still waiting when the load's drain time was over
    send_lag_max_ms: float = 0.0  # how late the generator itself sent a request
    started: float = 0.0  # epoch seconds
    ended: float = 0.0
    elapsed_s: float = 0.0


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    # SIGTERM (timeout, kill) unwinds like Ctrl+C, so the server is stopped on the way out.
    signal.signal(signal.SIGTERM, _interrupt)
    console = Console(stderr=args.json)
    with tempfile.TemporaryDirectory(prefix="brickyard-api-load-") as tmp:
        home = Path(tmp) / "home"
        console.print(f"home {home}: init --demo, {args.runs:,} runs ...")
        seeded = make_home(home, args.runs)
        console.print(f"  {args.runs:,} runs inserted in {seeded.seconds:.1f} s")
        with running_server(home) as (port, pid):
            console.print(f"brickyard up on {HOST}:{port} (pid {pid})")
            console.print(f"open-loop load: {args.rate:g} requests/s for {args.seconds:g} s ...")
            load = asyncio.run(run_load(port, args.rate, args.seconds, seeded))
            delays = scheduled_delays(home, seeded.scheduled_job_id, load)
        results = summarize(args, seeded, load, delays)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print_table(console, args, results)
    return 0 if all(g["passed"] is not False for g in results["goals"]) else 1


def _interrupt(signum: int, _frame: object) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=None, help="requests/s (default 200)")
    parser.add_argument("--seconds", type=float, default=None, help="load time (default 60)")
    parser.add_argument("--runs", type=int, default=None, help="runs in the DB (default 10000)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--quick", action="store_true", help="50/s for 10 s, 2,000 runs")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the request mix")
    args = parser.parse_args(argv)
    quick = (50.0, 10.0, 2000) if args.quick else (200.0, 60.0, 10_000)
    args.rate = args.rate if args.rate is not None else quick[0]
    args.seconds = args.seconds if args.seconds is not None else quick[1]
    args.runs = args.runs if args.runs is not None else quick[2]
    if not (0 < args.rate <= 2000 and 0 < args.seconds <= 600 and 1 <= args.runs <= 200_000):
        parser.error("bounds: 0 < rate <= 2000, 0 < seconds <= 600, 1 <= runs <= 200000")
    return args


# -- 1. the home ------------------------------------------------------------------------------
def make_home(home: Path, runs: int) -> Seeded:
    """A demo home with ``runs`` finished runs of the demo jobs and the every-minute job."""
    subprocess.run(
        [str(VENV_BIN / "brickyard"), "init", "--demo", "--home", str(home)],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
        env=_server_env(),
    )
    (home / "jobs" / f"{SCHEDULED_JOB}.py").write_text(textwrap.dedent(SCHEDULED_JOB_FILE))
    import brickyard

    with brickyard.connect(home) as ws:
        errors = ws.jobs.reload()
        if errors:
            raise SystemExit(f"job files failed to load: {errors}")
        jobs = ws.jobs.list_jobs()
        demo_jobs = [j for j in jobs if j.name != SCHEDULED_JOB]
        scheduled = ws.jobs.job(SCHEDULED_JOB)
        started = time.perf_counter()
        run_ids = insert_finished_runs(ws.job_store.engine, demo_jobs, runs)
        seconds = time.perf_counter() - started
    return Seeded(run_ids, [j.id for j in demo_jobs], scheduled.id, seconds)


def insert_finished_runs(engine: Any, jobs: list[Any], count: int) -> list[int]:
    """``count`` finished manual runs, spread over ``jobs`` and the last 30 days, with one
    task run and one try per task: rows as the scheduler leaves them (notified already, so
    the server's loop does not report 10,000 run ends at start)."""
    from sqlalchemy import insert, select

    from brickyard.adapters.metadata_sql.models import job_runs, task_runs, task_tries
    from brickyard.domain.job_runs import spec_to_json

    rng = random.Random(11)
    now_ms = int(time.time() * 1000)
    specs = {j.id: spec_to_json(j.spec) for j in jobs}
    run_rows, plans = [], []
    for i in range(count):
        job = jobs[i % len(jobs)]
        queued = now_ms - (count - i) * 250_000 - 60_000  # oldest first: ids grow with time
        failed = rng.random() < 0.1
        run_rows.append(
            {
                "job_id": job.id,
                "state": "failed" if failed else "success",
                "run_type": "manual",
                "spec": specs[job.id],
                "params": json.dumps(job.spec.params, default=str),
                "logical_date": queued,
                "interval_end": None,
                "schedule_key": None,
                "queued_at": queued,
                "start_time": queued + 50,
                "end_time": queued + 50 + 1_000 * len(job.spec.tasks),
                "notified_at": queued + 60 + 1_000 * len(job.spec.tasks),
            }
        )
        plans.append((job, failed, queued + 50))
    with engine.begin() as conn:
        first = conn.execute(select(job_runs.c.id).order_by(job_runs.c.id.desc())).scalar()
        conn.execute(insert(job_runs), run_rows)
        run_ids = list(
            conn.execute(
                select(job_runs.c.id).where(job_runs.c.id > (first or 0)).order_by(job_runs.c.id)
            ).scalars()
        )
        task_rows = []
        for run_id, (job, failed, start) in zip(run_ids, plans, strict=True):
            for n, spec_task in enumerate(job.spec.tasks):
                last = failed and n == len(job.spec.tasks) - 1
                task_rows.append(
                    {
                        "run_id": run_id,
                        "task_id": spec_task.task_id,
                        "map_index": -1,
                        "state": "failed" if last else "success",
                        "try_number": 1,
                        "max_tries": 1,
                        "start_time": start + n * 1_000,
                        "end_time": start + n * 1_000 + 900,
                        "worker": "api_load",
                        "error": "RuntimeError: seeded failure" if last else None,
                    }
                )
        conn.execute(insert(task_runs), task_rows)
        ids = conn.execute(
            select(task_runs.c.id, task_runs.c.state, task_runs.c.start_time, task_runs.c.end_time)
            .where(task_runs.c.run_id >= run_ids[0])
            .order_by(task_runs.c.id)
        ).all()
        conn.execute(
            insert(task_tries),
            [
                {
                    "task_run_id": r.id,
                    "try_number": 1,
                    "state": r.state,
                    "start_time": r.start_time,
                    "end_time": r.end_time,
                    "worker": "api_load",
                }
                for r in ids
            ],
        )
    return run_ids


# -- 2. the server ----------------------------------------------------------------------------
@contextlib.contextmanager
def running_server(home: Path) -> Iterator[tuple[int, int]]:
    """``brickyard up`` on a free port, healthy; killed (its whole process group) on exit."""
    port = _free_port()
    log = (home / "server.log").open("wb")
    process = subprocess.Popen(
        [str(VENV_BIN / "brickyard"), "up", "--home", str(home), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=_server_env(),
        start_new_session=True,  # its own group: the task workers it starts go with it
    )
    try:
        _wait_healthy(process, port, home)
        _warm_up(port)
        yield port, process.pid
    finally:
        _stop(process)
        log.close()


def _server_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BRICKYARD_HOME", None)
    env.pop("BRICKYARD_SERVER_AUTH", None)
    return env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _wait_healthy(process: subprocess.Popen[bytes], port: int, home: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    with httpx.Client(timeout=2.0) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise SystemExit(f"brickyard up exited ({process.returncode}); see server.log")
            with contextlib.suppress(httpx.HTTPError):
                if client.get(f"http://{HOST}:{port}/api/health").status_code == 200:
                    return
            time.sleep(0.1)
    raise SystemExit(f"brickyard up was not healthy within {SERVER_START_TIMEOUT_S:g} s")


def _warm_up(port: int) -> None:
    """Wait for the embedded MLflow, which loads in a thread after /api/health answers (seconds
    of imports and migrations holding the GIL: a start-up cost, not a request's), then send a
    few requests of each kind, unmeasured."""
    base = f"http://{HOST}:{port}"
    with httpx.Client(base_url=base, timeout=SERVER_START_TIMEOUT_S) as client:
        with contextlib.suppress(httpx.HTTPError):
            client.get("/mlflow/health")
        for _ in range(5):
            for url in (
                "/api/2.2/jobs/runs/list?limit=25",
                "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=default",
                "/api/2.2/jobs/runs/get?run_id=1",
            ):
                with contextlib.suppress(httpx.HTTPError):
                    client.get(url)


def _stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's process group, SIGKILL after 10 s."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


# -- 3. the load ------------------------------------------------------------------------------
async def run_load(port: int, rate: float, seconds: float, seeded: Seeded) -> LoadResult:
    """Send ``rate * seconds`` requests on schedule; latency counts from the scheduled time."""
    rng = random.Random(7)
    result = LoadResult()
    for kind, _ in MIX:
        result.latencies_ms[kind] = []
        result.errors[kind] = 0
    total = int(rate * seconds)
    connector = aiohttp.TCPConnector(limit=64)
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    async with aiohttp.ClientSession(
        base_url=f"http://{HOST}:{port}", connector=connector, timeout=timeout
    ) as client:
        loop = asyncio.get_running_loop()
        pending: set[asyncio.Task[None]] = set()
        result.started = time.time()
        t0 = loop.time()
        for i in range(total):
            scheduled = t0 + i / rate
            delay = scheduled - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            result.send_lag_max_ms = max(result.send_lag_max_ms, (loop.time() - scheduled) * 1e3)
            kind, url = _request(rng, seeded)
            if len(pending) >= MAX_IN_FLIGHT:
                result.dropped += 1
                result.errors[kind] += 1
                continue
            task = asyncio.create_task(_one(client, kind, url, scheduled, result))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if pending:
            await asyncio.wait(pending, timeout=REQUEST_TIMEOUT_S + 5)
        result.unanswered = len(pending)
        for task in list(pending):
            task.cancel()
        result.elapsed_s = loop.time() - t0
        result.ended = time.time()
        result.sent = total
    return result


def _request(rng: random.Random, seeded: Seeded) -> tuple[str, str]:
    kind = rng.choices([k for k, _ in MIX], [w for _, w in MIX])[0]
    if kind == "runs_list":
        which = rng.random()
        if which < 0.5:
            return kind, "/api/2.2/jobs/runs/list?limit=25"
        if which < 0.75:
            return kind, f"/api/2.2/jobs/runs/list?limit=25&job_id={rng.choice(seeded.job_ids)}"
        offset = 25 * rng.randrange(0, 40)
        return kind, f"/api/2.2/jobs/runs/list?limit=25&offset={offset}"
    if kind == "tables_list":
        return kind, "/api/2.1/unity-catalog/tables?catalog_name=main&schema_name=default"
    return kind, f"/api/2.2/jobs/runs/get?run_id={rng.choice(seeded.run_ids)}"


async def _one(
    client: aiohttp.ClientSession, kind: str, url: str, scheduled: float, result: LoadResult
) -> None:
    loop = asyncio.get_running_loop()
    try:
        async with client.get(url) as response:
            body = await response.read()
        ok = 200 <= response.status < 300
        problem = f"{response.status} {url}: {body[:200]!r}"
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        ok, problem = False, f"{type(exc).__name__} {url}: {exc}"
    result.latencies_ms[kind].append((loop.time() - scheduled) * 1e3)
    if not ok:
        result.errors[kind] += 1
        if len(result.error_samples) < 5:
            result.error_samples.append(problem)


# -- 4. scheduled runs ------------------------------------------------------------------------
def scheduled_delays(home: Path, job_id: int, load: LoadResult) -> list[dict[str, Any]]:
    """For each minute boundary crossed during the load: the scheduled run whose data
    interval ended there, its start and the delay (waits up to 20 s for a late start)."""
    from brickyard.adapters.metadata_sql.engine import make_engine
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore

    boundaries = [
        m * 60_000
        for m in range(int(load.started // 60) + 1, int(load.ended // 60) + 1)
        if load.started * 1000 < m * 60_000 <= load.ended * 1000
    ]
    engine = make_engine(f"sqlite:///{home / 'metadata.db'}")
    store = SqlJobStore(engine)
    deadline = time.monotonic() + 20
    try:
        while True:
            runs = {r.interval_end: r for r in store.list_runs(job_id=job_id, limit=1000)}
            missing = [b for b in boundaries if b not in runs or runs[b].start_time is None]
            if not missing or time.monotonic() > deadline:
                break
            time.sleep(0.5)
    finally:
        engine.dispose()
    delays = []
    for boundary in boundaries:
        run = runs.get(boundary)
        start = run.start_time if run is not None else None
        delays.append(
            {
                "trigger_time": boundary,
                "run_id": run.id if run is not None else None,
                "queued_at": run.queued_at if run is not None else None,
                "start_time": start,
                "delay_s": None if start is None else (start - boundary) / 1000,
            }
        )
    return delays


# -- 5. results -------------------------------------------------------------------------------
def summarize(
    args: argparse.Namespace, seeded: Seeded, load: LoadResult, delays: list[dict[str, Any]]
) -> dict[str, Any]:
    rows = {kind: _stats(values, load.errors[kind]) for kind, values in load.latencies_ms.items()}
    everything = [v for values in load.latencies_ms.values() for v in values]
    errors = sum(load.errors.values()) + load.unanswered
    rows["overall"] = _stats(everything, errors)
    achieved = len(everything) / load.elapsed_s if load.elapsed_s else 0.0
    known = [d["delay_s"] for d in delays if d["delay_s"] is not None]
    max_delay = max(known) if known else None
    schedule_ok: bool | None = None
    if delays:
        schedule_ok = len(known) == len(delays) and max(known) <= SCHEDULE_GOAL_S
    goals = [
        {
            "goal": f"p99 < {P99_GOAL_MS:g} ms",
            "value": rows["overall"]["p99_ms"],
            "passed": rows["overall"]["p99_ms"] < P99_GOAL_MS,
        },
        {"goal": "zero errors", "value": errors, "passed": errors == 0},
        {
            "goal": f"scheduled runs start within {SCHEDULE_GOAL_S:g} s",
            "value": max_delay,
            "passed": schedule_ok,  # None: no minute boundary was crossed
        },
    ]
    return {
        "config": {"rate": args.rate, "seconds": args.seconds, "runs": args.runs},
        "seed_seconds": round(seeded.seconds, 2),
        "requests": load.sent,
        "achieved_rate": round(achieved, 1),
        "generator_lag_max_ms": round(load.send_lag_max_ms, 1),
        "dropped": load.dropped,
        "unanswered": load.unanswered,
        "latency": rows,
        "errors": errors,
        "error_samples": load.error_samples,
        "scheduled_runs": delays,
        "max_schedule_delay_s": max_delay,
        "goals": goals,
    }


def _stats(values: list[float], errors: int) -> dict[str, Any]:
    ordered = sorted(values)

    def pct(p: float) -> float:
        if not ordered:
            return float("nan")
        return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

    return {
        "count": len(ordered),
        "errors": errors,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": round(ordered[-1], 1) if ordered else float("nan"),
    }


def print_table(console: Console, args: argparse.Namespace, results: dict[str, Any]) -> None:
    latency = Table(
        title=f"open loop {args.rate:g}/s for {args.seconds:g} s, {args.runs:,} runs in the DB "
        f"(achieved {results['achieved_rate']} requests/s)"
    )
    for column in ("request", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"):
        latency.add_column(column, justify="left" if column == "request" else "right")
    for kind, row in results["latency"].items():
        latency.add_row(
            kind,
            str(row["count"]),
            str(row["errors"]),
            *(f"{row[k]:.1f}" for k in ("p50_ms", "p90_ms", "p99_ms", "max_ms")),
        )
    console.print(latency)
    if results["dropped"] or results["unanswered"]:
        console.print(
            f"  {results['dropped']} requests not sent ({MAX_IN_FLIGHT} in flight already), "
            f"{results['unanswered']} unanswered at the end: both count as errors"
        )
    for sample in results["error_samples"]:
        console.print(f"  error: {sample}")
    scheduled = Table(title=f"scheduled runs of {SCHEDULED_JOB} during the load")
    for column in ("trigger time (UTC)", "run", "start delay s"):
        scheduled.add_column(column)
    for d in results["scheduled_runs"]:
        when = time.strftime("%H:%M:%S", time.gmtime(d["trigger_time"] / 1000))
        delay = "not started" if d["delay_s"] is None else f"{d['delay_s']:.2f}"
        scheduled.add_row(when, str(d["run_id"]), delay)
    if not results["scheduled_runs"]:
        scheduled.add_row("(no minute boundary crossed)", "", "")
    console.print(scheduled)
    goals = Table(title="goals")
    for column in ("goal", "measured", "result"):
        goals.add_column(column)
    for g in results["goals"]:
        verdict = {True: "[green]PASS", False: "[red]FAIL", None: "n/a"}[g["passed"]]
        goals.add_row(g["goal"], "-" if g["value"] is None else str(g["value"]), verdict)
    console.print(goals)


if __name__ == "__main__":
    sys.exit(main())
