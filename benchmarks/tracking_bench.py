"""MLflow tracking benchmark: Brickyard's embedded server against standalone `mlflow server`.

    .venv/bin/python benchmarks/tracking_bench.py [--quick] [--json] [--keep]

Starts, one after the other and each on a fresh SQLite store with artifacts in a temporary
directory, all on 127.0.0.1:

- ``brickyard``: ``brickyard up --home H --port P`` (tracking URI ``http://127.0.0.1:P/mlflow``);
- ``mlflow default``: ``mlflow server`` with its defaults (uvicorn, 4 workers, job runner on);
- ``mlflow --workers 1``: ``mlflow server --workers 1`` with
  ``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false`` (the best standalone setting on one machine).

For each: the start-up time (launch -> ``<tracking URI>/health`` answers 200, MLflow loaded),
the idle RSS of the whole process tree a few seconds after start, then, through the mlflow
client of this process (the same code for all three): ``--metrics`` ``mlflow.log_metric``
calls in one run (calls/s), ``--runs`` runs each with 5 params and 5 metrics written as a user
does (``with mlflow.start_run(): mlflow.log_params(...); mlflow.log_metrics(...)``, runs/s),
one ``MlflowClient.log_batch`` of ``--batch`` metric values (s) and ``search_runs`` with a
filter over those runs (median of ``--searches``, ms). Prints a table with Brickyard's ratio
to each standalone server and the goals; exits 1 when a goal is missed, 0 when all are met.
``--quick`` uses small counts (a smoke run: its numbers are not the goals' measure).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

VENV_BIN = Path(sys.executable).parent
START_TIMEOUT_S = 120.0
IDLE_SETTLE_S = 3.0

# Goals, Brickyard against each standalone server (issue): speed-ups in log_metric calls/s and
# in run creation; search no slower; Brickyard's idle RSS bounded.
GOAL_VS_DEFAULT = 10.0
GOAL_VS_ONE_WORKER = 2.0
RSS_GOAL_MB = 500.0
SEARCH_NOISE = 1.10  # "no slower": within 10 % (one search is a few ms on a noisy machine)

BRICKYARD = "brickyard"
DEFAULT = "mlflow default"
ONE_WORKER = "mlflow --workers 1"


@dataclass(frozen=True)
class Counts:
    metrics: int
    runs: int
    batch: int
    searches: int


FULL = Counts(metrics=2000, runs=200, batch=10_000, searches=5)
QUICK = Counts(metrics=100, runs=10, batch=1000, searches=3)


@dataclass
class Result:
    server: str
    startup_s: float = 0.0
    idle_rss_mb: float = 0.0
    processes: int = 0
    log_metric_per_s: float = 0.0
    runs_per_s: float = 0.0
    log_batch_s: float = 0.0
    search_ms: float = 0.0
    search_found: int = 0
    rss_after_mb: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# -- servers ------------------------------------------------------------------------------
@dataclass
class Server:
    name: str
    process: subprocess.Popen[bytes]
    tracking_uri: str
    log: Path


_RUNNING: list[subprocess.Popen[bytes]] = []


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any MLflow or Brickyard setting, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MLFLOW_", "_MLFLOW", "BRICKYARD_"))
    }
    env.update(extra)
    return env


def launch(name: str, workdir: Path) -> tuple[Server, float]:
    """Start server ``name`` on a fresh store under ``workdir``; the server and the seconds
    until its tracking API answered."""
    workdir.mkdir(parents=True)
    port = free_port()
    host = f"http://127.0.0.1:{port}"
    store = f"sqlite:///{workdir / 'mlflow.db'}"
    artifacts = (workdir / "artifacts").as_uri()
    if name == BRICKYARD:
        home = workdir / "home"
        subprocess.run(
            [str(VENV_BIN / "brickyard"), "init", "--home", str(home)],
            check=True,
            capture_output=True,
            env=clean_env(),
            timeout=START_TIMEOUT_S,
        )
        command = [str(VENV_BIN / "brickyard"), "up", "--home", str(home), "--port", str(port)]
        env, uri = clean_env(), f"{host}/mlflow"
    else:
        command = [
            str(VENV_BIN / "mlflow"),
            "server",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--backend-store-uri",
            store,
            "--artifacts-destination",
            artifacts,
        ]
        env, uri = clean_env(), host
        if name == ONE_WORKER:
            command += ["--workers", "1"]
            env["MLFLOW_SERVER_ENABLE_JOB_EXECUTION"] = "false"
    log = workdir / "server.log"
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # one process group: stopped together, workers included
        )
    _RUNNING.append(process)
    server = Server(name, process, uri, log)
    while True:
        if http_status(f"{uri}/health") == 200:
            return server, time.perf_counter() - started
        if process.poll() is not None:
            raise SystemExit(f"{name} exited ({process.returncode}); see {log}")
        if time.perf_counter() - started > START_TIMEOUT_S:
            stop(process)
            raise SystemExit(f"{name} did not answer within {START_TIMEOUT_S:g} s; see {log}")
        time.sleep(0.05)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except (urllib.error.URLError, OSError):
        return 0


def stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group (SIGTERM, then SIGKILL after 20 s)."""
    for sig, wait_s in ((signal.SIGTERM, 20.0), (signal.SIGKILL, 10.0)):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=wait_s)
            break
        except subprocess.TimeoutExpired:
            continue
    # Workers that outlived their parent (same group): make sure none is left.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    if process in _RUNNING:
        _RUNNING.remove(process)


