"""TPC-H on Brickyard: the DuckDB engine against raw DuckDB and the Spark engine.

    .venv/bin/python benchmarks/tpch.py [--sf 1] [--home DIR] [--engines duckdb,raw,spark]
                                        [--queries 1,3,6] [--quick] [--json [PATH]]

Data: ``tpchgen-cli`` writes Parquet into a temporary folder, which is loaded through the
catalog as Delta tables ``tpch.sf<N>.<table>`` (``sf1``, ``sf0_1``, ...) of the home; a home
that already holds the tables of that scale factor is reused.

Engines, each in its own worker process (one engine per process is a product rule), driven
query by query by this script:

- ``duckdb``: ``brickyard.spark(home=...)``, ``USE tpch.sf<N>``, then ``spark.sql(q).toArrow()``.
- ``raw``: ``duckdb.connect()`` with ``CREATE VIEW t AS SELECT * FROM read_parquet([files])``
  over the SAME files (the Delta snapshot's ``file_uris()``); the queries transpiled from Spark
  SQL by sqlglot once, before timing; ``con.sql(q).to_arrow_table()``.
- ``spark``: ``brickyard.spark(engine="spark", home=...)``, same calls as ``duckdb``; reported
  as unavailable (with its error) when that engine cannot start.

A query's time is the best of ``--runs`` runs (3 for DuckDB, 1 for Spark), each timing the
query plus the fetch to Arrow. ``duckdb`` and ``raw`` run in lockstep (run 1 of Q1 on one, then
on the other, the order alternating between runs), so that load from other processes on the
machine hits both alike; the ratio is the number to trust, absolute times are noisy on a shared
machine. Spark runs afterwards.

Time to first result: a fresh ``python -c "import brickyard; s = brickyard.spark(home=...);
s.sql('SELECT count(*) FROM tpch.sf<N>.nation').collect()"``, from launch until the result is in
hand (the child prints the time), the median of ``--startup-runs`` launches; the time to the
process's exit (interpreter shutdown included) is reported next to it.

Answer check (every engine against ``duckdb``): rows in order when the query has ORDER BY,
sorted otherwise; values are equal when
- both are decimals: exactly, after rounding the one with more decimal places to the other's
  scale (half up; Spark may drop scale to keep precision <= 38);
- a decimal and a float (DuckDB answers some decimal averages/divisions as DOUBLE): they differ
  by at most one unit in the decimal's last place, or by a relative 1e-9;
- otherwise numbers (ints, floats): relative tolerance 1e-9 (absolute 1e-9 near zero);
- anything else (strings, dates, NULLs): exactly.

Goals: Brickyard-DuckDB / raw DuckDB <= 1.15 (geometric mean), Spark / Brickyard-DuckDB >= 10
(geometric mean), time to first result < 1.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from string import Template
from typing import Any

import pyarrow as pa

ROOT = Path(__file__).resolve().parent
QUERIES = ROOT / "tpch_queries"
RESULTS = ROOT / "results"
TABLES = ("region", "nation", "supplier", "customer", "part", "partsupp", "orders", "lineitem")
ENGINES = ("duckdb", "raw", "spark")
GOAL_RAW_RATIO = 1.15
GOAL_SPARK_SPEEDUP = 10.0
GOAL_STARTUP_S = 1.5


def main() -> None:
    args = _parse_args()
    if args.worker:
        serve_worker(args.worker, Path(args.home), args.sf, Path(args.answers))
        return
    home = Path(args.home)
    schema = ensure_data(home, args.sf)
    engines = [e for e in ENGINES if e in args.engines.split(",")]
    report: dict[str, Any] = {"sf": args.sf, "schema": f"tpch.{schema}", "queries": args.queries}
    with tempfile.TemporaryDirectory(prefix="tpch-answers-") as answers:
        runs = run_engines(engines, home, args, Path(answers))
        report["engines"] = {
            e: {k: v for k, v in r.items() if k != "answers"} for e, r in runs.items()
        }
        report["agree"] = compare_engines(runs, args.queries)
    if "duckdb" in engines and args.startup_runs > 0:
        report["startup"] = measure_startup(home, schema, args.startup_runs)
    report["goals"] = goals(report)
    print_report(report)
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2))
        print(f"results written to {path}")


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sf", type=float, default=None, help="scale factor (default 1)")
    parser.add_argument("--quick", action="store_true", help="scale factor 0.1")
    parser.add_argument("--home", default=None, help="Brickyard home holding the data")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--queries", default="all", help="e.g. 1,3,6 (default all 22)")
    parser.add_argument("--runs", type=int, default=None, help="runs per query (best is kept)")
    parser.add_argument("--startup-runs", type=int, default=3, help="fresh-process launches")
    parser.add_argument("--json", nargs="?", const="", default=None, help="write results")
    parser.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    parser.add_argument("--answers", help=argparse.SUPPRESS)  # a worker's output folder
    args = parser.parse_args()
    args.sf = args.sf if args.sf is not None else (0.1 if args.quick else 1.0)
    args.sf = int(args.sf) if float(args.sf).is_integer() else args.sf
    args.queries = (
        list(range(1, 23))
        if args.queries == "all"
        else [int(q) for q in str(args.queries).split(",") if q]
    )
    if not set(args.queries) <= set(range(1, 23)):
        parser.error("TPC-H has queries 1 to 22")
    args.home = args.home or str(RESULTS / "tpch-home")
    if args.json == "":
        args.json = str(RESULTS / f"tpch-sf{schema_name(args.sf)[2:]}.json")
    for engine in args.engines.split(","):
        if engine and engine not in ENGINES:
            parser.error(f"unknown engine {engine!r}; use {', '.join(ENGINES)}")
    return args


def schema_name(sf: float) -> str:
    """``sf1``, ``sf0_1``, ``sf0_01``: the schema holding the tables of a scale factor."""
    return "sf" + format(sf, "g").replace(".", "_")


def query_text(number: int, sf: float) -> str:
    """TPC-H query ``number`` in Spark SQL, with the scale-dependent parameter filled in."""
    text = (QUERIES / f"q{number:02d}.sql").read_text()
    fraction = Decimal("0.0001") / Decimal(str(sf))  # Q11: FRACTION = 0.0001 / SF
    return Template(text).substitute(fraction=format(fraction.normalize(), "f"))


# -- data -------------------------------------------------------------------------------------
def ensure_data(home: Path, sf: float) -> str:
    """Generate and load ``tpch.sf<N>.*`` into the home unless it is already there."""
    import brickyard

    schema = schema_name(sf)
    ws = brickyard.connect(home)
    try:
        missing = [t for t in TABLES if not ws.catalog.table_exists(f"tpch.{schema}.{t}")]
        if not missing:
            return schema
        ws.catalog.create_catalog("tpch", comment="TPC-H benchmark data", if_not_exists=True)
        comment = f"TPC-H at scale factor {sf}"
        ws.catalog.create_schema(f"tpch.{schema}", comment=comment, if_not_exists=True)
        with tempfile.TemporaryDirectory(prefix="tpchgen-") as folder:
            _generate_and_load(ws, schema, sf, missing, Path(folder))
    finally:
        ws.close()
    return schema


def _generate_and_load(ws: Any, schema: str, sf: float, tables: list[str], folder: Path) -> None:
    import pyarrow.dataset as ds
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    tpchgen = Path(sys.executable).parent / "tpchgen-cli"
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.fields[what]}"))
    with Progress(*columns, TimeElapsedColumn()) as progress:
        generating = progress.add_task(f"tpchgen-cli sf {sf}", total=len(tables), what="")
        for table in tables:
            progress.update(generating, what=table)
            command = [str(tpchgen), "parquet", "-s", str(sf), "-T", table, "-o", str(folder)]
            subprocess.run([*command, "--no-progress", "-q"], check=True)
            progress.advance(generating)
        progress.update(generating, what="done")
        for table in tables:
            dataset = ds.dataset(folder / f"{table}.parquet")
            rows = dataset.count_rows()
            loading = progress.add_task(
                f"load tpch.{schema}.{table}", total=rows, what=f"{rows:,} rows"
            )
            reader = pa.RecordBatchReader.from_batches(
                _plain_strings(dataset.schema), _counted(dataset, progress, loading)
            )
            ws.catalog.create_table(f"tpch.{schema}.{table}", reader)


def _plain_strings(schema: pa.Schema) -> pa.Schema:
    """tpchgen-cli writes string_view columns; Delta stores them as plain strings anyway."""
    fields = [f.with_type(pa.string()) if f.type == pa.string_view() else f for f in schema]
    return pa.schema([f.remove_metadata() for f in fields])


def _counted(dataset: Any, progress: Any, task: Any) -> Iterator[pa.RecordBatch]:
    schema = _plain_strings(dataset.schema)
    for batch in dataset.to_batches(batch_size=256 * 1024):
        progress.advance(task, batch.num_rows)
        yield batch.cast(schema)


# -- engines ----------------------------------------------------------------------------------
_REPLY = "@@tpch "  # a worker's protocol lines on stdout start with this; others are ignored


class Worker:
    """One engine's worker process, driven query by query over stdin/stdout."""

    def __init__(self, engine: str, home: Path, sf: float, answers: Path) -> None:
        self.engine, self.answers = engine, answers
        answers.mkdir(parents=True)
        self.log = (answers / "stderr.log").open("w+")
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", engine]
        command += ["--home", str(home), "--sf", str(sf), "--answers", str(answers)]
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            bufsize=1,
        )
        self.error: str | None = None
        ready = self._reply()
        if not ready.get("ready"):
            self.error = str(ready.get("error"))

    def run(self, number: int) -> dict[str, Any]:
        """Run query ``number`` once: ``{"time": s}`` or ``{"error": message}``."""
        assert self.process.stdin is not None
        with contextlib.suppress(OSError):  # when the worker is gone, _reply says how
            self.process.stdin.write(json.dumps({"query": number}) + "\n")
            self.process.stdin.flush()
        return self._reply()

    def _reply(self) -> dict[str, Any]:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(_REPLY):
                reply: dict[str, Any] = json.loads(line[len(_REPLY) :])
                return reply
        self.log.flush()
        self.log.seek(0)
        tail = "\n".join(self.log.read().strip().splitlines()[-5:])
        return {"ready": False, "error": f"the {self.engine} worker exited: {tail}"}

    def close(self) -> None:
        if self.process.stdin is not None and not self.process.stdin.closed:
            with contextlib.suppress(OSError):
                self.process.stdin.close()
        self.process.wait()
        self.log.close()


