"""`manage.py seed_orders`: realistic, self-consistent orders, generated in PostgreSQL."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from fulfillments.carriers import KNOWN_CARRIER_CHOICES, carrier_link
from orders.demo import load_spec_orders
from orders.management.commands import seed_orders
from orders.management.commands.seed_orders import (
    POPULAR_PRODUCT,
    RARE_PRODUCT,
    product_id_for,
)
from orders.models import (
    ActivityType,
    ChannelType,
    FulfillmentStatus,
    Order,
    PaymentStatus,
)
from orders.selectors import order_detail_queryset
from orders.serializers import order_to_dict

pytestmark = pytest.mark.django_db

SPEC_NUMBERS = {10012, 10013, 10014, 10015, 10096, 10108, 10124}


def seed(orders: int, **options) -> str:
    out = io.StringIO()
    call_command("seed_orders", orders=orders, stdout=out, **options)
    return out.getvalue()


def generated():
    return Order.objects.exclude(number__in=SPEC_NUMBERS)


def scalar(sql: str, params=()) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# Each query counts generated orders that break one rule; all must be 0.
CONSISTENCY = {
    "totals": """
        SELECT count(*) FROM orders_order o
        WHERE o.number > 10124 AND (
            o.total <> o.subtotal + o.shipping_total + o.tax_total - o.discount_total
            OR o.subtotal <> (SELECT sum(total_price) FROM orders_lineitem WHERE order_id = o.id)
            OR o.tax_total <> (SELECT sum(tax) FROM orders_lineitem WHERE order_id = o.id)
            OR o.total_quantity <> (SELECT sum(quantity) FROM orders_lineitem
                                    WHERE order_id = o.id))
    """,
    "fulfillment status": """
        WITH lines AS (
            SELECT li.order_id, li.quantity, li.line_item_type = 'PHYSICAL' AS ships,
                   COALESCE((SELECT sum(fl.quantity) FROM fulfillments_fulfillmentlineitem fl
                             WHERE fl.line_item_id = li.id), 0) AS shipped
            FROM orders_lineitem li
        ), per_order AS (
            SELECT o.fulfillment_status AS status,
                   COALESCE(bool_and(l.shipped = l.quantity) FILTER (WHERE l.ships), true)
                       AS all_shipped,
                   bool_or(l.shipped > 0) AS any_shipped,
                   bool_or(l.shipped > l.quantity OR (l.shipped > 0 AND NOT l.ships)) AS wrong
            FROM orders_order o JOIN lines l ON l.order_id = o.id
            WHERE o.number > 10124 GROUP BY o.id
        )
        SELECT count(*) FROM per_order
        WHERE wrong
           OR (status = 'FULFILLED' AND NOT all_shipped)
           OR (status = 'PARTIALLY_FULFILLED' AND (all_shipped OR NOT any_shipped))
           OR (status IN ('NOT_FULFILLED', 'CANCELED') AND any_shipped)
    """,
    "empty fulfillments": """
        SELECT count(*) FROM fulfillments_fulfillment f
        WHERE NOT EXISTS (SELECT 1 FROM fulfillments_fulfillmentlineitem fl
                          WHERE fl.fulfillment_id = f.id)
    """,
    "tracking activity per tracked fulfillment": """
        SELECT count(*) FROM fulfillments_fulfillment f
        JOIN orders_order o ON o.id = f.order_id AND o.number > 10124
        WHERE f.tracking_number <> '' AND NOT EXISTS (SELECT 1 FROM orders_activity a
                          WHERE a.order_id = f.order_id AND a.type = 'TRACKING_NUMBER_ADDED'
                            AND a.details->>'fulfillmentId' = f.id::text)
    """,
    "creation activity per fulfillment": """
        SELECT count(*) FROM fulfillments_fulfillment f
        JOIN orders_order o ON o.id = f.order_id AND o.number > 10124
        WHERE NOT EXISTS (SELECT 1 FROM orders_activity a
                          WHERE a.order_id = f.order_id AND a.type = 'FULFILLMENT_CREATED'
                            AND a.details->>'fulfillmentId' = f.id::text)
    """,
    "last_updated is the latest activity": """
        SELECT count(*) FROM orders_order o
        WHERE o.number > 10124 AND o.last_updated <> (
            SELECT max(timestamp) FROM orders_activity a WHERE a.order_id = o.id)
    """,
    "numbers increase with the date": """
        SELECT count(*) FROM (
            SELECT date_created, lag(date_created) OVER (ORDER BY number) AS previous
            FROM orders_order WHERE number > 10124) dated
        WHERE date_created <= previous
    """,
    "paid date matches payment status": """
        SELECT count(*) FROM orders_order
        WHERE number > 10124 AND (paid_date IS NOT NULL) <> (
            payment_status IN ('PAID', 'PARTIALLY_REFUNDED', 'FULLY_REFUNDED'))
    """,
    "refunds match payment status": """
        SELECT count(*) FROM orders_order o
        WHERE o.number > 10124 AND (
            (o.payment_status IN ('PARTIALLY_REFUNDED', 'FULLY_REFUNDED'))
                <> EXISTS (SELECT 1 FROM orders_refund r WHERE r.order_id = o.id)
            OR (o.payment_status = 'FULLY_REFUNDED'
                AND o.total <> (SELECT sum(amount) FROM orders_refund WHERE order_id = o.id)))
    """,
    "line indexes are 1..n": """
        SELECT count(*) FROM (
            SELECT order_id FROM orders_lineitem GROUP BY order_id
            HAVING min(index) <> 1 OR max(index) <> count(*)) gaps
    """,
}


def assert_consistent() -> None:
    broken = {rule: n for rule, sql in CONSISTENCY.items() if (n := scalar(sql))}
    assert broken == {}


def test_seed_makes_consistent_realistic_orders():
    output = seed(600)
    assert "Seeded 600 orders" in output
    assert generated().count() == 600
    assert set(load_spec_orders()) == SPEC_NUMBERS
    assert_consistent()

    def values(field):
        return set(generated().values_list(field, flat=True).distinct())

    assert values("payment_status") == set(PaymentStatus.values)
    assert values("fulfillment_status") == set(FulfillmentStatus.values)
    assert values("channel_type") == set(ChannelType.values) - {ChannelType.UNSPECIFIED}
    assert values("archived") == {True, False}
    assert len(values("billing_address__country")) >= 5
    assert len(values("buyer_id")) < 600, "some buyers order more than once"
    dates = generated().order_by("date_created").values_list("date_created", flat=True)
    assert (dates.last() - dates.first()).days > 2 * 365
    activity_types = set(generated().values_list("activities__type", flat=True).distinct())
    assert {
        ActivityType.ORDER_PLACED,
        ActivityType.ORDER_PAID,
        ActivityType.ORDER_PARTIALLY_PAID,
        ActivityType.FULFILLMENT_CREATED,
        ActivityType.TRACKING_NUMBER_ADDED,
        ActivityType.TRACKING_LINK_WAS_SET,
        ActivityType.ORDER_FULFILLED,
        ActivityType.ORDER_REFUNDED,
    } <= activity_types
    assert scalar(
        "SELECT count(*) FROM orders_order o WHERE number > 10124 AND "
        "(SELECT count(*) FROM fulfillments_fulfillment f WHERE f.order_id = o.id) = 2"
    ), "some orders ship in two fulfillments"
    line_types = set(generated().values_list("line_items__line_item_type", flat=True))
    assert line_types == {"PHYSICAL", "DIGITAL", "CUSTOM_AMOUNT_ITEM"}


def test_seeded_tracking_links_follow_the_spec_formats():
    seed(300)
    rows = list(
        generated()
        .filter(fulfillments__isnull=False)
        .exclude(fulfillments__tracking_number="")
        .values_list(
            "fulfillments__shipping_provider",
            "fulfillments__tracking_number",
            "fulfillments__tracking_link",
        )
    )
    assert {provider for provider, _, _ in rows} == {name for name, _ in KNOWN_CARRIER_CHOICES}
    for provider, number, link in rows:
        assert re.fullmatch(r"\d{6,9}", number)
        assert link == carrier_link(provider, number)


def test_seeded_order_serializes_with_options_and_images():
    seed(50)
    order = order_detail_queryset().filter(number__gt=10124).first()
    data = order_to_dict(order)
    assert data["number"] == order.number
    item = data["lineItems"][0]
    assert item["mediaItem"]["url"].startswith("/static/products/p")
    assert item["sku"].startswith("SKU-")
    assert isinstance(item["options"], list)
    assert data["billingInfo"]["address"]["fullName"]["firstName"]


def test_product_popularity_is_skewed():
    seed(2000)

    def orders_with(name: str) -> int:
        return generated().filter(line_items__product_id=product_id_for(name)).count()

    popular = orders_with(POPULAR_PRODUCT)
    assert popular > 0.25 * 2000
    assert orders_with("Tip for the team") < popular / 20
    assert orders_with(RARE_PRODUCT) < 10


def test_if_empty_seeds_once_and_plain_runs_add_more():
    assert "Seeded 100 orders" in seed(100, if_empty=True)
    first = set(generated().values_list("number", flat=True))
    assert "nothing to seed" in seed(100, if_empty=True)
    assert generated().count() == 100

    latest = generated().order_by("-number").first()
    seed(40)
    assert generated().count() == 140
    added = generated().exclude(number__in=first)
    assert min(added.values_list("number", flat=True)) > max(first)
    assert added.order_by("number").first().date_created > latest.date_created
    assert_consistent()


def test_if_empty_ignores_the_spec_orders():
    load_spec_orders()
    seed(20, if_empty=True)
    assert generated().count() == 20


def test_seed_is_reproducible_with_a_seed():
    seed(30, seed=0.1)
    first = list(generated().order_by("number").values_list("total", "billing_full_name"))
    Order.objects.filter(number__gt=10124).delete()
    seed(30, seed=0.1)
    again = list(generated().order_by("number").values_list("total", "billing_full_name"))
    assert again == first


def index_definitions() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [list(seed_orders.SEED_TABLES)],
        )
        return {row[0] for row in cursor.fetchall()}


def test_large_load_rebuilds_every_index_it_dropped(monkeypatch):
    before = index_definitions()
    monkeypatch.setattr(seed_orders, "REBUILD_INDEXES_FROM", 10)
    output = seed(200)
    assert "index orders_order_date_created" in output
    assert index_definitions() == before
    assert_consistent()


def test_small_load_keeps_indexes_in_place(monkeypatch):
    output = seed(20)
    assert "index " not in output


def test_seed_refuses_bad_arguments():
    with pytest.raises(CommandError, match="--orders"):
        seed(-1)
    with pytest.raises(CommandError, match="--seed"):
        seed(1, seed=2)


def test_seed_has_pickup_and_point_of_sale_orders():
    seed(400, seed=0.7)
    pickup = generated().filter(shipping_info__has_key="pickupDetails")
    assert 20 <= pickup.count() <= 80
    assert all(o.channel_type == ChannelType.WEB for o in pickup)
    assert not pickup.filter(fulfillments__tracking_number__gt="").exists()
    assert pickup.filter(
        fulfillment_status=FulfillmentStatus.FULFILLED, activities__type="PICKUP_READY_EMAIL_SENT"
    ).exists()
    assert pickup.filter(
        fulfillment_status=FulfillmentStatus.NOT_FULFILLED,
        activities__type="PICKUP_READY_EMAIL_SENT",
    ).exists()
    pos = generated().filter(channel_type=ChannelType.POS)
    assert pos.exists()
    assert not pos.filter(shipping_info__has_key="shipmentDetails").exists()
    assert not pos.filter(shipping_total__gt=0).exists()
    assert not pos.filter(activities__type="TRACKING_NUMBER_ADDED").exists()
