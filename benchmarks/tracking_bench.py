"""MLflow tracking benchmark: Brickyard's embedded server against standalone `mlflow server`.

    .venv/bin/python benchmarks/tracking_bench.py [--quick] [--json] [--keep]

Starts three servers, each on a fresh SQLite store with artifacts in a temporary directory,
all on 127.0.0.1, one after the other (the next once the previous has settled), and keeps them
running together for the workloads, which take them in turn, round after round, so that a
change of load on the machine during the run falls on the three alike:

- ``brickyard``: ``brickyard up --home H --port P`` (tracking URI ``http://127.0.0.1:P/mlflow``);
- ``mlflow default``: ``mlflow server`` with its defaults (uvicorn, 4 workers, job runner on);
- ``mlflow --workers 1``: ``mlflow server --workers 1`` with
  ``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false`` (the best standalone setting on one machine).

For each: the start-up time (launch -> ``<tracking URI>/health`` answers 200, MLflow loaded);
the time until its process tree has settled (under 5 % of a core over 3 s: the default
``mlflow server`` keeps a core busy for a minute or more after it answers, starting its job
runner, and measuring then would measure that); the idle RSS of the whole process tree; then,
through the mlflow client of this process (the same code for all three): 2,000
``mlflow.log_metric`` calls in one run, in 10 rounds (calls/s, and the CPU the server's
process tree and the client used per call), 200 runs, in 10 rounds, each with 5 params and 5 metrics written as a user does
(``with mlflow.start_run(): mlflow.log_params(...); mlflow.log_metrics(...)``, runs/s),
one ``MlflowClient.log_batch`` of 10,000 metric values (s) and ``search_runs`` with a filter
over those runs (median of 5, ms). Prints a table with Brickyard's ratio to each standalone
server and the goals; exits 1 when a goal is missed, 0 when all are met. ``--quick`` uses
small counts, overlapping start-ups and a short settle wait (a smoke run: its numbers are not
the goals' measure); ``--json`` prints the results as JSON (progress lines go to stderr).
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
IDLE_CPU = 0.05  # of one core: the server tree has settled after start-up below this...
IDLE_WINDOW_S = 3.0  # ...over this long
SETTLE_TIMEOUT_S = 300.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

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
ROUNDS = 10  # the log_metric calls and the runs, split in rounds taking the servers in turn
QUICK = Counts(metrics=100, runs=10, batch=1000, searches=3)


@dataclass
class Result:
    server: str
    startup_s: float = 0.0
    settled_s: float = 0.0
    idle_rss_mb: float = 0.0
    processes: int = 0
    log_metric_per_s: float = 0.0
    server_cpu_ms_per_metric: float = 0.0
    client_cpu_ms_per_metric: float = 0.0
    runs_per_s: float = 0.0
    server_cpu_ms_per_run: float = 0.0
    log_batch_s: float = 0.0
    search_ms: float = 0.0
    search_found: int = 0
    rss_after_mb: float = 0.0


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


def tree_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) used so far by ``pid`` and its live descendants."""
    ticks = 0
    for p in descendants(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            stat = Path(f"/proc/{p}/stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime: fields 14, 15 of proc(5)
    return ticks / CLOCK_TICKS


def wait_settled(pid: int, launched: float, timeout_s: float) -> tuple[float, bool]:
    """Wait until the server's process tree uses under ``IDLE_CPU`` of a core over
    ``IDLE_WINDOW_S`` (what it starts, such as MLflow's job runner, has loaded): the seconds
    since launch, and whether it settled within ``timeout_s`` (measured anyway if not).
    Measuring before that would measure its start-up, not its tracking."""
    while True:
        before = tree_cpu_s(pid)
        time.sleep(IDLE_WINDOW_S)
        if (tree_cpu_s(pid) - before) / IDLE_WINDOW_S < IDLE_CPU:
            return time.perf_counter() - launched, True
        if time.perf_counter() - launched > timeout_s:
            return time.perf_counter() - launched, False


# -- workloads (the mlflow client of this process; the same code for every server) --------
class timed:  # noqa: N801 (used as a statement: `with timed() as clock:`)
    """Wall time of a ``with`` block: ``clock()`` inside it so far, after it the total."""

    def __enter__(self) -> Callable[[], float]:
        self.started = time.perf_counter()
        self.ended: float | None = None
        return lambda: (self.ended or time.perf_counter()) - self.started

    def __exit__(self, *_exc: object) -> None:
        self.ended = time.perf_counter()


@dataclass
class Target:
    """One running server and what the workloads keep of it between rounds."""

    server: Server
    result: Result
    experiment_id: str = ""
    metric_run_id: str = ""
    steps: int = 0
    runs: int = 0
    totals: dict[str, float] = field(default_factory=dict)

    def add(self, key: str, value: float) -> None:
        self.totals[key] = self.totals.get(key, 0.0) + value


def point_client_at(target: Target) -> Any:
    import mlflow

    mlflow.set_tracking_uri(target.server.tracking_uri)
    mlflow.set_registry_uri(target.server.tracking_uri)
    return mlflow.MlflowClient(target.server.tracking_uri)


def prepare_target(target: Target) -> None:
    """An experiment, a warm-up run (connection, first request of each code path) and the
    run the log_metric rounds log into; not timed."""
    import mlflow

    client = point_client_at(target)
    target.experiment_id = client.create_experiment("tracking-bench")
    with mlflow.start_run(experiment_id=target.experiment_id, run_name="warm-up"):
        mlflow.log_params({"p": 1})
        mlflow.log_metrics({"m": 1.0})
        for i in range(10):
            mlflow.log_metric("warm", float(i), step=i)
    target.metric_run_id = client.create_run(
        target.experiment_id, run_name="log-metric"
    ).info.run_id


def metric_round(target: Target, calls: int) -> None:
    import mlflow

    point_client_at(target)
    pid = target.server.process.pid
    with mlflow.start_run(run_id=target.metric_run_id):  # resumed: not timed
        server_cpu, client_cpu = tree_cpu_s(pid), time.process_time()
        with timed() as elapsed:
            for _ in range(calls):
                mlflow.log_metric("loss", 1.0 / (target.steps + 1), step=target.steps)
                target.steps += 1
        target.add("metric_s", elapsed())
        target.add("metric_server_cpu_s", tree_cpu_s(pid) - server_cpu)
        target.add("metric_client_cpu_s", time.process_time() - client_cpu)


def runs_round(target: Target, runs: int, total: int) -> None:
    import mlflow

    point_client_at(target)
    pid = target.server.process.pid
    server_cpu = tree_cpu_s(pid)
    with timed() as elapsed:
        for _ in range(runs):
            i = target.runs
            with mlflow.start_run(experiment_id=target.experiment_id, run_name=f"run-{i}"):
                mlflow.log_params({f"p{j}": f"{'ab'[(i + j) % 2]}{j}" for j in range(5)})
                mlflow.log_metrics({f"m{j}": (i * 7 + j) % total / total for j in range(5)})
            target.runs += 1
    target.add("runs_s", elapsed())
    target.add("runs_server_cpu_s", tree_cpu_s(pid) - server_cpu)


def log_batch_once(target: Target, values: int) -> None:
    import mlflow
    from mlflow.entities import Metric

    client = point_client_at(target)
    with mlflow.start_run(experiment_id=target.experiment_id, run_name="log-batch") as run:
        now = int(time.time() * 1000)
        batch = [Metric("batch", float(i), now + i, i) for i in range(values)]
        with timed() as elapsed:
            client.log_batch(run.info.run_id, metrics=batch)
        target.result.log_batch_s = elapsed()
    stored = client.get_metric_history(run.info.run_id, "batch")
    if len(stored) != values:
        raise SystemExit(f"{target.result.server}: {len(stored)} of {values} values stored")


SEARCH = "metrics.m0 >= 0.5 and params.p0 = 'a0'"


def search_once(target: Target, expected: int) -> float:
    client = point_client_at(target)
    with timed() as elapsed:
        found = client.search_runs([target.experiment_id], SEARCH, max_results=1000)
    if len(found) != expected:
        raise SystemExit(f"{target.result.server}: search found {len(found)}, not {expected}")
    return elapsed() * 1000


def run_workloads(targets: list[Target], counts: Counts, echo: Callable[[str], None]) -> None:
    """The workloads in rounds that take the servers in turn (a different one first each
    round): a change of load on this machine during the run falls on all three alike."""
    for target in targets:
        prepare_target(target)
    rounds = ROUNDS if counts.metrics >= ROUNDS else 1

    def turns(round_index: int) -> list[Target]:
        shift = round_index % len(targets)
        return targets[shift:] + targets[:shift]

    for r in range(rounds):
        for target in turns(r):
            metric_round(target, counts.metrics // rounds)
    echo("log_metric rounds done")
    total = rounds * (counts.runs // rounds)
    for r in range(rounds):
        for target in turns(r):
            runs_round(target, counts.runs // rounds, total)
    echo("run rounds done")
    for target in targets:
        log_batch_once(target, counts.batch)
    expected = sum(1 for i in range(total) if (i * 7) % total / total >= 0.5 and i % 2 == 0)
    times: dict[str, list[float]] = {t.result.server: [] for t in targets}
    for target in targets:
        search_once(target, expected)  # warm-up, not timed
    for r in range(counts.searches):
        for target in turns(r):
            times[target.result.server].append(search_once(target, expected))

    for target in targets:
        result, totals = target.result, target.totals
        calls, runs = rounds * (counts.metrics // rounds), total
        result.log_metric_per_s = calls / totals["metric_s"]
        result.server_cpu_ms_per_metric = totals["metric_server_cpu_s"] / calls * 1000
        result.client_cpu_ms_per_metric = totals["metric_client_cpu_s"] / calls * 1000
        result.runs_per_s = runs / totals["runs_s"]
        result.server_cpu_ms_per_run = totals["runs_server_cpu_s"] / runs * 1000
        result.search_ms = statistics.median(times[result.server])
        result.search_found = expected
        history = point_client_at(target).get_metric_history(target.metric_run_id, "loss")
        if len(history) != calls:
            raise SystemExit(f"{result.server}: {len(history)} of {calls} metrics stored")


def start_settled(
    name: str, workdir: Path, settle_timeout_s: float, echo: Callable[[str], None]
) -> Target:
    """Start ``name`` and wait until it has settled; its idle RSS then."""
    result = Result(name)
    server, result.startup_s = launch(name, workdir)
    launched = time.perf_counter() - result.startup_s
    echo(f"{name}: up in {result.startup_s:.2f} s at {server.tracking_uri}")
    result.settled_s, settled = wait_settled(server.process.pid, launched, settle_timeout_s)
    result.idle_rss_mb, result.processes = tree_rss_mb(server.process.pid)
    state = "settled" if settled else "STILL BUSY (measured anyway)"
    echo(f"{name}: {state} {result.settled_s:.0f} s after launch, {result.idle_rss_mb:.0f} MB")
    return Target(server, result)


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
    Row("settled (process tree CPU < 5 % of a core)", "settled_s", "s", False, "{:.0f}"),
    Row("idle RSS, whole process tree", "idle_rss_mb", "MB", False, "{:.0f}"),
    Row("log_metric", "log_metric_per_s", "calls/s", True, "{:.0f}"),
    Row("  server CPU per log_metric", "server_cpu_ms_per_metric", "ms", False, "{:.2f}"),
    Row("  mlflow client CPU per log_metric", "client_cpu_ms_per_metric", "ms", False, "{:.2f}"),
    Row("runs with 5 params + 5 metrics", "runs_per_s", "runs/s", True, "{:.1f}"),
    Row("  server CPU per run (4 requests)", "server_cpu_ms_per_run", "ms", False, "{:.1f}"),
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
    client_ms = min(r.client_cpu_ms_per_metric for r in results.values())
    console.print(
        "ratios: how many times better Brickyard is (rates: ours / theirs; times, CPU and "
        "memory: theirs / ours). Processes: "
        + ", ".join(f"{r.server} {r.processes}" for r in results.values())
        + f". The mlflow client's own CPU ({client_ms:.1f} ms per log_metric) caps any server "
        f"at ~{1000 / client_ms:.0f} calls/s from one client on this machine."
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
    timeout = args.timeout or (800 if args.quick else 3000)
    settle_s = 30.0 if args.quick else SETTLE_TIMEOUT_S

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
    try:
        names = (BRICKYARD, DEFAULT, ONE_WORKER)
        if args.quick:  # a smoke run: start-ups may overlap (their figures are not judged)
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(len(names)) as pool:
                targets = list(
                    pool.map(
                        lambda i: start_settled(names[i], tmp / f"server{i}", settle_s, echo),
                        range(len(names)),
                    )
                )
        else:  # one after the other, each settled before the next starts: no overlaps
            targets = [
                start_settled(name, tmp / f"server{i}", settle_s, echo)
                for i, name in enumerate(names)
            ]
        run_workloads(targets, counts, echo)
        for target in targets:
            target.result.rss_after_mb, _ = tree_rss_mb(target.server.process.pid)
        results = {target.result.server: target.result for target in targets}
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