def run_engines(
    engines: list[str], home: Path, args: argparse.Namespace, answers: Path
) -> dict[str, dict[str, Any]]:
    """Every engine's best time, errors and answers (Arrow tables), per query.

    The DuckDB engines (Brickyard and raw) run in lockstep, one run of a query on each in
    turn, so that load from other processes on the machine hits both alike; Spark runs after.
    """
    from rich.console import Console

    results: dict[str, dict[str, Any]] = {}
    fast = [e for e in engines if e != "spark"]
    groups = [fast] if fast else []
    groups += [["spark"]] if "spark" in engines else []
    console = Console(stderr=True)
    for group in groups:
        runs = args.runs or (1 if group == ["spark"] else 3)
        with console.status(f"{' + '.join(group)}: starting") as status:
            started = time.perf_counter()
            workers = {e: Worker(e, home, args.sf, answers / e) for e in group}
            try:
                for engine, worker in workers.items():
                    results[engine] = {"available": worker.error is None, "runs": runs}
                    if worker.error is not None:
                        results[engine]["error"] = worker.error
                live = {e: w for e, w in workers.items() if w.error is None}
                best: dict[str, dict[int, float]] = {e: {} for e in live}
                errors: dict[str, dict[int, str]] = {e: {} for e in live}
                for number in args.queries:
                    for run in range(runs):
                        status.update(f"{' + '.join(group)}: Q{number}, run {run + 1} of {runs}")
                        order = list(live) if run % 2 == 0 else list(reversed(live))
                        for engine in order:
                            if number in errors[engine]:
                                continue
                            reply = live[engine].run(number)
                            if "time" in reply:
                                previous = best[engine].get(number, math.inf)
                                best[engine][number] = min(previous, reply["time"])
                            else:
                                errors[engine][number] = str(reply.get("error"))
                                best[engine].pop(number, None)
            finally:
                for worker in workers.values():
                    worker.close()
            wall = round(time.perf_counter() - started, 2)
        for engine in live:
            results[engine].update(
                times=best[engine],
                errors=errors[engine],
                wall_s=wall,
                answers={
                    q: pa.ipc.open_file(answers / engine / f"q{q:02d}.arrow").read_all()
                    for q in best[engine]
                },
            )
    return results


