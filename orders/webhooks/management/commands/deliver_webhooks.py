"""Attempt every webhook delivery that is due: the sweeper behind the per-delivery tasks."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from orders.webhooks.tasks import deliver_due


class Command(BaseCommand):
    help = (
        "Attempt every pending webhook delivery whose next attempt is due. Run it from cron, "
        "or with --every N to sweep every N seconds (`make run` does)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")
        parser.add_argument("--limit", type=int, default=None, help="At most N per sweep.")

    def handle(self, *, every: float, limit: int | None, verbosity: int, **options) -> None:
        while True:
            attempted = deliver_due(limit=limit)
            if verbosity > 1 or (attempted and verbosity > 0):
                self.stdout.write(f"Attempted {attempted} webhook deliveries.")
            if every <= 0:
                return
            time.sleep(every)
