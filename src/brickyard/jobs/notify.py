"""Reporting a run's end: the job's ``on_failure``/``on_success`` callback and its webhook.

The scheduler starts this in a process of its own (``python -m brickyard.jobs.notify --home H
--run-id N``) once per finished run, so a slow webhook or a failing callback never holds up
scheduling; what it did goes to ``<logs>/<job>/<run_id>/_notifications.log``.
"""

from __future__ import annotations

import argparse
import logging
import runpy
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

WEBHOOK_TIMEOUT_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--home", required=True)
    parser.add_argument("--run-id", type=int, required=True)
    args = parser.parse_args(argv)
    import brickyard

    with brickyard.connect(args.home) as ws:
        run = ws.jobs.run(args.run_id)
        summary = run_summary(ws, args.run_id)
        log = _logger(ws.logs_dir / run.job_name / str(run.id) / "_notifications.log")
        return 0 if notify(run.spec.file, dict(run.spec.notifications), summary, log) else 1


def run_summary(ws: Any, run_id: int) -> dict[str, Any]:
    """What callbacks and webhooks receive: the run, its state and its failed tasks."""
    run = ws.jobs.run(run_id)
    return {
        "job": run.job_name,
        "job_id": run.job_id,
        "run_id": run.id,
        "state": run.state.value,
        "run_type": run.run_type,
        "logical_date": _iso(run.logical_date),
        "start_time": _iso(run.start_time),
        "end_time": _iso(run.end_time),
        "failed_tasks": [
            {"task": t.task_id, "state": t.state.value, "error": (t.error or "")[-2000:]}
            for t in ws.jobs.task_runs(run_id)
            if t.state.failed
        ],
    }


def notify(
    job_file: str, notifications: dict[str, str], summary: dict[str, Any], log: logging.Logger
) -> bool:
    """Call the callback that applies and post the webhook; False if one of them failed."""
    ok = True
    key = "on_success" if summary["state"] == "success" else "on_failure"
    callback = notifications.get(key)
    if callback:
        try:
            namespace = runpy.run_path(job_file)
            namespace[callback](summary)
            log.info("%s callback %s done", key, callback)
        except Exception:
            log.exception("%s callback %s of %s failed", key, callback, job_file)
            ok = False
    url = notifications.get("webhook")
    if url:
        import httpx

        try:
            response = httpx.post(url, json=summary, timeout=WEBHOOK_TIMEOUT_S)
            response.raise_for_status()
            log.info("webhook %s answered %s", url, response.status_code)
        except httpx.HTTPError as exc:
            log.error("webhook %s failed: %s", url, exc)
            ok = False
    return ok


def _iso(ms: int | None) -> str | None:
    return None if ms is None else datetime.fromtimestamp(ms / 1000, UTC).isoformat()


def _logger(path: Path) -> logging.Logger:
    path.parent.mkdir(parents=True, exist_ok=True)
    log = logging.getLogger("brickyard.notify")
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return log


if __name__ == "__main__":
    sys.exit(main())