def serve_worker(engine: str, home: Path, sf: float, answers: Path) -> None:
    """In the engine's own process: run the queries the parent sends, one line each."""

    def reply(message: dict[str, Any]) -> None:
        sys.stdout.write(_REPLY + json.dumps(message) + "\n")
        sys.stdout.flush()

    schema = schema_name(sf)
    try:
        prepare = _engine(engine, home, schema)
    except Exception as exc:  # the engine cannot start: report it, the others still run
        reply({"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return
    reply({"ready": True})
    prepared: dict[int, Any] = {}
    for line in sys.stdin:
        number = int(json.loads(line)["query"])
        try:
            if number not in prepared:  # untimed: reading and transpiling the query text
                prepared[number] = prepare(query_text(number, sf))
            started = time.perf_counter()
            answer = prepared[number]()
            elapsed = time.perf_counter() - started
            path = answers / f"q{number:02d}.arrow"
            if not path.exists():
                with pa.ipc.new_file(path, answer.schema) as sink:
                    sink.write_table(answer)
            reply({"query": number, "time": elapsed})
        except Exception as exc:
            reply({"query": number, "error": _error_text(exc)})


def _error_text(exc: BaseException) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return f"{type(exc).__name__}: {lines[0][:300] if lines else ''}"


def _engine(engine: str, home: Path, schema: str) -> Any:
    """``prepare(query text) -> run() -> Arrow table`` for one engine; set up once."""
    if engine == "raw":
        return _raw_duckdb(home, schema)
    import brickyard

    spark = (
        brickyard.spark(home=home)
        if engine == "duckdb"
        else brickyard.spark(engine=engine, home=home)
    )
    spark.sql(f"USE tpch.{schema}")

    def prepare(text: str) -> Any:
        return lambda: spark.sql(text).toArrow()

    return prepare


def _raw_duckdb(home: Path, schema: str) -> Any:
    """Plain DuckDB over the Delta snapshots' files; queries transpiled once, before timing."""
    import duckdb
    import sqlglot
    from deltalake import DeltaTable

    import brickyard

    ws = brickyard.connect(home)
    try:
        locations = {t: ws.catalog.table_location(f"tpch.{schema}.{t}") for t in TABLES}
    finally:
        ws.close()
    con = duckdb.connect()
    for table, location in locations.items():
        files = ", ".join(
            "'" + _local(f).replace("'", "''") + "'" for f in DeltaTable(location).file_uris()
        )
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{files}])")

    def prepare(text: str) -> Any:
        sql = sqlglot.transpile(text, read="spark", write="duckdb")[0]
        return lambda: con.sql(sql).to_arrow_table()

    return prepare


