"""The order page's activity timeline: activity rows grouped so that one change reads as one
line ("Shipped line 1 x 2 · tracking UPS 1Z999 · order fulfilled, by packer")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from fulfillments.carriers import carrier_name
from fulfillments.notify import PICKUP_EMAIL_FAILED, PICKUP_EMAIL_QUEUED
from orders.models import Activity, ActivityType

# Rows one change writes carry (almost) the same time and the same actor.
SAME_CHANGE = timedelta(seconds=2)
TIMES = "\N{MULTIPLICATION SIGN}"

LABELS: dict[str, str] = {
    ActivityType.ORDER_PLACED: "Order placed",
    ActivityType.ORDER_PAID: "Paid",
    ActivityType.ORDER_PARTIALLY_PAID: "Partly paid",
    ActivityType.ORDER_FULFILLED: "order fulfilled",
    ActivityType.ORDER_NOT_FULFILLED: "order not fulfilled",
    ActivityType.FULFILLMENT_DELETED: "Fulfillment deleted",
    ActivityType.TRACKING_NUMBER_EDITED: "Tracking changed",
    ActivityType.SHIPPING_CONFIRMATION_EMAIL_SENT: "shipment email sent to the buyer",
    ActivityType.SHIPPING_ADDRESS_EDITED: "Shipping address edited",
    ActivityType.EMAIL_EDITED: "Buyer email edited",
    ActivityType.ORDER_CANCELED: "Order canceled",
    ActivityType.ORDER_REFUNDED: "Refunded",
    ActivityType.ORDER_ARCHIVED: "Archived",
    ActivityType.ORDER_UNARCHIVED: "Unarchived",
}


PICKUP_EMAIL_NOTES = {
    PICKUP_EMAIL_QUEUED: "email to the buyer queued",
    PICKUP_EMAIL_FAILED: "the email to the buyer could not be sent",
}


@dataclass
class TimelineEntry:
    """One line of the timeline: the first row's time and actor, and a part per row."""

    first: Activity
    rows: list[Activity] = field(default_factory=list)

    @property
    def timestamp(self):
        return self.first.timestamp

    @property
    def actor(self):
        return self.first.actor

    @property
    def types(self) -> str:
        return " ".join(row.type for row in self.rows)

    @property
    def text(self) -> str:
        types = {row.type for row in self.rows}
        parts = []
        for row in self.rows:
            part = _describe(row, types)
            if part and part not in parts:
                parts.append(part)
        text = " · ".join(parts)
        return text[:1].upper() + text[1:]


def _lines(details: dict) -> str:
    lines = details.get("lineItems") or []
    return ", ".join(
        f"line {line.get('index')} {TIMES} {line.get('quantity')}"
        for line in lines
        if "index" in line
    )


def _tracking(details: dict) -> str:
    carrier = carrier_name(details.get("shippingProvider"))
    return " ".join(part for part in (carrier, details.get("trackingNumber") or "") if part)


def _describe(row: Activity, types: set[str]) -> str:
    details = row.details if isinstance(row.details, dict) else {}
    if row.type == ActivityType.FULFILLMENT_CREATED:
        lines = _lines(details)
        return f"Shipped {lines}" if lines else "Shipped"
    if row.type == ActivityType.TRACKING_NUMBER_ADDED:
        tracking = _tracking(details)
        return f"tracking {tracking}" if tracking else "tracking added"
    if row.type == ActivityType.TRACKING_LINK_WAS_SET:
        # The link follows from the number; it is news only when set on its own.
        added = {ActivityType.TRACKING_NUMBER_ADDED, ActivityType.TRACKING_NUMBER_EDITED}
        return "" if types & added else "Tracking link set"
    if row.type == ActivityType.TRACKING_NUMBER_EDITED:
        tracking = _tracking(details)
        return f"Tracking changed to {tracking}" if tracking else "Tracking changed"
    if row.type == ActivityType.PICKUP_READY_EMAIL_SENT:
        # Marked ready records it; the tasks worker sends the email (fulfillments/notify.py).
        delivery = PICKUP_EMAIL_NOTES.get(str(details.get("delivery")), "email sent to the buyer")
        return f"Ready for pickup · {delivery}"
    if row.type == ActivityType.ORDER_REFUNDED and details.get("amount"):
        return f"Refunded {details['amount']}"
    return LABELS.get(row.type) or row.get_type_display()


def timeline(activities: Iterable[Activity]) -> list[TimelineEntry]:
    """Activities (oldest first) grouped into entries: consecutive rows by the same actor
    within SAME_CHANGE of the entry's first row are one change."""
    entries: list[TimelineEntry] = []
    for row in activities:
        last = entries[-1] if entries else None
        if (
            last is not None
            and row.actor_id == last.first.actor_id
            and row.timestamp - last.first.timestamp <= SAME_CHANGE
            and row.type != ActivityType.ORDER_PLACED
        ):
            last.rows.append(row)
        else:
            entries.append(TimelineEntry(first=row, rows=[row]))
    return entries
