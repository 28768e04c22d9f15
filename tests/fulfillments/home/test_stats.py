"""The maintained figures (OrderDay, OrderShipment) stay equal to a recount from the orders
after every kind of write, whichever path makes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection

from fulfillments.home.stats import order_days_rebuild, order_shipments_rebuild
from fulfillments.models import Fulfillment, OrderDay, OrderShipment, StatsZone
from fulfillments.services import fulfillment_create, fulfillment_delete
from orders.models import FulfillmentStatus, Order, PaymentStatus
from orders.services import order_cancel, order_mark_paid, order_refund
from tests.factories import make_order

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


def assert_consistent() -> None:
    assert maintained() == recount()
    assert shipments() == shipments_recount()


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


def test_stats_rebuild_in_another_zone_and_back():
    late = make_order(lines=1, date_created=datetime(2026, 11, 28, 23, 30, tzinfo=UTC))
    Fulfillment.objects.create(order=late, date_created=late.date_created + timedelta(hours=1))
    order_days_rebuild(zone="Asia/Tokyo")
    assert StatsZone.objects.get().zone == "Asia/Tokyo"
    assert maintained() == recount("Asia/Tokyo")
    assert OrderDay.objects.get().day.isoformat() == "2026-11-29"
    # New writes count in the zone the table was built in.
    make_order(lines=1, date_created=datetime(2026, 11, 29, 16, 0, tzinfo=UTC))
    assert maintained() == recount("Asia/Tokyo")
    order_days_rebuild(zone="UTC")
    OrderShipment.objects.all().delete()
    order_shipments_rebuild()
    assert_consistent()
