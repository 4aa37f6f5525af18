"""Two processes writing one table at once: every append lands or fails as retryable."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

import brickyard

WRITER = """
import json, sys
import pyarrow as pa
import pyarrow.compute as pc
import brickyard
import pathlib, time
ws = brickyard.connect(sys.argv[1])
table = ws.catalog.table("main.default.events")
worker, appends = int(sys.argv[2]), int(sys.argv[3])
go = pathlib.Path(sys.argv[4])
table.to_arrow()  # warm up: import and open everything an append needs before the barrier
from brickyard.arrow.data import to_reader
to_reader(pa.table({"worker": [worker], "seq": [0]})).read_all()
(go.parent / f"ready-{worker}").touch()
deadline = time.monotonic() + 120
while not go.exists() and time.monotonic() < deadline:  # start together, after the imports
    time.sleep(0.005)
landed = conflicts = 0
for i in range(appends):
    batch = pa.table({"worker": [worker] * 100, "seq": [i] * 100})
    try:
        table.append(batch)
        landed += 1
    except brickyard.ConcurrentWriteError:
        conflicts += 1  # the only failure allowed: a retryable conflict, nothing written
print(json.dumps({"landed": landed, "conflicts": conflicts}))
"""


@pytest.mark.slow
def test_two_processes_appending_lose_no_rows(home: Path, tmp_path: Path) -> None:
    with brickyard.connect(home) as ws:
        ws.catalog.create_table("events", pa.schema([("worker", pa.int64()), ("seq", pa.int64())]))
    appends, go = 30, tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), str(worker), str(appends), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in (1, 2)
    ]
    deadline = time.monotonic() + 120
    while not all((tmp_path / f"ready-{w}").exists() for w in (1, 2)):  # both past the imports
        assert time.monotonic() < deadline, "the writers did not start"
        time.sleep(0.01)
    go.touch()
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    landed = sum(r["landed"] for r in results)
    assert landed >= appends  # most appends land; a few may lose a race and say so
    with brickyard.connect(home) as ws:
        table = ws.catalog.table("events")
        rows = table.to_arrow()
        assert rows.num_rows == landed * 100  # the row count proves no loss and no duplicate
        assert table.version == landed  # one commit per landed append, none torn
        order = [table.to_arrow(version=v).num_rows for v in range(1, landed + 1)]
        assert order == [100 * v for v in range(1, landed + 1)]
        writers = [_writer_of_version(table, v) for v in range(1, landed + 1)]
    assert writers != sorted(writers), "the two writers never overlapped: no concurrency tested"


def _writer_of_version(table: brickyard.Table, version: int) -> int:
    before = table.to_arrow(version=version - 1)
    after = table.to_arrow(version=version)
    added = after.num_rows - before.num_rows
    counts = pc.value_counts(after.column("worker")).to_pylist()
    previous = {
        c["values"]: c["counts"] for c in pc.value_counts(before.column("worker")).to_pylist()
    }
    grown = [c["values"] for c in counts if c["counts"] - previous.get(c["values"], 0) == added]
    return int(grown[0])


def test_a_commit_on_a_stale_snapshot_is_a_retryable_conflict(tmp_path: Path) -> None:
    from deltalake import DeltaTable, write_deltalake

    from brickyard.adapters.delta_errors import DeltaErrors

    path = str(tmp_path / "t")
    write_deltalake(path, pa.table({"id": [1]}))
    stale = DeltaTable(path)
    write_deltalake(path, pa.table({"id": [2]}), mode="append")  # another writer wins
    with pytest.raises(brickyard.ConcurrentWriteError, match="retry") as error, DeltaErrors(path):
        stale.merge(
            pa.table({"id": [1]}), "t.id = s.id", "s", "t"
        ).when_matched_update_all().execute()
    assert error.value.transient
    assert DeltaTable(path).version() == 1
