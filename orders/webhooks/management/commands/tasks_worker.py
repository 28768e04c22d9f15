"""The tasks worker that outlives database outages: django-tasks-db's `db_worker`, restarted
in-process whenever the database goes away, with the registered sweeps beside it.

`db_worker` exits on the first database error (a restart ends every connection with
"terminating connection"), and every event after that would wait for the sweeper. This
command takes the same options, drops the dead connections, waits RECONNECT_DELAY seconds and
runs the worker again, until the database answers. A task that the outage cut off is still
marked running under this worker's id: once the database answers again it is put back in the
queue, so it runs again (every task here is safe to run twice: webhook deliveries and emails
are claimed in the database before they are sent).

Every `--sweep-every` seconds (60) a thread of the worker runs the sweeps the apps registered
(config/ops/tasks.py): the shipment emails whose task was lost are sent by it.
"""

from __future__ import annotations

import logging
import time

from django.db import Error as DatabaseFailure
from django.tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from config.ops.tasks import Sweeper, connections_reset

logger = logging.getLogger(__name__)

RECONNECT_DELAY = 1.0
SWEEP_EVERY = 60.0


class Command(db_worker.Command):
    help = (
        "Run the database tasks worker (webhooks, shipment emails), reconnecting after a database "
        "outage instead of exiting, and the sweeps for lost tasks every --sweep-every seconds. "
        "Takes db_worker's options; never reloads on code changes."
    )

    # Some system checks query the database; a worker started while it is down must wait for
    # it, not exit (`manage.py check` belongs to the deploy).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-every",
            type=db_worker.valid_interval,
            default=SWEEP_EVERY,
            help="Seconds between two runs of the sweeps for lost tasks (default: %(default)r); "
            "0 runs none.",
        )

    def handle(self, *args, **options) -> None:
        # The autoreloader runs the worker in a child process this loop could not restart.
        options["reload"] = False
        sweep_every = options.pop("sweep_every")
        sweeper = Sweeper(sweep_every) if sweep_every > 0 else None
        if sweeper is not None:
            sweeper.start()
        try:
            while True:
                try:
                    return super().handle(*args, **options)
                except DatabaseFailure as exc:
                    logger.warning(
                        "Tasks worker: database unavailable (%s); reconnecting in %.0f s",
                        str(exc).strip().splitlines()[0]
                        if str(exc).strip()
                        else type(exc).__name__,
                        RECONNECT_DELAY,
                    )
                    connections_reset()
                    time.sleep(RECONNECT_DELAY)
                    tasks_requeue(worker_id=options["worker_id"])
        finally:
            if sweeper is not None:
                sweeper.stop()


def tasks_requeue(*, worker_id: str) -> int:
    """Put back in the queue the tasks still marked running under `worker_id`: this process
    runs one task at a time and is between tasks, so they were cut off. Returns how many;
    0 while the database is still down (the worker's next start meets that)."""
    try:
        count = (
            DBTaskResult.objects.running()
            .filter(worker_ids__contains=[worker_id])
            .update(status=TaskResultStatus.READY, started_at=None)
        )
    except DatabaseFailure:
        connections_reset()
        return 0
    if count:
        logger.warning("Tasks worker: %d task(s) cut off by the outage queued again", count)
    return count
