"""Background tasks (Django's tasks framework; `manage.py db_worker` runs them)."""

from __future__ import annotations

from django.tasks import task

from orders.webhooks import deliver_due, delivery_attempt


@task()
def webhook_deliver(delivery_id: int) -> str | None:
    """Attempt one webhook delivery (it re-queues itself with run_after while retrying)."""
    return delivery_attempt(delivery_id=delivery_id)


@task()
def webhook_sweep() -> int:
    """Attempt every pending delivery that is due (for backends that lose or cannot defer
    tasks); `manage.py deliver_webhooks` does the same from the command line."""
    return deliver_due()