def _local(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


_STARTUP = """\
import time
import brickyard
s = brickyard.spark(home={home!r})
s.sql('SELECT count(*) FROM tpch.{schema}.nation').collect()
print(time.time())
"""


def measure_startup(home: Path, schema: str, launches: int) -> dict[str, Any]:
    """Fresh processes that make a session and fetch one small result.

    ``median_s``: from launch to the result in hand (the goal); ``exit_median_s``: to the end
    of the process, which adds the interpreter's shutdown.
    """
    code = _STARTUP.format(home=str(home), schema=schema)
    to_result, to_exit = [], []
    for _ in range(launches):
        launched, started = time.time(), time.perf_counter()
        done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True)
        to_exit.append(time.perf_counter() - started)
        to_result.append(float(done.stdout.decode().split()[-1]) - launched)
    return {
        "median_s": statistics.median(to_result),
        "best_s": min(to_result),
        "runs_s": to_result,
        "exit_median_s": statistics.median(to_exit),
    }


# -- answers ----------------------------------------------------------------------------------
def compare_engines(
    runs: dict[str, dict[str, Any]], queries: list[int]
) -> dict[int, dict[str, str]]:
    """Per query, per engine: "yes", or why its answer differs from the reference engine's."""
    usable = [e for e in ENGINES if runs.get(e, {}).get("available")]
    if len(usable) < 2:
        return {}
    reference, others = usable[0], usable[1:]
    verdicts: dict[int, dict[str, str]] = {}
    for number in queries:
        expected = runs[reference]["answers"].get(number)
        ordered = _has_order_by(query_text(number, 1))
        verdicts[number] = {}
        for engine in others:
            actual = runs[engine]["answers"].get(number)
            if expected is None or actual is None:
                verdicts[number][engine] = "-"
            else:
                verdicts[number][engine] = same_answer(expected, actual, ordered)
    return verdicts


