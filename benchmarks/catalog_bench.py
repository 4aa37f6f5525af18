"""Catalog benchmark: Brickyard against plain deltalake, measured in the same run.

    .venv/bin/python benchmarks/catalog_bench.py [--quick] [--json PATH]

1. append: N batches through ``Table.append`` vs ``deltalake.write_deltalake(mode="append")``
   on a separate path (interleaved batch by batch, so drift hits both sides alike).
2. read: ``Table.to_arrow(filter=<pyarrow expression>)`` on a clustered table (one file per
   100k ids) vs ``DeltaTable(path).to_pyarrow_dataset().to_table(filter=...)`` on the SAME
   Delta table; the SQL-string filter is timed against plain deltalake's ``QueryBuilder``.
3. listing: 10k catalog rows (``ws.store.create_table``, no Delta data behind them) listed
   through a real ``brickyard up`` server (uvicorn subprocess) with httpx, page by page.

Everything lives in a temporary directory that is removed at the end.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import deltalake
import httpx
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from deltalake import DeltaTable, QueryBuilder, write_deltalake
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table as RichTable

import brickyard
from brickyard.domain.catalog import ColumnInfo, TableInfo
from brickyard.services.table import Table
from brickyard.workspace import Workspace

T = TypeVar("T")
console = Console(width=None if sys.stdout.isatty() else 150)  # no wrapping when piped
REGIONS = pa.array(["EU", "US", "APAC", "LATAM", "MEA"])
LIST_COLUMNS = (  # the columns of every listed table (4 columns, a typical UC payload)
    ColumnInfo("id", "bigint", "LONG", 0, False),
    ColumnInfo("name", "string", "STRING", 1, True),
    ColumnInfo("amount", "decimal(10,2)", "DECIMAL", 2, True, "order amount"),
    ColumnInfo("created", "timestamp", "TIMESTAMP", 3, True),
)


@dataclass(frozen=True)
class Sizes:
    append_batches: int
    append_rows: int
    read_files: int
    read_rows_per_file: int
    read_reps: int
    list_tables: int
    list_reps: int


FULL = Sizes(100, 10_000, 100, 100_000, 41, 10_000, 9)
QUICK = Sizes(10, 10_000, 10, 100_000, 5, 1_500, 3)


@dataclass
class Result:
    metric: str
    unit: str  # "rows/s" or "ms"
    brickyard: float
    reference: float | None
    goal: str
    passed: bool | None  # None: informational, no goal
    note: str = ""

    @property
    def ratio(self) -> float | None:
        """Brickyard's time over the reference's (> 1: Brickyard is slower)."""
        if self.reference is None or self.brickyard == 0:
            return None
        if self.unit == "rows/s":
            return self.reference / self.brickyard
        return self.brickyard / self.reference


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def progress() -> Progress:
    return Progress(
        TextColumn("[bold blue]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    )


def make_batch(start: int, rows: int, seed: int) -> pa.Table:
    """``rows`` rows with ids ``start..start+rows-1`` (sorted: one day of dates per 100k ids)."""
    ids = np.arange(start, start + rows, dtype=np.int64)
    rng = np.random.default_rng(seed)
    codes = pa.array(rng.integers(0, len(REGIONS), rows, dtype=np.int32))
    return pa.table(
        {
            "id": ids,
            "event_date": pa.array(np.datetime64("2024-01-01") + (ids // 100_000).astype("m8[D]")),
            "amount": rng.random(rows) * 1000,
            "region": pa.DictionaryArray.from_arrays(codes, REGIONS).cast(pa.string()),
        }
    )


# -- 1. appends ----------------------------------------------------------------------------
def bench_append(ws: Workspace, tmp: Path, sizes: Sizes) -> list[Result]:
    batches = [
        make_batch(i * sizes.append_rows, sizes.append_rows, i) for i in range(sizes.append_batches)
    ]
    table = ws.catalog.create_table("main.default.bench_append", batches[0].schema)
    reference = str(tmp / "plain_append")
    DeltaTable.create(reference, batches[0].schema)

    def plain_append(batch: pa.Table) -> None:
        write_deltalake(reference, batch, mode="append")

    sides: dict[str, Callable[[pa.Table], None]] = {"ours": table.append, "plain": plain_append}
    spent = dict.fromkeys(sides, 0.0)
    with progress() as bar:
        task = bar.add_task("append (interleaved)", total=len(batches))
        for i, batch in enumerate(batches):
            for key in list(sides)[:: 1 if i % 2 else -1]:  # alternate who goes first
                start = time.perf_counter()
                sides[key](batch)
                spent[key] += time.perf_counter() - start
            bar.advance(task)
    rows = sizes.append_batches * sizes.append_rows
    assert table.to_arrow(columns=["id"]).num_rows == rows == DeltaTable(reference).count()
    note = f"total {spent['ours']:.2f} s vs {spent['plain']:.2f} s; reference on its own path"
    name = f"append {sizes.append_batches}x{sizes.append_rows:,} rows"
    return [Result(name, "rows/s", rows / spent["ours"], rows / spent["plain"], "-", None, note)]


# -- 2. filtered reads ---------------------------------------------------------------------
def build_read_table(ws: Workspace, sizes: Sizes) -> tuple[Table, str]:
    """One Delta file per ``read_rows_per_file`` ids, written straight to the managed location."""
    n = sizes.read_rows_per_file
    table = ws.catalog.create_table("main.default.bench_read", make_batch(0, n, 0))
    location = table.info.storage_location
    with progress() as bar:
        task = bar.add_task(f"build {sizes.read_files * n:,}-row table", total=sizes.read_files)
        bar.advance(task)
        for i in range(1, sizes.read_files):
            write_deltalake(location, make_batch(i * n, n, i), mode="append")
            if i % 25 == 0:  # keep log replay short while building
                DeltaTable(location).create_checkpoint()
            bar.advance(task)
    DeltaTable(location).create_checkpoint()  # a realistic table has a recent checkpoint
    return table, location


def bench_read(ws: Workspace, _tmp: Path, sizes: Sizes) -> list[Result]:
    table, location = build_read_table(ws, sizes)
    n = sizes.read_rows_per_file
    low = n * (sizes.read_files // 2) + n // 2  # a 100k-id window across two files
    high = low + n
    expr = (pc.field("id") >= low) & (pc.field("id") < high)
    sql = f"id >= {low} AND id < {high}"

    def plain() -> pa.Table:
        return DeltaTable(location).to_pyarrow_dataset().to_table(filter=expr)

    def plain_sql() -> pa.Table:
        reader = (
            QueryBuilder()
            .register("t", DeltaTable(location))
            .execute(f"SELECT * FROM t WHERE {sql}")
        )
        return pa.table(reader.read_all())

    runs: dict[str, Callable[[], pa.Table]] = {
        "ours": lambda: table.to_arrow(filter=expr),
        "plain": plain,
        "ours_sql": lambda: table.to_arrow(filter=sql),
        "plain_sql": plain_sql,
    }
    times: dict[str, list[float]] = {k: [] for k in runs}
    rows: dict[str, int] = {}
    order = list(runs)
    with progress() as bar:
        task = bar.add_task("filtered reads", total=sizes.read_reps + 1)
        for rep in range(sizes.read_reps + 1):  # rep 0 warms caches and is not counted
            for key in order if rep % 2 else order[::-1]:
                seconds, result = timed(runs[key])
                rows[key] = result.num_rows
                if rep:
                    times[key].append(seconds * 1000)
            bar.advance(task)
    assert len(set(rows.values())) == 1, f"the paths disagree on the row count: {rows}"
    dataset = DeltaTable(location).to_pyarrow_dataset()
    total = len(list(dataset.get_fragments()))
    touched = len(list(dataset.get_fragments(filter=expr)))
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    t_ours, t_plain, t_ours_sql, t_plain_sql = (med[k] for k in order)
    note = f"median of {sizes.read_reps}, best {best['ours']:.1f} vs {best['plain']:.1f} ms; "
    note += f"{rows['ours']:,} rows; files touched by the filter: {touched} of {total}"
    sql_note = (
        f"reference: deltalake QueryBuilder (DataFusion), same SQL; best {best['ours_sql']:.1f}"
    )
    sql_note += (
        f" vs {best['plain_sql']:.1f} ms; vs the pyarrow reference: {t_ours_sql / t_plain:.2f}x"
    )
    name = f"to_arrow(pyarrow filter) {total * n / 1e6:g}M rows"
    return [
        Result(name, "ms", t_ours, t_plain, "ratio <= 1.10", t_ours / t_plain <= 1.10, note),
        Result(
            "to_arrow(SQL string filter)", "ms", t_ours_sql, t_plain_sql, "info", None, sql_note
        ),
    ]


# -- 3. listing over HTTP ------------------------------------------------------------------
def add_catalog_rows(ws: Workspace, schema: str, count: int, tmp: Path) -> None:
    """Catalog rows only (no Delta data): creating ``count`` real tables would take minutes."""
    ws.catalog.create_schema(f"main.{schema}", "listing benchmark")
    now = int(time.time() * 1000)
    with progress() as bar:
        task = bar.add_task(f"insert {count:,} catalog rows", total=count)
        for i in range(count):
            table_id = uuid.uuid4().hex
            location, comment = str(tmp / "unused" / table_id), f"benchmark table {i}"
            info = TableInfo(
                "main", schema, f"t_{i:05d}", table_id, location, LIST_COLUMNS, (), comment
            )
            ws.store.create_table(replace(info, owner=ws.user, created_at=now, updated_at=now))
            if i % 250 == 0:
                bar.update(task, completed=i + 1)
        bar.update(task, completed=count)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(home: Path) -> Iterator[str]:
    """``brickyard up`` (the real uvicorn server) in a subprocess; yields its base URL."""
    port = free_port()
    log_path = home / "bench-server.log"
    with log_path.open("wb") as log:
        command = [sys.executable, "-c", "from brickyard.cli.main import run; run()", "up"]
        command += ["--home", str(home), "--host", "127.0.0.1", "--port", str(port)]
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the server did not start:\n{log_path.read_text()[-2000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def list_all(
    client: httpx.Client, base: str, schema: str, omit_columns: bool
) -> tuple[int, int, int, float]:
    """(tables, pages, bytes, seconds spent decoding JSON) for one full listing."""
    url = f"{base}/api/2.1/unity-catalog/tables"
    params: dict[str, Any] = {"catalog_name": "main", "schema_name": schema, "max_results": 0}
    if omit_columns:
        params["omit_columns"] = "true"
    tables = pages = size = 0
    decode = 0.0
    while True:
        response = client.get(url, params=params)
        response.raise_for_status()
        seconds, body = timed(response.json)
        decode += seconds
        tables, pages, size = tables + len(body["tables"]), pages + 1, size + len(response.content)
        token = body.get("next_page_token")
        if not token:
            return tables, pages, size, decode
        params["page_token"] = token


def bench_listing(ws: Workspace, tmp: Path, sizes: Sizes) -> list[Result]:
    schema = "bench_listing"
    add_catalog_rows(ws, schema, sizes.list_tables, tmp)
    # This client process holds the whole Brickyard stack (pyarrow, pandas, ...) for the setup;
    # a real API client does not. Freeze it so full GC passes over it don't count as latency.
    gc.collect()
    gc.freeze()
    direct = []
    for _ in range(sizes.list_reps):
        seconds, found = timed(lambda: ws.catalog.list_tables(f"main.{schema}"))
        assert len(found) == sizes.list_tables
        direct.append(seconds * 1000)
    results = []
    with server(ws.home) as base, httpx.Client(timeout=120) as client:
        for omit_columns in (True, False):
            results.append(
                listing_result(client, base, schema, sizes, omit_columns, statistics.median(direct))
            )
    return results


def listing_result(
    client: httpx.Client, base: str, schema: str, sizes: Sizes, omit_columns: bool, direct: float
) -> Result:
    http: list[float] = []
    decode: list[float] = []
    what = "omit_columns=true" if omit_columns else "with 4 columns each"
    with progress() as bar:
        task = bar.add_task(f"HTTP listings ({what})", total=sizes.list_reps + 1)
        for rep in range(sizes.list_reps + 1):  # rep 0 warms the server and is not counted
            seconds, (count, pages, size, json_seconds) = timed(
                lambda: list_all(client, base, schema, omit_columns)
            )
            assert count == sizes.list_tables, f"listed {count} of {sizes.list_tables} tables"
            if rep:
                http.append(seconds * 1000)
                decode.append(json_seconds * 1000)
            bar.advance(task)
    ms = statistics.median(http)
    name = f"list {sizes.list_tables:,} tables via HTTP ({what})"
    note = f"median of {sizes.list_reps}; {pages} pages of the default size, {size / 1e6:.1f} MB"
    note += f" JSON, of which client json decode {statistics.median(decode):.0f} ms; reference: "
    note += "ws.catalog.list_tables (one call, in process, with columns); the tables are catalog "
    note += "rows only (ws.store.create_table, no Delta data: 10k real tables would take minutes)"
    if omit_columns:
        return Result(name, "ms", ms, direct, "< 200 ms", ms < 200, note)
    return Result(name, "ms", ms, direct, "info", None, note)


# -- report --------------------------------------------------------------------------------
def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{value:,.0f} rows/s" if unit == "rows/s" else f"{value:,.1f} ms"


def report(results: list[Result], wall: float, quick: bool) -> None:
    table = RichTable(title=f"Brickyard catalog benchmark{' (quick)' if quick else ''}")
    for name in ("metric", "brickyard", "reference", "ratio", "goal", "result"):
        table.add_column(name, justify="left" if name in ("metric", "goal") else "right")
    for r in results:
        verdict = (
            "[dim]info[/]" if r.passed is None else "[green]PASS[/]" if r.passed else "[red]FAIL[/]"
        )
        ratio = "-" if r.ratio is None else f"{r.ratio:.2f}x"
        table.add_row(
            r.metric, fmt(r.brickyard, r.unit), fmt(r.reference, r.unit), ratio, r.goal, verdict
        )
    console.print(table)
    console.print("ratio = Brickyard time / reference time (> 1: Brickyard is slower)")
    for r in results:
        console.print(f"[dim]- {r.metric}: {r.note}[/]")
    console.print(f"wall time {wall:.1f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--json", type=Path, metavar="PATH", help="also write results as JSON")
    parser.add_argument(
        "--only", choices=["append", "read", "listing"], action="append", help="run these parts"
    )
    args = parser.parse_args(argv)
    sections = [bench_append, bench_read, bench_listing]
    if args.only:
        sections = [s for s in sections if s.__name__.removeprefix("bench_") in args.only]
    sizes = QUICK if args.quick else FULL
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="brickyard-bench-"))
    results: list[Result] = []
    try:
        with brickyard.connect(tmp / "home") as ws:
            console.print(
                f"[bold]workspace[/] {ws.home} (deltalake {deltalake.__version__}, "
                f"pyarrow {pa.__version__}, {sys.version.split()[0]})"
            )
            for section in sections:
                console.rule(section.__name__.removeprefix("bench_"))
                results += section(ws, tmp, sizes)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    wall = time.perf_counter() - started
    report(results, wall, args.quick)
    if args.json:
        payload = {
            "sizes": asdict(sizes),
            "wall_seconds": round(wall, 2),
            "versions": {"deltalake": deltalake.__version__, "pyarrow": pa.__version__},
            "results": [asdict(r) | {"ratio": r.ratio} for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
