"""Writes to orders. Every mutation of an order goes through a function here or in
fulfillments/services.py: one transaction, the order row locked, an activity recorded with
the acting user, `last_updated` bumped, and its webhook event written in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from orders.models import Activity, Order


class OrderError(Exception):
    """A domain rule refused the change. `message` is stable (tests and clients read it);
    `field` names the input at fault when there is one; `status` is the HTTP status the API
    answers with (400 for bad input, 409 for a conflict with the order's state)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def order_lock(*, order_id) -> Order:
    """Re-read the order inside the current transaction and lock its row.

    Raises Order.DoesNotExist for unknown or hidden orders.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_lock() must run inside transaction.atomic()")
    return Order.objects.select_for_update().get(pk=order_id, hidden=False)


def activity_record(*, order: Order, type: str, actor=None, details: dict[str, Any] | None = None):
    return Activity.objects.create(
        order=order, type=type, actor=actor, details=details or {}, timestamp=timezone.now()
    )


def order_touch(*, order: Order, fields: list[str] | tuple[str, ...] = ()) -> None:
    """Save `fields` and bump `last_updated` in one UPDATE."""
    order.last_updated = timezone.now()
    order.save(update_fields=[*fields, "last_updated"])
