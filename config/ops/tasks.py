"""The tasks worker's own jobs: its heartbeat task, and the sweeps it runs beside its tasks.

A sweep finds work whose task was lost (queued after a commit that the database did not
outlive, or cut off with its worker) and does it. Apps register theirs at start-up
(`sweep_register`, from their AppConfig.ready); `manage.py tasks_worker` runs every registered
sweep every `--sweep-every` seconds in a thread of its own (`Sweeper`), which outlives
database outages as the worker does.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import Error as DatabaseFailure
from django.db import connections
from django.tasks import task
from django.utils import timezone

from orders.models import WorkerHeartbeat

TASKS_WORKER = "tasks"

logger = logging.getLogger(__name__)

# name -> the sweep: does what is due, returns how much it did.
SWEEPS: dict[str, Callable[[], int]] = {}


@task()
def worker_heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=TASKS_WORKER, defaults={"seen_at": timezone.now()}
    )


def sweep_register(name: str, sweep: Callable[[], int]) -> None:
    """Have the tasks worker run `sweep` periodically (`name` shows in its log)."""
    SWEEPS[name] = sweep


def sweeps_run() -> dict[str, int]:
    """Run every registered sweep once; returns what each did. One that fails is logged and
    the others still run; a database error also drops this thread's connections, so the next
    round opens fresh ones (after a restart the old ones are dead)."""
    done: dict[str, int] = {}
    for name, sweep in SWEEPS.items():
        try:
            done[name] = sweep()
        except DatabaseFailure as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            logger.warning("Sweep %s: database unavailable (%s); trying again later", name, first)
            connections_reset()
        except Exception:
            logger.exception("Sweep %s failed; trying again later", name)
        else:
            if done[name]:
                logger.info("Sweep %s: %d done", name, done[name])
    return done


def connections_reset() -> None:
    """Drop this thread's database connections, so that the next query opens a fresh one
    (after a database restart the old ones are dead)."""
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except DatabaseFailure:
            logger.debug("Closing a dead database connection failed", exc_info=True)


class Sweeper(threading.Thread):
    """Runs sweeps_run() every `every` seconds until stopped, on its own connections."""

    def __init__(self, every: float) -> None:
        super().__init__(name="packdesk-sweeper", daemon=True)
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                sweeps_run()
                # Between rounds the thread holds no connection (a pooled one goes back).
                connections_reset()
                self.stopped.wait(self.every)
        finally:
            connections_reset()

    def stop(self) -> None:
        self.stopped.set()
