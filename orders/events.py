"""Webhook events (spec: "Webhooks"). Services call `event_emit` inside their transaction so an
event exists exactly when its change committed (the outbox pattern).

Until the webhooks issue lands this records nothing.
"""

from __future__ import annotations

from typing import Any


class EventType:
    ORDER_CREATED = "wix.stores.v2.orders_order-created"
    ORDER_PAID = "OrderPaid"
    ORDER_CANCELED = "OrderCanceled"
    ORDER_REFUNDED = "OrderRefunded"
    FULFILLMENT_CREATED = "FulfillmentCreated"
    FULFILLMENT_UPDATED = "FulfillmentUpdated"
    FULFILLMENT_DELETED = "FulfillmentDeleted"


def event_emit(*, order, event_type: str, data: dict[str, Any] | None = None, actor=None) -> None:
    """Write the event for `order` to the outbox; must run inside the change's transaction."""
    return None
