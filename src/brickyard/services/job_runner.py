"""The loop that drives jobs: the scheduler's ticks and the executor's workers, together.

It sleeps until something happens (a worker process ends, a run is triggered in this
process, or ``idle_s`` passes), so a finished task is followed by the next one at once and an
idle workspace costs almost no CPU.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import TYPE_CHECKING

from brickyard.domain.jobs import TaskState

if TYPE_CHECKING:
    from brickyard.adapters.local_executor.executor import LocalExecutor
    from brickyard.services.scheduler import Scheduler

log = logging.getLogger(__name__)


class JobRunner:
    """Scheduler plus executor in one loop (``brickyard up`` runs it in a thread)."""

    def __init__(self, scheduler: Scheduler, executor: LocalExecutor, idle_s: float = 0.5) -> None:
        self.scheduler = scheduler
        self.executor = executor
        self.idle_s = idle_s
        self._stop = threading.Event()
        # A pipe, not an Event: the loop waits on it together with the workers' sentinels.
        self._wake_read, self._wake_write = multiprocessing.Pipe(duplex=False)

    def wake(self) -> None:
        """Something changed (a run was triggered): tick now."""
        with contextlib.suppress(OSError):
            self._wake_write.send_bytes(b"!")

    def step(self) -> bool:
        """One round: record ended tries, tick, start what is queued, kill canceled ones.

        True when something moved (a try ended or started): another round may move more.
        """
        ended = self.executor.reap()
        running = self.scheduler.tick()
        store = self.scheduler.store
        runs = {r.id: r for r in running}
        queued = [t for t in store.task_runs_in_state([TaskState.QUEUED]) if t.run_id in runs]
        started = self.executor.start_queued(queued, runs)
        if self.executor.busy:
            canceled = {
                t.id
                for t in store.task_runs_in_state([TaskState.RUNNING])
                if t.run_id not in runs
            }
            if canceled:
                self.executor.cancel(canceled)
        return bool(ended or started)

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                moved = self.step()
            except Exception:  # one bad tick must not stop the workspace's jobs
                log.exception("the job runner's tick failed; retrying")
                moved = False
            if not moved:
                self._sleep()

    def run_until(self, finished: Callable[[], bool], timeout_s: float | None = None) -> bool:
        """Drive jobs in this thread until ``finished()``; False if ``timeout_s`` passed first."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        while not finished():
            if deadline is not None and time.monotonic() > deadline:
                return False
            if not self.step() and not finished():
                self._sleep()
        return True

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        self.executor.shutdown()

    def _sleep(self) -> None:
        ready = wait([*self.executor.sentinels(), self._wake_read], timeout=self.idle_s)
        if self._wake_read in ready:
            while self._wake_read.poll():
                self._wake_read.recv_bytes()
