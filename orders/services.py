"""Writes to orders. Every mutation of an order goes through a function here or in
fulfillments/services.py: one transaction, the order row locked, an activity recorded with
the acting user, `last_updated` bumped, and its webhook event written in the same transaction.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from orders.events import EventType, event_emit
from orders.models import (
    Activity,
    ActivityType,
    FulfillmentStatus,
    Order,
    PaymentStatus,
    Refund,
)


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


# ---- Owner actions: payment and cancellation (webhooks issue). Permission: manage_payments. ----

PAYABLE_STATUSES = {PaymentStatus.NOT_PAID, PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID}
REFUNDABLE_STATUSES = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}


def order_refunded_amount(*, order: Order) -> Decimal:
    return order.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def order_mark_paid(*, order: Order, actor) -> Order:
    """Record that the order was paid in full (payment taken outside Packdesk)."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.payment_status not in PAYABLE_STATUSES:
            raise OrderError(
                f"The order cannot be marked paid: its payment status is {order.payment_status}.",
                status=409,
            )
        order.payment_status = PaymentStatus.PAID
        order.paid_date = timezone.now()
        order_touch(order=order, fields=["payment_status", "paid_date"])
        activity_record(order=order, type=ActivityType.ORDER_PAID, actor=actor)
        event_emit(order=order, event_type=EventType.ORDER_PAID, actor=actor)
    return order


def order_cancel(*, order: Order, actor) -> Order:
    """Cancel an order that has not shipped: fulfillmentStatus becomes CANCELED."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.is_canceled:
            raise OrderError("The order is already canceled.", status=409)
        if order.fulfillment_status != FulfillmentStatus.NOT_FULFILLED:
            raise OrderError(
                "A fulfilled order cannot be canceled: delete its fulfillments first.",
                status=409,
            )
        previous = order.fulfillment_status
        order.fulfillment_status = FulfillmentStatus.CANCELED
        order_touch(order=order, fields=["fulfillment_status"])
        activity_record(
            order=order,
            type=ActivityType.ORDER_CANCELED,
            actor=actor,
            details={"previousFulfillmentStatus": previous},
        )
        event_emit(order=order, event_type=EventType.ORDER_CANCELED, actor=actor)
    return order


def order_refund(*, order: Order, amount: Decimal, reason: str = "", actor) -> Refund:
    """Refund `amount` of a paid order (full or partial). The amount must be more than zero
    and at most what has not been refunded yet."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.payment_status not in REFUNDABLE_STATUSES:
            raise OrderError(
                f"Only a paid order can be refunded; its payment status is {order.payment_status}.",
                status=409,
            )
        refundable = order.total - order_refunded_amount(order=order)
        if amount is None or amount <= 0:
            raise OrderError("The refund amount must be more than 0.", field="amount")
        if amount > refundable:
            raise OrderError(
                f"The refund amount cannot exceed {refundable} (the total minus earlier refunds).",
                field="amount",
            )
        refund = Refund.objects.create(order=order, amount=amount, reason=reason, actor=actor)
        fully = amount == refundable
        order.payment_status = (
            PaymentStatus.FULLY_REFUNDED if fully else PaymentStatus.PARTIALLY_REFUNDED
        )
        order_touch(order=order, fields=["payment_status"])
        activity_record(
            order=order,
            type=ActivityType.ORDER_REFUNDED,
            actor=actor,
            details={"refundId": str(refund.id), "amount": str(amount), "reason": reason},
        )
        event_emit(
            order=order,
            event_type=EventType.ORDER_REFUNDED,
            data={"refundId": str(refund.id)},
            actor=actor,
        )
    return refund


# Support's edits in the Django admin: notes, billing name and address, shipping info.
ADMIN_EDITABLE_FIELDS = (
    "buyer_note",
    "billing_first_name",
    "billing_last_name",
    "billing_address",
    "shipping_info",
)


def order_update_from_admin(*, order: Order, changes: dict[str, Any], actor) -> Order:
    """Apply support's admin edits under the order lock, with one activity per kind of change."""
    unknown = set(changes) - set(ADMIN_EDITABLE_FIELDS)
    if unknown:
        raise OrderError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        order_touch(order=locked, fields=list(changes))
        if "shipping_info" in changes:
            activity_record(
                order=locked,
                type=ActivityType.SHIPPING_ADDRESS_EDITED,
                actor=actor,
                details={"source": "admin"},
            )
        other = sorted(set(changes) - {"shipping_info"})
        if other:
            activity_record(
                order=locked,
                type=ActivityType.MERCHANT_COMMENT,
                actor=actor,
                details={"source": "admin", "edited": other},
            )
    return locked
