"""Fulfillments: which line items of an order shipped together, and how to track them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils import timezone

from orders.models import FulfillmentStatus, LineItem, Order
from orders.timestamps import MillisecondDateTimeField, ms_now

MAX_FULFILLMENT_LINE_QUANTITY = 100_000
MAX_FULFILLMENT_LINE_ITEMS = 300


class Fulfillment(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfillments")
    date_created = MillisecondDateTimeField(default=ms_now)
    tracking_number = models.CharField(max_length=100, blank=True)
    shipping_provider = models.CharField(max_length=100, blank=True)
    tracking_link = models.URLField(max_length=2000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # When the buyer's shipment email is due: set, in the same INSERT, when the creating
    # request asked to notify; NULL once it was sent (or when none is wanted). A worker that
    # claims it moves it past its lease; the tasks worker's sweep sends those whose task was
    # lost (fulfillments/notify.py).
    email_due_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["order", "date_created", "id"]
        indexes = [
            # The shipment-email sweep reads only the few fulfillments with an email to send.
            models.Index(
                fields=["email_due_at"],
                condition=Q(email_due_at__isnull=False),
                name="fulfillment_email_due_idx",
            ),
            models.Index(fields=["order", "date_created"], name="fulfillment_order_idx"),
            # The orders list's search finds a tracking number, case-insensitively (iexact).
            models.Index(Upper("tracking_number"), name="fulfillment_tracking_upper_idx"),
            # Fulfillments by date: the orders list's fulfillments.dateCreated filter (the
            # home page's "Fulfilled today" link), index-only over a window.
            models.Index(
                fields=["date_created"],
                include=["order", "created_by"],
                name="fulfillment_date_idx",
            ),
        ]

    def __str__(self) -> str:
        tracking = self.tracking_number or "no tracking"
        return f"Fulfillment {tracking} ({self.shipping_provider or 'no carrier'})"


class FulfillmentLineItem(models.Model):
    fulfillment = models.ForeignKey(Fulfillment, on_delete=models.CASCADE, related_name="lines")
    line_item = models.ForeignKey(
        LineItem, on_delete=models.CASCADE, related_name="fulfillment_lines"
    )
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ["fulfillment", "line_item__index"]
        constraints = [
            models.UniqueConstraint(
                fields=["fulfillment", "line_item"], name="fulfillmentline_unique_line"
            ),
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_FULFILLMENT_LINE_QUANTITY),
                name="fulfillmentline_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_item_id} x{self.quantity}"


class PackerPreference(models.Model):
    """What a packer chose last at the packing station, offered again next time: the carrier
    (a known one, or "other" with its name and a tracking link template)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="packer_preference",
    )
    carrier = models.CharField(max_length=100, blank=True)
    carrier_name = models.CharField(max_length=100, blank=True)
    # For an "other" carrier: its tracking page, "{number}" standing for the tracking number.
    link_template = models.CharField(max_length=2000, blank=True)
    last_updated = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.carrier_name or self.carrier}"


class PackingPresence(models.Model):
    """The order a packer has open at the packing station, and since when they last looked at
    it (fulfillments/presence.py): a second packer opening it is told. In the database
    rather than a cache, so every server process sees it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="+")
    since = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["order", "since"], name="packing_presence_order_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} packing {self.order_id}"


# ---- The home page's figures (fulfillments/home/) ----
#
# Figures the home page reads instead of counting a million orders on every visit. The tables
# are maintained by PostgreSQL triggers on the order and fulfillment tables (see
# `fulfillments/home/stats.py`), so every write, whatever path it takes (services, admin, the
# ORM in tests, the seed's INSERT ... SELECT), updates them in its own transaction.

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
    the home page rebuilds OrderDay in the new zone
    (`fulfillments.home.stats.order_days_rebuild`)."""

    zone = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=STATS_ZONE_PK), name="statszone_one_row"),
        ]

    def __str__(self) -> str:
        return self.zone


class OrderShipment(models.Model):
    """When a visible order got its first fulfillment, beside when it was placed: one row per
    order with at least one fulfillment, from which LeadTimeWeek is kept (a trigger on this
    table), so that deleting an order's first fulfillment moves its lead time."""

    order_id = models.UUIDField(primary_key=True)
    placed_at = models.DateTimeField()
    first_fulfilled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.order_id}: {self.placed_at} -> {self.first_fulfilled_at}"


class ShippedDay(models.Model):
    """How many visible orders got at least one fulfillment on `day` (store time): the
    "shipped" bars of the home page's chart and its "Fulfilled today"."""

    day = models.DateField(unique=True)
    orders = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.day}: {self.orders} orders shipped"


class PackerDay(models.Model):
    """How many fulfillments of visible orders `packer` created on `day` (store time); no
    packer: fulfillments nobody signed in made (imports, the API without a user)."""

    day = models.DateField()
    packer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        related_name="+",
    )
    fulfillments = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "packer"], name="packerday_unique", nulls_distinct=False
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.packer_id}: {self.fulfillments}"


class LeadTimeWeek(models.Model):
    """A histogram of lead times (order placed to its first fulfillment) per week of the
    first fulfillment (Monday, store time): how many orders fall in each bucket. `minutes` is
    the bucket's lower bound: whole minutes under a day, whole hours (in minutes) from a day
    on, the resolution the home page shows durations in (`home_lead_bucket` in
    fulfillments/home/stats.py)."""

    week = models.DateField()
    minutes = models.IntegerField()
    orders = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["week", "minutes"], name="leadtimeweek_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.week} {self.minutes} min: {self.orders}"
