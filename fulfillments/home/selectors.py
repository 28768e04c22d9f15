"""Reads for the home page: the backlog, keeping-up series, packer figures and webhook health,
each in one query whatever the number of orders.

The backlog and its siblings are defined once here as query-language filters (`FIGURES`); the
counts come from `OrderDay` with the same conditions, and every number links to the orders list
with its filter, so what the home page counts is what the list shows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AnonymousUser, User
from django.db import connection
from django.db.models import (
    Count,
    FilteredRelation,
    Q,
    Sum,
)
from django.urls import reverse
from django.utils import timezone

from fulfillments.home.stats import figures_rebuild, store_zone_name
from fulfillments.models import STATS_ZONE_PK, OrderDay, PackerDay, ShippedDay, StatsZone
from orders.models import FulfillmentStatus, PaymentStatus
from orders.webhooks.models import WebhookDeliveryStatus, WebhookEndpoint

PAID = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_PAID)
UNPAID = (PaymentStatus.NOT_PAID, PaymentStatus.PENDING)
OPEN = (FulfillmentStatus.NOT_FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED)

# Waiting to ship: paid or partly paid, not (fully) fulfilled, not canceled (CANCELED is a
# fulfillment status), not archived. A derived NOT/PARTIALLY_FULFILLED means something
# shippable is left: an order with nothing left to ship is FULFILLED.
BACKLOG_FILTER: dict[str, Any] = {
    "paymentStatus": {"$hasSome": list(PAID)},
    "fulfillmentStatus": {"$hasSome": list(OPEN)},
    "archived": False,
}
UNPAID_FILTER: dict[str, Any] = {
    "paymentStatus": {"$hasSome": list(UNPAID)},
    "fulfillmentStatus": {"$hasSome": list(OPEN)},
    "archived": False,
}
# Pickup orders waiting to be collected: open and unarchived, whatever their payment (buyers
# may pay at the counter).
PICKUP_FILTER: dict[str, Any] = {
    "shippingInfo.pickup": True,
    "fulfillmentStatus": {"$hasSome": list(OPEN)},
    "archived": False,
}
# OrderDay rows of open, unarchived orders: the backlog (PAID), unpaid orders waiting (UNPAID)
# and pickup orders waiting to be collected (pickup, whatever their payment: buyers may pay at
# the counter) are all among them.
OPEN_Q = Q(fulfillment_status__in=OPEN, archived=False)

CHART_DAYS = 30
CHART_WEEKS = 12
# Webhook deliveries are retried for a day at most; a week shows what failed lately.
WEBHOOK_WINDOW = timedelta(days=7)


def list_url(spec: dict[str, Any]) -> str:
    """The orders list filtered by `spec` (the list's `filter=` parameter)."""
    return reverse("orders:list") + "?" + urlencode({"filter": json.dumps(spec)})


def iso(value: datetime) -> str:
    return value.isoformat()


@dataclass
class Figure:
    label: str
    count: int
    url: str | None = None
    # The query-language filter the count agrees with (None: the list cannot express it).
    filter: dict[str, Any] | None = None


@dataclass
class DayPoint:
    day: date
    placed: int
    shipped: int


@dataclass
class WeekPoint:
    week: date
    median: timedelta | None
    orders: int
    label: str = ""


@dataclass
class PackerRow:
    name: str
    today: int
    week: int


@dataclass
class EndpointHealth:
    pk: int
    name: str
    failed: int
    retrying: int


@dataclass
class HomeFigures:
    zone: str
    now: datetime
    today: date
    week_start: date
    backlog: Figure
    buckets: list[Figure]
    unpaid: Figure
    pickup: Figure
    fulfilled_today: Figure
    days: list[DayPoint]
    weeks: list[WeekPoint]
    packers: list[PackerRow] | None = None
    packers_everyone: bool = False
    webhooks: list[EndpointHealth] | None = None


def midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of `day` in `zone` (on a day that starts with a DST gap, the gap's
    end, as PostgreSQL's `AT TIME ZONE` reckons local dates)."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(ZoneInfo("UTC")).astimezone(zone)


def _stats_zone_current(zone: str) -> None:
    """The figure tables count days in the zone they were built in; rebuild them if the
    store's changed."""
    built = StatsZone.objects.filter(pk=STATS_ZONE_PK).values_list("zone", flat=True).first()
    if built != zone:
        figures_rebuild(zone=zone)


def backlog_figures(today: date, zone: ZoneInfo) -> tuple[Figure, list[Figure], Figure, Figure]:
    """The backlog (total and by age: placed today, yesterday, 2-3 days ago, older), unpaid
    orders waiting and pickup orders waiting, in one query over OrderDay."""
    yesterday, three_days = today - timedelta(days=1), today - timedelta(days=3)
    # Every figure here is about open, unarchived orders: filter those rows first, then one
    # small group per (payment status, pickup) with the age buckets summed alongside.
    groups = (
        OrderDay.objects.filter(OPEN_Q)
        .order_by()
        .values("payment_status", "pickup")
        .annotate(
            total=Sum("orders"),
            today=Sum("orders", filter=Q(day__gte=today), default=0),
            yesterday=Sum("orders", filter=Q(day=yesterday), default=0),
            recent=Sum("orders", filter=Q(day__gte=three_days, day__lt=yesterday), default=0),
            older=Sum("orders", filter=Q(day__lt=three_days), default=0),
        )
    )
    sums = dict.fromkeys(
        ("backlog", "today", "yesterday", "recent", "older", "unpaid", "pickup"), 0
    )
    for group in groups:
        if group["payment_status"] in PAID:
            sums["backlog"] += group["total"]
            for key in ("today", "yesterday", "recent", "older"):
                sums[key] += group[key]
        elif group["payment_status"] in UNPAID:
            sums["unpaid"] += group["total"]
        if group["pickup"]:
            sums["pickup"] += group["total"]
    starts = {d: iso(midnight(d, zone)) for d in (today, yesterday, three_days)}
    ranges = [
        ("Placed today", "today", {"$gte": starts[today]}),
        ("Yesterday", "yesterday", {"$gte": starts[yesterday], "$lt": starts[today]}),
        ("2-3 days ago", "recent", {"$gte": starts[three_days], "$lt": starts[yesterday]}),
        ("Older", "older", {"$lt": starts[three_days]}),
    ]
    buckets = []
    for label, key, dates in ranges:
        spec = {**BACKLOG_FILTER, "dateCreated": dates}
        buckets.append(Figure(label, sums[key], list_url(spec), spec))
    backlog = Figure("Waiting to ship", sums["backlog"], list_url(BACKLOG_FILTER), BACKLOG_FILTER)
    unpaid = Figure("Unpaid, waiting", sums["unpaid"], list_url(UNPAID_FILTER), UNPAID_FILTER)
    pickup = Figure(
        "Pickup, waiting to be collected", sums["pickup"], list_url(PICKUP_FILTER), PICKUP_FILTER
    )
    return backlog, buckets, unpaid, pickup


def placed_per_day(first: date) -> dict[date, int]:
    rows = (
        OrderDay.objects.filter(day__gte=first)
        .values("day")
        .annotate(placed=Sum("orders"))
        .values_list("day", "placed")
    )
    return dict(rows)


def shipped_per_day(first: date) -> dict[date, int]:
    """Visible orders that got a fulfillment, per day (store time) from `first` (ShippedDay)."""
    rows = ShippedDay.objects.filter(day__gte=first).values_list("day", "orders")
    return dict(rows)


def lead_times(first_week: date, weeks: int) -> dict[date, tuple[timedelta, int]]:
    """Per week (Monday, store time) from `first_week`, the median time from order to first
    fulfillment of the orders first fulfilled that week, and how many there were, read from
    the LeadTimeWeek histogram: percentile_cont(0.5) of the lead times as their buckets
    give them (`stats.LEAD_BUCKET`: to the minute under a day, to the hour from a day on).

    One row per week: the running count over its buckets finds the bucket of the middle
    order (the two middle ones for an even count, averaged as percentile_cont does)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT week, total,"
            " min(minutes) FILTER (WHERE upto >= (total + 1) / 2),"
            " min(minutes) FILTER (WHERE upto >= total / 2 + 1)"
            " FROM (SELECT week, minutes,"
            "  sum(orders) OVER (PARTITION BY week ORDER BY minutes) AS upto,"
            "  sum(orders) OVER (PARTITION BY week) AS total"
            "  FROM fulfillments_leadtimeweek"
            "  WHERE week >= %s AND week < %s AND orders <> 0) AS running"
            " GROUP BY week, total",
            [first_week, first_week + timedelta(weeks=weeks)],
        )
        return {
            week: (timedelta(minutes=(low + high) / 2), total)
            for week, total, low, high in cursor.fetchall()
        }


def packer_rows(
    user: User | AnonymousUser,
    *,
    everyone: bool,
    today: date,
    week_start: date,
) -> list[PackerRow]:
    """Fulfillments created today and this week, per user (only `user`'s unless `everyone`),
    from PackerDay (fulfillments of visible orders per day and packer)."""
    rows = PackerDay.objects.filter(day__gte=week_start)
    if not everyone:
        rows = rows.filter(packer_id=user.pk)
    counted = (
        rows.values("packer_id", "packer__username")
        .annotate(
            today=Sum("fulfillments", filter=Q(day__gte=today), default=0),
            week=Sum("fulfillments"),
        )
        .filter(week__gt=0)
        .order_by("-week", "packer__username")
    )
    result = [
        PackerRow(row["packer__username"] or "Unknown (imported)", row["today"], row["week"])
        for row in counted
    ]
    if not everyone and not result:
        result = [PackerRow(user.get_username(), 0, 0)]
    return result


def webhook_health(now: datetime) -> list[EndpointHealth]:
    """Endpoints with deliveries that failed in the last week or wait for a retry."""
    since = now - WEBHOOK_WINDOW
    endpoints = (
        WebhookEndpoint.objects.annotate(
            recent=FilteredRelation("deliveries", condition=Q(deliveries__created__gte=since))
        )
        .annotate(
            failed=Count("recent", filter=Q(recent__status=WebhookDeliveryStatus.FAILED)),
            retrying=Count(
                "recent",
                filter=Q(recent__status=WebhookDeliveryStatus.PENDING, recent__attempts__gt=0),
            ),
        )
        .filter(Q(failed__gt=0) | Q(retrying__gt=0))
        .order_by("created", "id")
    )
    return [EndpointHealth(e.pk, e.description or e.url, e.failed, e.retrying) for e in endpoints]


def home_figures(user: User | AnonymousUser, *, now: datetime | None = None) -> HomeFigures:
    """Everything the home page shows `user` (who may view orders), in a fixed number of
    queries. Day and week boundaries are the store's time zone."""
    zone_name = store_zone_name()
    zone = ZoneInfo(zone_name)
    now = (now or timezone.now()).astimezone(zone)
    today = now.date()
    week_start = today - timedelta(days=today.weekday())
    _stats_zone_current(zone_name)
    backlog, buckets, unpaid, pickup = backlog_figures(today, zone)

    first_day = today - timedelta(days=CHART_DAYS - 1)
    placed = placed_per_day(first_day)
    shipped = shipped_per_day(first_day)
    days = [
        DayPoint(day, placed.get(day, 0), shipped.get(day, 0))
        for day in (first_day + timedelta(days=n) for n in range(CHART_DAYS))
    ]
    first_week = week_start - timedelta(weeks=CHART_WEEKS - 1)
    medians = lead_times(first_week, CHART_WEEKS)
    weeks = []
    for n in range(CHART_WEEKS):
        week = first_week + timedelta(weeks=n)
        median, orders = medians.get(week, (None, 0))
        weeks.append(WeekPoint(week, median, orders))
    today_range = {"$gte": iso(midnight(today, zone))}
    today_range["$lt"] = iso(midnight(today + timedelta(days=1), zone))
    fulfilled_spec = {"fulfillments.dateCreated": today_range}
    fulfilled_today = Figure(
        "Fulfilled today", shipped.get(today, 0), list_url(fulfilled_spec), fulfilled_spec
    )

    figures = HomeFigures(
        zone=zone_name,
        now=now,
        today=today,
        week_start=week_start,
        backlog=backlog,
        buckets=buckets,
        unpaid=unpaid,
        pickup=pickup,
        fulfilled_today=fulfilled_today,
        days=days,
        weeks=weeks,
    )
    everyone = user.has_perm("fulfillments.view_team_figures")
    if everyone or user.has_perm("fulfillments.add_fulfillment"):
        figures.packers_everyone = everyone
        figures.packers = packer_rows(
            user,
            everyone=everyone,
            today=today,
            week_start=week_start,
        )
    if user.has_perm("orders.view_webhookendpoint"):
        figures.webhooks = webhook_health(now)
    return figures