def _has_order_by(text: str) -> bool:
    import sqlglot

    return sqlglot.parse_one(text, read="spark").args.get("order") is not None


def same_answer(expected: pa.Table, actual: pa.Table, ordered: bool) -> str:
    """ "yes", or the first difference (the rule is in the module docstring)."""
    if expected.num_columns != actual.num_columns:
        return f"no: {actual.num_columns} columns, expected {expected.num_columns}"
    if expected.num_rows != actual.num_rows:
        return f"no: {actual.num_rows} rows, expected {expected.num_rows}"
    left, right = _rows(expected), _rows(actual)
    if not ordered:
        left, right = sorted(left, key=_sort_key), sorted(right, key=_sort_key)
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        for j, (x, y) in enumerate(zip(a, b, strict=True)):
            if not same_value(x, y):
                return f"no: row {i} column {expected.column_names[j]}: {y!r}, expected {x!r}"
    return "yes"


def _rows(table: pa.Table) -> list[tuple[Any, ...]]:
    return list(zip(*[column.to_pylist() for column in table.columns], strict=True))


def _sort_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    return tuple(
        (0, float(v), "") if isinstance(v, (int, float, Decimal)) else (1, 0.0, str(v)) for v in row
    )


def same_value(x: Any, y: Any) -> bool:
    if isinstance(x, Decimal) and isinstance(y, Decimal):
        scale = min(-int(x.as_tuple().exponent), -int(y.as_tuple().exponent))
        unit = Decimal(1).scaleb(-scale)
        return x.quantize(unit, ROUND_HALF_UP) == y.quantize(unit, ROUND_HALF_UP)
    if isinstance(x, Decimal) != isinstance(y, Decimal) and _number(x) and _number(y):
        exact = x if isinstance(x, Decimal) else y
        unit = float(Decimal(1).scaleb(int(exact.as_tuple().exponent)))
        return abs(float(x) - float(y)) <= unit or _close(float(x), float(y))
    if _number(x) and _number(y):
        return x == y if isinstance(x, int) and isinstance(y, int) else _close(float(x), float(y))
    return bool(x == y)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-9)


# -- report -----------------------------------------------------------------------------------
def geometric_mean(values: list[float]) -> float | None:
    return math.exp(sum(math.log(v) for v in values) / len(values)) if values else None


def goals(report: dict[str, Any]) -> list[dict[str, Any]]:
    engines = report["engines"]
    times = {e: {int(q): t for q, t in r.get("times", {}).items()} for e, r in engines.items()}
    ratios = _ratios(times, "duckdb", "raw")
    speedups = _ratios(times, "spark", "duckdb")
    raw_ratio, speedup = (
        geometric_mean(list(ratios.values())),
        geometric_mean(list(speedups.values())),
    )
    startup = report.get("startup", {}).get("median_s")
    return [
        _goal(
            f"Brickyard-DuckDB / raw DuckDB <= {GOAL_RAW_RATIO} (geomean)",
            raw_ratio,
            None if raw_ratio is None else raw_ratio <= GOAL_RAW_RATIO,
        ),
        _goal(
            f"Spark / Brickyard-DuckDB >= {GOAL_SPARK_SPEEDUP:g} (geomean)",
            speedup,
            None if speedup is None else speedup >= GOAL_SPARK_SPEEDUP,
        ),
        _goal(
            f"time to first result < {GOAL_STARTUP_S} s (median)",
            startup,
            None if startup is None else startup < GOAL_STARTUP_S,
        ),
    ]


