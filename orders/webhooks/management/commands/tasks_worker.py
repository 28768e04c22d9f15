"""The tasks worker that outlives database outages: django-tasks-db's `db_worker`, restarted
in-process whenever the database goes away.

`db_worker` exits on the first database error (a restart ends every connection with
"terminating connection"), and every event after that would wait for the sweeper. This
command takes the same options, drops the dead connections, waits RECONNECT_DELAY seconds and
runs the worker again, until the database answers. A task cut off mid-way stays claimed in
the tasks table; its webhook delivery is still pending in the database and the sweeper
(`deliver_webhooks --every N`) sends it once its lease has run out.
"""

from __future__ import annotations

import logging
import time

from django.db import Error as DatabaseFailure
from django_tasks_db.management.commands import db_worker

from orders.webhooks.management.commands.deliver_webhooks import connections_reset

logger = logging.getLogger(__name__)

RECONNECT_DELAY = 1.0


class Command(db_worker.Command):
    help = (
        "Run the database tasks worker (webhooks, shipment emails), reconnecting after a database "
        "outage instead of exiting. Takes db_worker's options; never reloads on code changes."
    )

    # Some system checks query the database; a worker started while it is down must wait for
    # it, not exit (`manage.py check` belongs to the deploy).
    requires_system_checks: list[str] = []

    def handle(self, *args, **options) -> None:
        # The autoreloader runs the worker in a child process this loop could not restart.
        options["reload"] = False
        while True:
            try:
                return super().handle(*args, **options)
            except DatabaseFailure as exc:
                logger.warning(
                    "Tasks worker: database unavailable (%s); reconnecting in %.0f s",
                    str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__,
                    RECONNECT_DELAY,
                )
                connections_reset()
                time.sleep(RECONNECT_DELAY)
