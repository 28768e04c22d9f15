"""Who has which order open at the packing station, so a second packer opening it is told.

Each look at an order in pack mode (a GET: opening it, scanning its items) records the packer
on it; going back to the empty scan box clears that. A record older than PRESENCE_MINUTES, or
one whose packer has shipped from the order since, no longer counts. Nothing here runs on the
write path (shipping): a parcel shipped is seen in the order's fulfillments, already read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.models import User
from django.utils import timezone

from fulfillments.models import Fulfillment, PackingPresence
from orders.models import Order

# A packer on a big order scans an item every minute or so; one who walked away from the
# bench without closing the order stops counting after this long.
PRESENCE_MINUTES = 15
# The shipments pack mode lists, the most recent first.
SHIPMENTS_SHOWN = 3


@dataclass(frozen=True)
class OtherPacker:
    name: str
    since: datetime


@dataclass(frozen=True)
class ShippedBefore:
    """A shipment of the order made before this look: who, when, how many units."""

    by_you: bool
    by: str
    date: datetime
    units: int
    tracking_number: str


def packer_name(user) -> str:
    """How the station names a packer: their full name, else their username."""
    if user is None:
        return "someone"
    return user.get_full_name() or user.get_username()


def presence_record(*, user: User, order: Order) -> None:
    """`user` is looking at `order` at the station now (one statement: insert or update)."""
    PackingPresence.objects.bulk_create(
        [PackingPresence(user=user, order=order, since=timezone.now())],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["order", "since"],
    )


def presence_clear(*, user: User) -> None:
    """`user` is back at the empty scan box: no order open."""
    PackingPresence.objects.filter(user=user).delete()


def others_packing(*, order: Order, user: User) -> list[OtherPacker]:
    """The other packers who have `order` open (looked at it in the last PRESENCE_MINUTES
    and shipped nothing of it since), first comer first. `order.fulfillments` must be
    prefetched (pack_queryset); one query."""
    recent = timezone.now() - timedelta(minutes=PRESENCE_MINUTES)
    rows = (
        PackingPresence.objects.filter(order=order, since__gte=recent)
        .exclude(user=user)
        .select_related("user")
        .order_by("since")
    )
    fulfillments: list[Fulfillment] = list(order.fulfillments.all())
    return [
        OtherPacker(name=packer_name(row.user), since=row.since)
        for row in rows
        if not any(
            f.created_by_id == row.user_id and f.date_created >= row.since for f in fulfillments
        )
    ]


def shipped_before(*, order: Order, user: User) -> tuple[list[ShippedBefore], int]:
    """The order's latest SHIPMENTS_SHOWN shipments, newest first, and how many earlier ones
    are not listed. From the prefetched fulfillments (with their lines and creators)."""
    fulfillments = list(order.fulfillments.all())
    shown = [
        ShippedBefore(
            by_you=f.created_by_id == user.pk,
            by=packer_name(f.created_by),
            date=f.date_created,
            units=sum(line.quantity for line in f.lines.all()),
            tracking_number=f.tracking_number,
        )
        for f in reversed(fulfillments[-SHIPMENTS_SHOWN:])
    ]
    return shown, max(len(fulfillments) - SHIPMENTS_SHOWN, 0)
