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

from brickyard.domain.jobs import RunState, TaskState

if TYPE_CHECKING:
    from brickyard.adapters.local_executor.executor import LocalExecutor
    from brickyard.adapters.metadata_sql.jobs_store import SqlJobStore
    from brickyard.services.scheduler import Scheduler

log = logging.getLogger(__name__)


class JobRunner:
    """Scheduler plus executor in one loop (``brickyard up`` runs it in a thread)."""

    def __init__(
        self,
        scheduler: Scheduler | None,
        executor: LocalExecutor | None,
        idle_s: float = 0.5,
        before_tick: Callable[[], object] | None = None,
    ) -> None:
        """Either part may be None: ``brickyard scheduler`` and ``brickyard worker`` run one each."""
        self.scheduler = scheduler
        self.executor = executor
        self.idle_s = idle_s
        self.before_tick = before_tick  # e.g. reload the jobs folder when it changed
        self._stop = threading.Event()
        self.ready = threading.Event()
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
        if self.before_tick is not None:
            self.before_tick()
        executor = self.executor
        ended = executor.reap() if executor is not None else []
        if self.scheduler is not None:
            running = self.scheduler.tick()
        else:
            running = self._store.list_runs(states=[RunState.RUNNING], limit=10_000)
        if executor is None:
            return False
        store = self._store
        runs = {r.id: r for r in running}
        queued = [t for t in store.task_runs_in_state([TaskState.QUEUED]) if t.run_id in runs]
        started = executor.start_queued(queued, runs)
        if executor.busy:
            canceled = {
                t.id for t in store.task_runs_in_state([TaskState.RUNNING]) if t.run_id not in runs
            }
            if canceled:
                executor.cancel(canceled)
        return bool(ended or started)

    def start_thread(self) -> threading.Thread:
        """Run the loop in a daemon thread; ``ready`` is set once the first round is done
        (the jobs folder has been loaded once)."""
        thread = threading.Thread(target=self.run_forever, name="brickyard-jobs", daemon=True)
        thread.start()
        return thread

    def run_forever(self) -> None:
        if self.executor is not None:
            self.executor.warm_up()
        first = True
        while not self._stop.is_set():
            try:
                moved = self.step()
            except Exception:  # one bad tick must not stop the workspace's jobs
                log.exception("the job runner's tick failed; retrying")
                moved = False
            if first:
                first = False
                self.ready.set()
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
        if self.executor is not None:
            self.executor.shutdown()

    @property
    def _store(self) -> SqlJobStore:
        part = self.scheduler or self.executor
        assert part is not None
        return part.store

    def _sleep(self) -> None:
        sentinels = self.executor.sentinels() if self.executor is not None else []
        ready = wait([*sentinels, self._wake_read], timeout=self.idle_s)
        if self._wake_read in ready:
            while self._wake_read.poll():
                self._wake_read.recv_bytes()