def stop_all() -> None:
    for process in list(_RUNNING):
        stop(process)


def descendants(pid: int) -> list[int]:
    """``pid`` and every process under it."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo.extend(int(c) for c in children.read_text().split())
    return found


def tree_rss_mb(pid: int) -> tuple[float, int]:
    """Summed VmRSS of ``pid`` and its descendants (MB), and how many processes."""
    total_kb, pids = 0, descendants(pid)
    for p in pids:
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
    return total_kb / 1024, len(pids)


# -- workloads (the mlflow client of this process; the same code for every server) --------
class timed:  # noqa: N801 (used as a statement: `with timed() as clock:`)
    """Wall time of a ``with`` block: ``clock()`` inside it so far, after it the total."""

    def __enter__(self) -> Callable[[], float]:
        self.started = time.perf_counter()
        self.ended: float | None = None
        return lambda: (self.ended or time.perf_counter()) - self.started

    def __exit__(self, *_exc: object) -> None:
        self.ended = time.perf_counter()


def run_workloads(uri: str, counts: Counts, result: Result) -> None:
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric

    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    client = MlflowClient(uri)
    experiment_id = client.create_experiment("tracking-bench")

    # Warm-up (connection, first request of each code path); not timed.
    with mlflow.start_run(experiment_id=experiment_id, run_name="warm-up"):
        mlflow.log_params({"p": 1})
        mlflow.log_metrics({"m": 1.0})
        for i in range(10):
            mlflow.log_metric("warm", float(i), step=i)

    with mlflow.start_run(experiment_id=experiment_id, run_name="log-metric") as run:
        with timed() as elapsed:
            for i in range(counts.metrics):
                mlflow.log_metric("loss", 1.0 / (i + 1), step=i)
        result.log_metric_per_s = counts.metrics / elapsed()
    history = client.get_metric_history(run.info.run_id, "loss")
    if len(history) != counts.metrics:
        raise SystemExit(f"{result.server}: {len(history)} of {counts.metrics} metrics stored")

    with timed() as elapsed:
        for i in range(counts.runs):
            with mlflow.start_run(experiment_id=experiment_id, run_name=f"run-{i}"):
                mlflow.log_params({f"p{j}": f"{'ab'[(i + j) % 2]}{j}" for j in range(5)})
                mlflow.log_metrics(
                    {f"m{j}": (i * 7 + j) % counts.runs / counts.runs for j in range(5)}
                )
    result.runs_per_s = counts.runs / elapsed()

    with mlflow.start_run(experiment_id=experiment_id, run_name="log-batch") as run:
        now = int(time.time() * 1000)
        batch = [Metric("batch", float(i), now + i, i) for i in range(counts.batch)]
        with timed() as elapsed:
            client.log_batch(run.info.run_id, metrics=batch)
        result.log_batch_s = elapsed()
    stored = client.get_metric_history(run.info.run_id, "batch")
    if len(stored) != counts.batch:
        raise SystemExit(f"{result.server}: {len(stored)} of {counts.batch} batch values stored")

    query = "metrics.m0 >= 0.5 and params.p0 = 'a0'"
    expected = sum(
        1 for i in range(counts.runs) if (i * 7) % counts.runs / counts.runs >= 0.5 and i % 2 == 0
    )
    client.search_runs([experiment_id], query, max_results=1000)  # warm-up, not timed
    times = []
    for _ in range(counts.searches):
        with timed() as elapsed:
            found = client.search_runs([experiment_id], query, max_results=1000)
        times.append(elapsed() * 1000)
        if len(found) != expected:
            raise SystemExit(f"{result.server}: search found {len(found)} runs, not {expected}")
    result.search_ms = statistics.median(times)
    result.search_found = expected


def measure(name: str, workdir: Path, counts: Counts, echo: Callable[[str], None]) -> Result:
    result = Result(name)
    server, result.startup_s = launch(name, workdir)
    try:
        echo(f"{name}: up in {result.startup_s:.2f} s at {server.tracking_uri}")
        time.sleep(IDLE_SETTLE_S)
        result.idle_rss_mb, result.processes = tree_rss_mb(server.process.pid)
        run_workloads(server.tracking_uri, counts, result)
        result.rss_after_mb, _ = tree_rss_mb(server.process.pid)
    finally:
        stop(server.process)
    echo(
        f"{name}: {result.log_metric_per_s:.0f} log_metric/s, {result.runs_per_s:.1f} runs/s, "
        f"log_batch {result.log_batch_s:.2f} s, search {result.search_ms:.1f} ms"
    )
    return result


# -- report -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Row:
    label: str
    attr: str
    unit: str
    higher_is_better: bool
    fmt: str


ROWS = [
    Row("start-up (launch -> tracking API answers)", "startup_s", "s", False, "{:.2f}"),
    Row("idle RSS, whole process tree", "idle_rss_mb", "MB", False, "{:.0f}"),
    Row("log_metric", "log_metric_per_s", "calls/s", True, "{:.0f}"),
    Row("runs with 5 params + 5 metrics", "runs_per_s", "runs/s", True, "{:.1f}"),
    Row("log_batch of the batch metric values", "log_batch_s", "s", False, "{:.2f}"),
    Row("search_runs with a filter (median)", "search_ms", "ms", False, "{:.1f}"),
    Row("RSS after the workloads", "rss_after_mb", "MB", False, "{:.0f}"),
]


def speedup(row: Row, ours: float, theirs: float) -> float:
    """How many times better Brickyard is (> 1: better)."""
    if row.higher_is_better:
        return ours / theirs if theirs else float("inf")
    return theirs / ours if ours else float("inf")


def goals(results: dict[str, Result]) -> list[tuple[str, str, bool]]:
    """(goal, measured, met) for every goal."""
    ours, default, one = results[BRICKYARD], results[DEFAULT], results[ONE_WORKER]
    out = []
    for attr, label in (("log_metric_per_s", "log_metric calls/s"), ("runs_per_s", "runs/s")):
        for other, goal in ((default, GOAL_VS_DEFAULT), (one, GOAL_VS_ONE_WORKER)):
            ratio = getattr(ours, attr) / getattr(other, attr)
            out.append((f"{label} >= {goal:g}x {other.server}", f"{ratio:.1f}x", ratio >= goal))
    for other in (default, one):
        ratio = ours.search_ms / other.search_ms
        out.append(
            (
                f"search no slower than {other.server} (<= {SEARCH_NOISE:.2f}x its time)",
                f"{ratio:.2f}x its time",
                ratio <= SEARCH_NOISE,
            )
        )
    out.append(
        (
            f"brickyard idle RSS < {RSS_GOAL_MB:g} MB",
            f"{ours.idle_rss_mb:.0f} MB",
            ours.idle_rss_mb < RSS_GOAL_MB,
        )
    )
    return out


def print_table(results: dict[str, Result], counts: Counts, quick: bool) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(Console().width, 150))
    title = (
        f"MLflow tracking: {counts.metrics} log_metric, {counts.runs} runs, log_batch of "
        f"{counts.batch}, search median of {counts.searches}" + (" (--quick)" if quick else "")
    )
    table = Table(title=title)
    table.add_column("measure")
    table.add_column("unit")
    for name in results:
        table.add_column(name, justify="right")
    table.add_column(f"brickyard vs {DEFAULT}", justify="right")
    table.add_column(f"brickyard vs {ONE_WORKER}", justify="right")
    for row in ROWS:
        values = [getattr(r, row.attr) for r in results.values()]
        ours = getattr(results[BRICKYARD], row.attr)
        ratios = [
            f"{speedup(row, ours, getattr(results[n], row.attr)):.2f}x"
            for n in (DEFAULT, ONE_WORKER)
        ]
        table.add_row(row.label, row.unit, *(row.fmt.format(v) for v in values), *ratios)
    console.print(table)
    console.print(
        "ratios: how many times better Brickyard is (rates: ours / theirs; times and memory: "
        "theirs / ours). Processes: "
        + ", ".join(f"{r.server} {r.processes}" for r in results.values())
    )
    check = Table(title="goals")
    check.add_column("goal")
    check.add_column("measured", justify="right")
    check.add_column("", justify="center")
    for goal, measured, met in goals(results):
        check.add_row(goal, measured, "[green]PASS[/]" if met else "[red]FAIL[/]")
    console.print(check)


# -- main ---------------------------------------------------------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts (smoke run)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    parser.add_argument(
        "--timeout", type=float, default=None, help="give up after this many seconds"
    )
    args = parser.parse_args()
    counts = QUICK if args.quick else FULL
    timeout = args.timeout or (600 if args.quick else 1800)

    # The mlflow client of this process: no "View run at" lines, bounded requests, no
    # settings inherited from the caller's environment.
    for var in [v for v in os.environ if v.startswith(("MLFLOW_", "_MLFLOW", "BRICKYARD_"))]:
        del os.environ[var]
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = "60"
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = "2"

    def on_signal(signum: int, _frame: Any) -> None:
        stop_all()
        raise SystemExit(f"stopped by signal {signum}")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, lambda *_: on_signal(signal.SIGALRM, None))
    signal.alarm(int(timeout))

    def echo(line: str) -> None:
        print(line, file=sys.stderr if args.json else sys.stdout, flush=True)

    tmp = Path(tempfile.mkdtemp(prefix="brickyard-tracking-bench-"))
    results: dict[str, Result] = {}
    try:
        for i, name in enumerate((BRICKYARD, DEFAULT, ONE_WORKER)):
            results[name] = measure(name, tmp / f"server{i}", counts, echo)
    finally:
        signal.alarm(0)
        stop_all()
        if args.keep:
            echo(f"kept {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    checked = goals(results)
    if args.json:
        report = {
            "counts": asdict(counts),
            "quick": args.quick,
            "results": {name: asdict(r) for name, r in results.items()},
            "ratios": {
                row.attr: {
                    other: speedup(
                        row,
                        getattr(results[BRICKYARD], row.attr),
                        getattr(results[other], row.attr),
                    )
                    for other in (DEFAULT, ONE_WORKER)
                }
                for row in ROWS
            },
            "goals": [{"goal": g, "measured": m, "met": ok} for g, m, ok in checked],
        }
        print(json.dumps(report, indent=2))
    else:
        print_table(results, counts, args.quick)
    return 0 if all(ok for _, _, ok in checked) else 1


if __name__ == "__main__":
    sys.exit(main())
