"""Attempt every webhook delivery that is due: the sweeper behind the per-delivery tasks."""

from __future__ import annotations

import logging
import time

from django.core.management.base import BaseCommand
from django.db import Error as DatabaseFailure

from config.ops.tasks import connections_reset
from orders.webhooks.tasks import deliver_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Attempt every pending webhook delivery whose next attempt is due. Run it from cron, "
        "or with --every N to sweep every N seconds (`make run` does); then nothing stops it: "
        "a sweep that fails (the database is down, say) is logged and the next one follows."
    )

    # Some system checks query the database; a sweeper started while it is down must wait for
    # it, not exit (`manage.py check` belongs to the deploy).
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")
        parser.add_argument("--limit", type=int, default=None, help="At most N per sweep.")

    def handle(self, *, every: float, limit: int | None, verbosity: int, **options) -> None:
        while True:
            try:
                attempted = deliver_due(limit=limit)
            except Exception as exc:
                if every <= 0:
                    raise
                if isinstance(exc, DatabaseFailure):
                    logger.warning("Webhook sweep: database unavailable (%s); retrying", exc)
                    connections_reset()
                else:
                    logger.exception("Webhook sweep failed; the next one follows")
            else:
                if verbosity > 1 or (attempted and verbosity > 0):
                    self.stdout.write(f"Attempted {attempted} webhook deliveries.")
            if every <= 0:
                return
            time.sleep(every)
