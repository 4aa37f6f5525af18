"""Brickyard kernel start-up: time to ready (kernel_info answered, `spark` defined) and to the
first `spark.sql` result, against IPython's plain kernel measured in the same run.

    python benchmarks/notebook_bench.py [--runs 5]

Goal (notebooks issue): ready in < 2 s on the DuckDB engine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))


def start(kernel: str, env: dict[str, str]) -> tuple[Any, Any, float]:
    from jupyter_client.manager import start_new_kernel

    began = time.perf_counter()
    manager, client = start_new_kernel(kernel_name=kernel, env=env, startup_timeout=60)
    return manager, client, time.perf_counter() - began


def run(client: Any, code: str) -> float:
    began = time.perf_counter()
    reply = client.execute_interactive(code, timeout=120, output_hook=lambda _msg: None)
    if reply["content"]["status"] != "ok":
        raise RuntimeError(f"{code!r} failed: {reply['content']}")
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from brickyard.notebooks.kernelspec import ensure_kernel

    ensure_kernel()
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "BRICKYARD_HOME": home}
        import brickyard

        brickyard.connect(home).close()  # the home exists: first-run set-up is not timed
        rows: dict[str, list[float]] = {"python3 ready": [], "brickyard ready": [], "first": []}
        for _ in range(args.runs):
            manager, client, ready = start("python3", env)
            rows["python3 ready"].append(ready)
            client.stop_channels()
            manager.shutdown_kernel(now=True)
            manager, client, ready = start("brickyard", env)
            rows["brickyard ready"].append(ready)
            rows["first"].append(ready + run(client, 'spark.sql("SELECT 1 AS x").collect()'))
            client.stop_channels()
            manager.shutdown_kernel(now=True)
    median = {k: statistics.median(v) for k, v in rows.items()}
    print(f"{'measure':<42}{'median s':>10}")
    print(f"{'plain IPython kernel: ready':<42}{median['python3 ready']:>10.2f}")
    print(f"{'Brickyard kernel: ready (spark defined)':<42}{median['brickyard ready']:>10.2f}")
    print(f"{'Brickyard kernel: first spark.sql result':<42}{median['first']:>10.2f}")
    ratio = median["brickyard ready"] / median["python3 ready"]
    verdict = "PASS" if median["brickyard ready"] < 2 else "FAIL"
    print(f"ready vs plain kernel: {ratio:.2f}x; goal ready < 2 s: {verdict}")


if __name__ == "__main__":
    main()