def _goal(text: str, value: float | None, passed: bool | None) -> dict[str, Any]:
    return {"goal": text, "value": value, "pass": passed}


def _ratios(times: dict[str, dict[int, float]], top: str, bottom: str) -> dict[int, float]:
    a, b = times.get(top, {}), times.get(bottom, {})
    return {q: a[q] / b[q] for q in a if q in b and b[q] > 0}


def print_report(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    # Wide enough for the whole table when the output is a file or a pipe (rich: 80 columns).
    console = Console(width=None if sys.stdout.isatty() else 132)
    engines = report["engines"]
    times = {e: {int(q): t for q, t in r.get("times", {}).items()} for e, r in engines.items()}
    errors = {e: {int(q): m for q, m in r.get("errors", {}).items()} for e, r in engines.items()}
    ratios, speedups = _ratios(times, "duckdb", "raw"), _ratios(times, "spark", "duckdb")
    table = Table(title=f"TPC-H {report['schema']}: seconds, best of the runs")
    for column in (
        "query",
        "raw DuckDB",
        "Brickyard-DuckDB",
        "Spark",
        "by/raw",
        "spark/by",
        "answers agree",
    ):
        table.add_column(
            column, justify="left" if column in ("query", "answers agree") else "right"
        )

    def cell(engine: str, number: int) -> str:
        if number in times.get(engine, {}):
            return f"{times[engine][number]:.3f}"
        return "error" if number in errors.get(engine, {}) else "-"

    for number in report["queries"]:
        agree = report["agree"].get(number) or report["agree"].get(str(number)) or {}
        table.add_row(
            f"Q{number}",
            cell("raw", number),
            cell("duckdb", number),
            cell("spark", number),
            _fmt(ratios.get(number)),
            _fmt(speedups.get(number), 1),
            ", ".join(f"{e}: {v}" for e, v in agree.items()) or "-",
        )
    table.add_section()
    means = {e: geometric_mean(list(t.values())) for e, t in times.items()}
    table.add_row(
        "geomean",
        _fmt(means.get("raw"), 3),
        _fmt(means.get("duckdb"), 3),
        _fmt(means.get("spark"), 3),
        _fmt(geometric_mean(list(ratios.values()))),
        _fmt(geometric_mean(list(speedups.values())), 1),
        "",
    )
    console.print(table)
    for engine, result in engines.items():
        if not result.get("available"):
            console.print(f"[yellow]{engine}: unavailable: {result.get('error')}[/]")
        for number, message in errors.get(engine, {}).items():
            console.print(f"[red]{engine} Q{number}: {message}[/]")
    if "startup" in report:
        s = report["startup"]
        console.print(
            f"time to first result (fresh process, launch to result): median {s['median_s']:.2f} s,"
            f" best {s['best_s']:.2f} s; to process exit: median {s['exit_median_s']:.2f} s"
        )
    disagreements = [
        (q, e)
        for q, per in report["agree"].items()
        for e, v in per.items()
        if v not in ("yes", "-")
    ]
    console.print(
        "answers agree" if not disagreements else f"[red]answers differ: {disagreements}[/]"
    )
    for goal in report["goals"]:
        verdict = {True: "[green]PASS[/]", False: "[red]FAIL[/]", None: "[yellow]SKIP[/]"}[
            goal["pass"]
        ]
        value = "n/a" if goal["value"] is None else f"{goal['value']:.3f}"
        console.print(f"{verdict} {goal['goal']}: {value}")


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


if __name__ == "__main__":
    main()
