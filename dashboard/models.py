"""Figures the home page reads instead of counting a million orders on every visit.

The tables are maintained by PostgreSQL triggers on the order and fulfillment tables (see
`dashboard/stats.py`), so every write, whatever path it takes (services, admin, the ORM in
tests, the seed's INSERT ... SELECT), updates them in its own transaction.
"""

from __future__ import annotations

from django.db import models

from orders.models import FulfillmentStatus

STATS_ZONE_PK = 1


class OrderDay(models.Model):
    """How many visible orders placed on `day` (in the store's time zone) are in this state
    now. Hidden orders are not counted."""

    day = models.DateField()
    payment_status = models.CharField(max_length=32)
    fulfillment_status = models.CharField(max_length=32)
    archived = models.BooleanField()
    # shippingInfo.pickupDetails is set: the buyer collects the order.
    pickup = models.BooleanField()
    orders = models.IntegerField(default=0)

    class Meta:
        permissions = [
            (
                "view_team_figures",
                "Can see every packer's fulfilment figures and webhook health on the home page",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "payment_status", "fulfillment_status", "archived", "pickup"],
                name="orderday_unique_state",
            ),
        ]
        indexes = [
            # The home page's backlog, unpaid and pickup figures read only open, unarchived
            # rows: an index-only scan of those (a third of the table) instead of filtering
            # every day's every state.
            models.Index(
                fields=["payment_status", "pickup"],
                include=["day", "orders"],
                condition=models.Q(
                    fulfillment_status__in=[
                        FulfillmentStatus.NOT_FULFILLED,
                        FulfillmentStatus.PARTIALLY_FULFILLED,
                    ],
                    archived=False,
                ),
                name="orderday_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.payment_status}/{self.fulfillment_status}: {self.orders}"


class StatsZone(models.Model):
    """The time zone OrderDay.day is counted in (one row). When the store's zone changes,
    the home page rebuilds OrderDay in the new zone (`dashboard.stats.order_days_rebuild`)."""

    zone = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=STATS_ZONE_PK), name="statszone_one_row"),
        ]

    def __str__(self) -> str:
        return self.zone


class OrderShipment(models.Model):
    """When a visible order got its first fulfillment, beside when it was placed: the lead
    time the home page takes medians of. One row per order with at least one fulfillment."""

    order_id = models.UUIDField(primary_key=True)
    placed_at = models.DateTimeField()
    first_fulfilled_at = models.DateTimeField()

    class Meta:
        indexes = [
            # Index-only scans for a range of weeks.
            models.Index(
                fields=["first_fulfilled_at"],
                include=["placed_at"],
                name="ordershipment_first_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id}: {self.placed_at} -> {self.first_fulfilled_at}"
