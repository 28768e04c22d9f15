"""The maintained figures (OrderDay, ShippedDay, PackerDay, OrderShipment, LeadTimeWeek) stay
equal to a recount from the orders and fulfillments after every kind of write, whichever path
makes it."""

from __future__ import annotations

import math
import random
import statistics
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.db.models import F

from fulfillments.home.selectors import lead_times
from fulfillments.home.stats import figures_rebuild, order_shipments_rebuild
from fulfillments.models import (
    Fulfillment,
    LeadTimeWeek,
    OrderDay,
    OrderShipment,
    PackerDay,
    ShippedDay,
    StatsZone,
)
from fulfillments.services import fulfillment_bulk_create, fulfillment_create, fulfillment_delete
from orders.models import FulfillmentStatus, Order, PaymentStatus
from orders.services import order_cancel, order_mark_paid, order_refund
from tests.factories import make_order
from tests.fulfillments.test_concurrency import run_concurrently

pytestmark = pytest.mark.django_db


def recount(zone: str = "UTC") -> dict[tuple, int]:
    """OrderDay as a GROUP BY over the visible orders would give it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (date_created AT TIME ZONE %s)::date, payment_status, fulfillment_status,"
            " archived, COALESCE(jsonb_typeof(shipping_info -> 'pickupDetails') = 'object',"
            " false), count(*) FROM orders_order WHERE NOT hidden GROUP BY 1, 2, 3, 4, 5",
            [zone],
        )
        return {tuple(row[:5]): row[5] for row in cursor.fetchall()}


def maintained() -> dict[tuple, int]:
    rows = OrderDay.objects.exclude(orders=0).values_list(
        "day", "payment_status", "fulfillment_status", "archived", "pickup", "orders"
    )
    return {tuple(row[:5]): row[5] for row in rows}


def shipments() -> dict:
    return {
        row.order_id: (row.placed_at, row.first_fulfilled_at) for row in OrderShipment.objects.all()
    }


def shipments_recount() -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT f.order_id, o.date_created, min(f.date_created) FROM fulfillments_fulfillment f"
            " JOIN orders_order o ON o.id = f.order_id WHERE NOT o.hidden"
            " GROUP BY f.order_id, o.date_created"
        )
        return {row[0]: (row[1], row[2]) for row in cursor.fetchall()}


def visible_fulfillments() -> list[tuple]:
    """(order id, placed, fulfilled, packer id) of every fulfillment of a visible order."""
    return list(
        Fulfillment.objects.filter(order__hidden=False).values_list(
            "order_id", "order__date_created", "date_created", "created_by_id"
        )
    )


def local_day(moment: datetime, zone: str):
    return moment.astimezone(ZoneInfo(zone)).date()


def shipped_recount(zone: str = "UTC") -> dict:
    """Visible orders with a fulfillment, per day, counted in Python from the rows."""
    pairs = {(order, local_day(when, zone)) for order, _, when, _ in visible_fulfillments()}
    days: dict = {}
    for _, day in pairs:
        days[day] = days.get(day, 0) + 1
    return days


def shipped_maintained() -> dict:
    return dict(ShippedDay.objects.exclude(orders=0).values_list("day", "orders"))


def packers_recount(zone: str = "UTC") -> dict:
    counts: dict = {}
    for _, _, when, packer in visible_fulfillments():
        key = (local_day(when, zone), packer)
        counts[key] = counts.get(key, 0) + 1
    return counts


def packers_maintained() -> dict:
    rows = PackerDay.objects.exclude(fulfillments=0).values_list("day", "packer_id", "fulfillments")
    return {(day, packer): n for day, packer, n in rows}


def bucket(lead: timedelta) -> int:
    """The histogram's bucket (minutes, lower bound) of a lead time, as documented: whole
    minutes under a day (negative as 0), whole hours from a day on."""
    seconds = lead.total_seconds()
    if seconds < 86400:
        return max(math.floor(seconds / 60), 0)
    return math.floor(seconds / 3600) * 60


def first_fulfilments() -> dict:
    """Per visible order with a fulfillment: (placed, first fulfilled), from the rows."""
    firsts: dict = {}
    for order, placed, when, _ in visible_fulfillments():
        if order not in firsts or when < firsts[order][1]:
            firsts[order] = (placed, when)
    return firsts


def week_of(moment: datetime, zone: str):
    day = local_day(moment, zone)
    return day - timedelta(days=day.weekday())


def lead_weeks_recount(zone: str = "UTC") -> dict:
    counts: dict = {}
    for placed, first in first_fulfilments().values():
        key = (week_of(first, zone), bucket(first - placed))
        counts[key] = counts.get(key, 0) + 1
    return counts


def lead_weeks_maintained() -> dict:
    rows = LeadTimeWeek.objects.exclude(orders=0).values_list("week", "minutes", "orders")
    return {(week, minutes): n for week, minutes, n in rows}


def assert_consistent(zone: str = "UTC") -> None:
    assert maintained() == recount(zone)
    assert shipments() == shipments_recount()
    assert shipped_maintained() == shipped_recount(zone)
    assert packers_maintained() == packers_recount(zone)
    assert lead_weeks_maintained() == lead_weeks_recount(zone)


def test_stats_follow_every_kind_of_write(owner, packer):
    paid = make_order(lines=2, payment_status=PaymentStatus.PAID)
    unpaid = make_order(lines=1, payment_status=PaymentStatus.NOT_PAID)
    other = make_order(lines=1, payment_status=PaymentStatus.PAID)
    assert_consistent()
    assert sum(maintained().values()) == 3

    first = fulfillment_create(order=paid, lines=[(1, 1)], tracking=None, actor=packer)
    assert_consistent()
    fulfillment_create(order=paid, lines=[(2, 1)], tracking=None, actor=packer)
    assert_consistent()
    assert OrderShipment.objects.get(order_id=paid.pk).first_fulfilled_at == first.date_created

    fulfillment_delete(order=paid, fulfillment_id=first.pk, actor=packer)
    assert_consistent()
    order_mark_paid(order=unpaid, actor=owner)
    assert_consistent()
    order_cancel(order=other, actor=owner)
    assert_consistent()
    order_refund(order=unpaid, amount=Decimal("1.00"), actor=owner)
    assert_consistent()

    # Writes that bypass the services: the ORM, bulk updates, deletes, hiding, redating.
    Order.objects.filter(pk=unpaid.pk).update(archived=True)
    Order.objects.filter(pk=paid.pk).update(date_created=datetime(2025, 1, 1, tzinfo=UTC))
    assert_consistent()
    Order.objects.filter(pk=paid.pk).update(hidden=True)
    assert_consistent()
    assert paid.pk not in shipments()
    Order.objects.filter(pk=paid.pk).update(hidden=False)
    assert_consistent()
    Order.objects.filter(pk=paid.pk).delete()
    assert_consistent()
    assert not OrderShipment.objects.filter(order_id=paid.pk).exists()
    Order.objects.all().delete()
    assert maintained() == {}
    assert shipments() == {}


def test_stats_pickup_orders_are_keyed_as_pickup():
    order = make_order(lines=1)
    Order.objects.filter(pk=order.pk).update(
        shipping_info={"pickupDetails": {"pickupInstructions": "Back door"}}
    )
    assert_consistent()
    assert OrderDay.objects.exclude(orders=0).get().pickup is True


def test_stats_bulk_statements_aggregate_into_one_upsert():
    orders = [make_order(lines=1) for _ in range(5)]
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        payment_status=PaymentStatus.PAID, fulfillment_status=FulfillmentStatus.FULFILLED
    )
    assert_consistent()
    assert maintained() == {
        (orders[0].date_created.date(), "PAID", "FULFILLED", False, False): 5,
    }


def test_stats_rebuild_in_another_zone_and_back(packer):
    late = make_order(lines=1, date_created=datetime(2026, 11, 28, 23, 30, tzinfo=UTC))
    Fulfillment.objects.create(
        order=late, date_created=late.date_created + timedelta(hours=1), created_by=packer
    )
    figures_rebuild(zone="Asia/Tokyo")
    assert StatsZone.objects.get().zone == "Asia/Tokyo"
    assert_consistent("Asia/Tokyo")
    assert OrderDay.objects.get().day.isoformat() == "2026-11-29"
    # 00:30 UTC on Sunday the 29th is 09:30 in Tokyo, still Sunday: the week of Monday the 23rd.
    assert ShippedDay.objects.get().day.isoformat() == "2026-11-29"
    assert LeadTimeWeek.objects.get().week.isoformat() == "2026-11-23"
    # New writes count in the zone the tables were built in: Monday the 30th in Tokyo.
    order = make_order(lines=1, date_created=datetime(2026, 11, 29, 16, 0, tzinfo=UTC))
    Fulfillment.objects.create(
        order=order, date_created=datetime(2026, 11, 29, 15, 30, tzinfo=UTC), created_by=packer
    )
    assert_consistent("Asia/Tokyo")
    assert lead_weeks_maintained()[(datetime(2026, 11, 30).date(), 0)] == 1
    figures_rebuild(zone="UTC")
    OrderShipment.objects.all().delete()
    order_shipments_rebuild()
    assert_consistent()


def test_keeping_up_follows_service_writes(owner, packer):
    """Fulfilments, deletions (the first one too), payments, cancellations, refunds, bulk
    creates, archiving and hiding, through the services, against a recount after each."""
    other = User.objects.create_user(username="other-packer")
    orders = [make_order(lines=3, payment_status=PaymentStatus.PAID) for _ in range(4)]
    first = fulfillment_create(order=orders[0], lines=[(1, 1)], tracking=None, actor=packer)
    assert_consistent()
    second = fulfillment_create(order=orders[0], lines=[(2, 1)], tracking=None, actor=other)
    assert_consistent()
    assert shipped_maintained() == {first.date_created.date(): 1}
    assert packers_maintained() == {
        (first.date_created.date(), packer.pk): 1,
        (first.date_created.date(), other.pk): 1,
    }
    # Deleting the first fulfillment moves the order's lead time to the second's.
    before = OrderShipment.objects.get(order_id=orders[0].pk).first_fulfilled_at
    Fulfillment.objects.filter(pk=first.pk).update(
        date_created=F("date_created") - timedelta(days=2)
    )
    assert_consistent()
    fulfillment_delete(order=orders[0], fulfillment_id=first.pk, actor=packer)
    assert_consistent()
    assert OrderShipment.objects.get(order_id=orders[0].pk).first_fulfilled_at == (
        second.date_created
    )
    assert before == first.date_created
    # Deleting the last one takes the order off every keeping-up figure.
    fulfillment_delete(order=orders[0], fulfillment_id=second.pk, actor=other)
    assert_consistent()
    assert shipped_maintained() == {} and lead_weeks_maintained() == {}

    results = fulfillment_bulk_create(
        items=[(order.pk, [{"lines": [(1, 1)]}, {"remaining": True}]) for order in orders[1:]],
        actor=packer,
    )
    assert all(result.success for result in results)
    assert_consistent()
    assert sum(shipped_maintained().values()) == 3
    assert sum(packers_maintained().values()) == 6

    order_mark_paid(order=make_order(lines=1, payment_status=PaymentStatus.NOT_PAID), actor=owner)
    order_cancel(order=make_order(lines=1, payment_status=PaymentStatus.PAID), actor=owner)
    order_refund(order=orders[1], amount=Decimal("1.00"), actor=owner)
    assert_consistent()
    Order.objects.filter(pk=orders[2].pk).update(archived=True)
    assert_consistent()
    Order.objects.filter(pk__in=[orders[2].pk, orders[3].pk]).update(hidden=True)
    assert_consistent()
    assert sum(shipped_maintained().values()) == 1
    Order.objects.filter(pk=orders[3].pk).update(hidden=False)
    assert_consistent()
    # A user deleted: their fulfillments stay, signed by nobody.
    packer.delete()
    assert_consistent()
    assert {key[1] for key in packers_maintained()} == {None}


def test_keeping_up_follows_multi_row_statements(packer):
    """One INSERT, UPDATE or DELETE of many fulfillments over several orders, days and
    packers (two of an order on one day, one beside an existing one) is one aggregated
    upsert per table, equal to a recount."""
    other = User.objects.create_user(username="other-packer")
    now = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    orders = [make_order(lines=1, date_created=now - timedelta(days=9)) for _ in range(6)]
    Fulfillment.objects.create(order=orders[0], date_created=now - timedelta(days=1))
    assert_consistent()
    rows = [
        Fulfillment(
            order=order,
            date_created=now - timedelta(days=n % 3, minutes=n),
            created_by=packer if n % 2 else other,
        )
        for n, order in enumerate([*orders, orders[1], orders[0]])
    ]
    random.Random(4).shuffle(rows)
    Fulfillment.objects.bulk_create(rows)
    assert_consistent()
    Fulfillment.objects.filter(order__in=orders[:3]).update(
        date_created=F("date_created") - timedelta(days=8)
    )
    assert_consistent()
    Fulfillment.objects.filter(created_by=other).update(created_by=packer)
    assert_consistent()
    Fulfillment.objects.filter(order=orders[4]).update(order=orders[5])
    assert_consistent()
    Fulfillment.objects.filter(date_created__gte=now - timedelta(days=1)).delete()
    assert_consistent()
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(
        date_created=F("date_created") + timedelta(days=30)
    )
    assert_consistent()
    Order.objects.filter(pk__in=[o.pk for o in orders[:4]]).delete()
    assert_consistent()


def test_keeping_up_counts_fulfillments_written_before_their_order():
    # Foreign keys are checked at commit: an import may write the fulfillment first.
    order = make_order(lines=1)
    placed = order.date_created
    Order.objects.filter(pk=order.pk).delete()
    shipped = placed + timedelta(hours=5)
    Fulfillment.objects.create(order_id=order.pk, date_created=shipped)
    assert shipped_maintained() == {}
    Order.objects.create(id=order.pk, date_created=placed)
    assert_consistent()
    # Counted in the week of the fulfilment (a Sunday evening's order ships on Monday).
    assert lead_weeks_maintained() == {(week_of(shipped, "UTC"), 300): 1}


@pytest.mark.parametrize(
    "leads",
    [
        # Odd count: the middle one.
        [timedelta(seconds=30), timedelta(minutes=59, seconds=59), timedelta(hours=3, seconds=9)],
        # Even count: the mean of the two middle buckets, as percentile_cont does.
        [timedelta(minutes=10), timedelta(minutes=21, seconds=50), timedelta(hours=2)] * 2
        + [timedelta(hours=1)] * 2,
        # From a day on, whole hours; a negative lead (an order redated) counts as 0.
        [timedelta(days=1, hours=2, minutes=59), timedelta(days=5), -timedelta(hours=2)],
        [timedelta(days=n, hours=n, minutes=7 * n) for n in range(1, 12)],
    ],
)
def test_median_lead_time_from_the_histogram(leads):
    week = datetime(2026, 11, 23, tzinfo=UTC)
    for n, lead in enumerate(leads):
        first = week + timedelta(days=n % 7, hours=n)
        order = make_order(lines=1, date_created=first - lead)
        Fulfillment.objects.create(order=order, date_created=first)
        Fulfillment.objects.create(order=order, date_created=first + timedelta(hours=1))
    assert_consistent()

    median, count = lead_times(week.date(), 1)[week.date()]

    assert count == len(leads)
    # From scratch: the median of the bucketed lead times...
    assert median == timedelta(minutes=statistics.median(bucket(lead) for lead in leads))
    # ...which is the exact median to the resolution the page shows durations in.
    exact = statistics.median(leads)
    resolution = timedelta(minutes=1) if exact < timedelta(days=1) else timedelta(hours=1)
    assert abs(median - max(exact, timedelta(0))) < resolution


@pytest.mark.django_db(transaction=True)
def test_concurrent_multi_row_statements_on_the_same_days_do_not_deadlock():
    """Several transactions insert fulfillments of their own orders for the same three days
    and two packers at once, each listing its rows in another order, then update their
    orders: the sorted, statement-level upserts queue on the shared day rows instead of
    taking them crosswise."""
    packers = [User.objects.create_user(username=f"racer{n}") for n in range(2)]
    now = datetime.now(UTC)
    threads = 4
    owned = [[make_order(lines=1) for _ in range(5)] for _ in range(threads)]

    def work(i: int) -> int:
        rows = [
            Fulfillment(
                order=order,
                date_created=now - timedelta(days=(n + day) % 3),
                created_by=packers[(n + i) % 2],
            )
            for n, order in enumerate(owned[i])
            for day in range(3)
        ]
        random.Random(i).shuffle(rows)
        with transaction.atomic():
            Fulfillment.objects.bulk_create(rows)
            Order.objects.filter(pk__in=[o.pk for o in owned[i]]).update(
                fulfillment_status=FulfillmentStatus.FULFILLED
            )
        return len(rows)

    results = run_concurrently(work, threads)

    assert results == [15] * threads
    assert_consistent()
    assert sum(shipped_maintained().values()) == 3 * 5 * threads
