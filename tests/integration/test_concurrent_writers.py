"""Two processes writing one table at once: every append lands or fails as retryable."""

import json
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest

import brickyard

WRITER = """
import json, sys
import pyarrow as pa
import brickyard
ws = brickyard.connect(sys.argv[1])
table = ws.catalog.table("main.default.events")
worker, appends = int(sys.argv[2]), int(sys.argv[3])
landed = conflicts = 0
for i in range(appends):
    batch = pa.table({"worker": [worker] * 100, "seq": [i] * 100})
    try:
        table.append(batch)
        landed += 1
    except brickyard.BrickyardError as exc:
        assert exc.transient, exc  # only a retryable conflict may stop an append
        conflicts += 1
print(json.dumps({"landed": landed, "conflicts": conflicts}))
"""


@pytest.mark.slow
def test_two_processes_appending_lose_no_rows(home: Path) -> None:
    with brickyard.connect(home) as ws:
        ws.catalog.create_table("events", pa.schema([("worker", pa.int64()), ("seq", pa.int64())]))
    appends = 15
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(home), str(worker), str(appends)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for worker in (1, 2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    landed = sum(r["landed"] for r in results)
    assert landed + sum(r["conflicts"] for r in results) == 2 * appends
    with brickyard.connect(home) as ws:
        table = ws.catalog.table("events")
        assert table.to_arrow().num_rows == landed * 100  # the row count proves no loss
        assert table.version == landed  # one commit per landed append, none torn


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
