"""Webhook delivery on Django's tasks framework (`manage.py db_worker` runs the tasks): queue an
attempt, re-queue the ones still pending for their backoff time, and the sweeper that attempts
whatever is due (for tasks that were lost or backends that cannot defer)."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import DatabaseError, transaction
from django.tasks import task
from django.utils import timezone

from orders.webhooks.delivery import deliveries_due, delivery_attempt
from orders.webhooks.models import WebhookDelivery
from orders.webhooks.models import WebhookDeliveryStatus as Status

logger = logging.getLogger(__name__)


@task()
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery (it re-queues itself with run_after while retrying)."""
    return delivery_run(delivery_id=delivery_id)


@task()
def webhook_sweep() -> int:
    """Attempt every pending delivery that is due (for backends that lose or cannot defer
    tasks); `manage.py deliver_webhooks` does the same from the command line."""
    return deliver_due()


def delivery_run(*, delivery_id: int) -> str | None:
    """Attempt one delivery and, while it stays pending, queue its retry for when it is due.

    Returns the delivery's status afterwards, or None when it was not attempted.
    """
    delivery = delivery_attempt(delivery_id=delivery_id)
    if delivery is None:
        return None
    if delivery.status == Status.PENDING:
        delivery_enqueue(delivery_id=delivery.pk, run_after=delivery.next_attempt_at)
    return delivery.status


def delivery_enqueue(*, delivery_id: int, run_after: datetime | None = None) -> None:
    """Queue an attempt on the tasks backend. Never raises: a delivery whose task is lost is
    still pending in the database and the sweeper (`deliver_webhooks`) attempts it when due."""
    task = webhook_deliver
    try:
        if run_after is not None:
            if not task.get_backend().supports_defer:
                return
            task = task.using(run_after=run_after)
        task.enqueue(delivery_id)
    except Exception:
        logger.exception("Could not queue webhook delivery %s; the sweeper will", delivery_id)


def deliver_due(*, limit: int | None = None) -> int:
    """The sweeper: attempt every pending delivery whose time has come, here and now.
    Returns how many were attempted.

    One delivery's surprise does not stop the others: it is logged and the sweep goes on
    (its lease runs out and a later sweep tries it again). A database error ends the sweep,
    since every other delivery would meet it too.
    """
    ids = deliveries_due().values_list("pk", flat=True)
    if limit is not None:
        ids = ids[:limit]
    attempted = 0
    for delivery_id in list(ids):
        try:
            if delivery_run(delivery_id=delivery_id) is not None:
                attempted += 1
        except DatabaseError:
            raise
        except Exception:
            logger.exception("Webhook delivery %s failed unexpectedly; sweeping on", delivery_id)
    return attempted


def delivery_resend(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, whatever its status, with the same event id (receivers
    de-duplicate on it); it gets a fresh retry window."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=Status.PENDING,
        next_attempt_at=timezone.now(),
        first_attempt_at=None,
    )
    transaction.on_commit(lambda: delivery_enqueue(delivery_id=delivery.pk))
    delivery.refresh_from_db()
    return delivery
