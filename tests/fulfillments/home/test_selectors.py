"""The home page's figures: the backlog definition, age buckets at the store's day boundaries,
and list links whose filters return exactly the counted orders, after every kind of write."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from fulfillments.home.selectors import Figure, home_figures, list_url
from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create, fulfillment_delete
from orders.models import FulfillmentStatus, Order, PaymentStatus
from orders.query import build_query
from orders.services import order_cancel, order_mark_paid, order_refund
from tests.factories import make_order

pytestmark = pytest.mark.django_db

STORE_ZONE = "America/New_York"
NY = ZoneInfo(STORE_ZONE)
# Sunday 29 November 2026, 10:00 in New York.
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=NY)


@pytest.fixture
def store_zone(settings):
    settings.TIME_ZONE = STORE_ZONE


def listed(figure: Figure) -> set:
    """The orders the figure's list link shows (the list's own engine on its filter)."""
    query = build_query(filter=figure.filter, limit=100)
    return set(query.queryset.values_list("pk", flat=True))


def assert_links_agree(figures) -> None:
    linked = [figures.backlog, figures.unpaid, figures.pickup, figures.fulfilled_today]
    for figure in [*linked, *figures.buckets]:
        assert len(listed(figure)) == figure.count, figure.label
    assert sum(b.count for b in figures.buckets) == figures.backlog.count


def test_backlog_counts_paid_open_orders_only(owner):
    expected = set()
    for payment in PaymentStatus.values:
        for fulfillment in FulfillmentStatus.values:
            order = make_order(lines=1, payment_status=payment, fulfillment_status=fulfillment)
            if payment in ("PAID", "PARTIALLY_PAID") and fulfillment in (
                "NOT_FULFILLED",
                "PARTIALLY_FULFILLED",
            ):
                expected.add(order.pk)
    make_order(lines=1, payment_status="PAID", archived=True)
    make_order(lines=1, payment_status="PAID", hidden=True)

    figures = home_figures(owner)

    assert figures.backlog.count == len(expected) == 4
    assert listed(figures.backlog) == expected
    # Unpaid waiting: not paid or pending, still open, not archived.
    assert figures.unpaid.count == 4
    assert_links_agree(figures)


def test_backlog_age_buckets_follow_store_day_boundaries(owner, store_zone):
    def placed(*args) -> Order:
        return make_order(
            lines=1, payment_status=PaymentStatus.PAID, date_created=datetime(*args, tzinfo=NY)
        )

    today = [placed(2026, 11, 29, 0, 0), placed(2026, 11, 29, 9, 59)]
    yesterday = [placed(2026, 11, 28, 23, 59, 59, 999999), placed(2026, 11, 28, 0, 0)]
    recent = [placed(2026, 11, 27, 23, 0), placed(2026, 11, 26, 0, 0)]
    older = [placed(2026, 11, 25, 23, 59, 59, 999999), placed(2025, 1, 1, 12, 0)]

    figures = home_figures(owner, now=NOW)

    by_label = {b.label: b for b in figures.buckets}
    for label, orders in [
        ("Placed today", today),
        ("Yesterday", yesterday),
        ("2-3 days ago", recent),
        ("Older", older),
    ]:
        assert by_label[label].count == 2, label
        assert listed(by_label[label]) == {o.pk for o in orders}, label
    assert figures.backlog.count == 8
    assert figures.today.isoformat() == "2026-11-29"
    # 05:00 UTC is midnight in New York: the links carry the store's offset.
    assert by_label["Placed today"].filter["dateCreated"] == {"$gte": "2026-11-29T00:00:00-05:00"}


def test_backlog_day_boundary_across_dst_change(owner, store_zone):
    # 8 March 2026: New York springs forward; the day is 23 hours long.
    before = make_order(
        lines=1, payment_status="PAID", date_created=datetime(2026, 3, 7, 23, 59, tzinfo=NY)
    )
    after = make_order(
        lines=1, payment_status="PAID", date_created=datetime(2026, 3, 8, 0, 0, tzinfo=NY)
    )
    figures = home_figures(owner, now=datetime(2026, 3, 8, 23, 0, tzinfo=NY))
    today, yesterday = figures.buckets[0], figures.buckets[1]
    assert listed(today) == {after.pk} and today.count == 1
    assert listed(yesterday) == {before.pk} and yesterday.count == 1


def test_links_agree_after_every_kind_of_write(owner, packer):
    paid = [make_order(lines=2, payment_status=PaymentStatus.PAID) for _ in range(3)]
    unpaid = [make_order(lines=1, payment_status=PaymentStatus.NOT_PAID) for _ in range(3)]
    figures = home_figures(owner)
    assert (figures.backlog.count, figures.unpaid.count) == (3, 3)
    assert_links_agree(figures)

    # Partly fulfilled stays in the backlog; fully fulfilled leaves it.
    fulfillment_create(order=paid[0], lines=[(1, 1)], tracking=None, actor=packer)
    second = fulfillment_create(order=paid[1], lines=[(1, 1), (2, 1)], tracking=None, actor=packer)
    figures = home_figures(owner)
    assert figures.backlog.count == 2
    assert figures.fulfilled_today.count == 2
    assert_links_agree(figures)

    # Deleting the fulfillment puts the order back.
    fulfillment_delete(order=paid[1], fulfillment_id=second.pk, actor=packer)
    figures = home_figures(owner)
    assert figures.backlog.count == 3
    assert_links_agree(figures)

    # Payment moves an order from unpaid to the backlog; cancelling takes it out of both.
    order_mark_paid(order=unpaid[0], actor=owner)
    order_cancel(order=unpaid[1], actor=owner)
    order_refund(order=paid[2], amount=Decimal("1.00"), actor=owner)
    figures = home_figures(owner)
    assert (figures.backlog.count, figures.unpaid.count) == (3, 1)
    assert_links_agree(figures)

    # Deleting orders and archiving them.
    paid[0].delete()
    Order.objects.filter(pk=unpaid[0].pk).update(archived=True)
    figures = home_figures(owner)
    assert (figures.backlog.count, figures.unpaid.count) == (1, 1)
    assert_links_agree(figures)


def test_pickup_orders_waiting(owner):
    pickup = make_order(lines=1, payment_status=PaymentStatus.NOT_PAID)
    partly = make_order(lines=1, payment_status=PaymentStatus.PAID)
    done = make_order(lines=1, payment_status=PaymentStatus.PAID)
    archived = make_order(lines=1, payment_status=PaymentStatus.PAID, archived=True)
    hidden = make_order(lines=1, payment_status=PaymentStatus.PAID, hidden=True)
    shipping = make_order(lines=1, payment_status=PaymentStatus.PAID)
    # pickupDetails present but null is not a pickup order.
    no_details = make_order(lines=1, payment_status=PaymentStatus.PAID)
    details = {"pickupDetails": {"pickupInstructions": "Counter 2"}}
    Order.objects.filter(pk__in=[pickup.pk, partly.pk, done.pk, archived.pk, hidden.pk]).update(
        shipping_info=details
    )
    Order.objects.filter(pk=no_details.pk).update(shipping_info={"pickupDetails": None})
    Order.objects.filter(pk=partly.pk).update(
        fulfillment_status=FulfillmentStatus.PARTIALLY_FULFILLED
    )
    Order.objects.filter(pk=done.pk).update(fulfillment_status=FulfillmentStatus.FULFILLED)
    figures = home_figures(owner)
    assert figures.pickup.count == 2
    assert listed(figures.pickup) == {pickup.pk, partly.pk}
    assert figures.pickup.url == list_url(figures.pickup.filter)
    assert listed(figures.backlog) == {shipping.pk, partly.pk, no_details.pk}
    assert_links_agree(figures)

    # Collected: fulfilling the rest takes it off the figure and the list alike.
    Order.objects.filter(pk=partly.pk).update(fulfillment_status=FulfillmentStatus.FULFILLED)
    figures = home_figures(owner)
    assert figures.pickup.count == 1 and listed(figures.pickup) == {pickup.pk}


def test_fulfilled_today_counts_orders_fulfilled_since_store_midnight(owner, store_zone):
    def fulfil(order: Order, *args) -> Fulfillment:
        return Fulfillment.objects.create(order=order, date_created=datetime(*args, tzinfo=NY))

    twice = make_order(lines=2, payment_status="PAID")
    fulfil(twice, 2026, 11, 29, 8, 0)
    fulfil(twice, 2026, 11, 29, 9, 30)
    at_midnight = make_order(lines=1, payment_status="PAID")
    fulfil(at_midnight, 2026, 11, 29, 0, 0)
    # Fulfilled yesterday, one microsecond before the store's midnight (04:59:59.999999 UTC).
    yesterday = make_order(lines=1, payment_status="PAID")
    fulfil(yesterday, 2026, 11, 28, 23, 59, 59, 999999)
    # Yesterday and today: counted today.
    both = make_order(lines=2, payment_status="PAID")
    fulfil(both, 2026, 11, 28, 12, 0)
    fulfil(both, 2026, 11, 29, 9, 0)
    hidden = make_order(lines=1, payment_status="PAID", hidden=True)
    fulfil(hidden, 2026, 11, 29, 9, 0)

    figures = home_figures(owner, now=NOW)

    assert figures.fulfilled_today.count == 3
    assert listed(figures.fulfilled_today) == {twice.pk, at_midnight.pk, both.pk}
    assert figures.fulfilled_today.filter == {
        "fulfillments.dateCreated": {
            "$gte": "2026-11-29T00:00:00-05:00",
            "$lt": "2026-11-30T00:00:00-05:00",
        }
    }
    assert figures.days[-1].shipped == figures.fulfilled_today.count
    assert_links_agree(figures)


def test_fulfilled_today_follows_fulfillments_made_and_deleted(owner, packer):
    orders = [make_order(lines=2, payment_status="PAID") for _ in range(3)]
    first = fulfillment_create(order=orders[0], lines=[(1, 1)], tracking=None, actor=packer)
    fulfillment_create(order=orders[0], lines=[(2, 1)], tracking=None, actor=packer)
    lone = fulfillment_create(order=orders[1], lines=[(1, 1)], tracking=None, actor=packer)
    figures = home_figures(owner)
    assert figures.fulfilled_today.count == 2
    assert listed(figures.fulfilled_today) == {orders[0].pk, orders[1].pk}

    fulfillment_delete(order=orders[0], fulfillment_id=first.pk, actor=packer)
    fulfillment_delete(order=orders[1], fulfillment_id=lone.pk, actor=packer)
    figures = home_figures(owner)
    assert figures.fulfilled_today.count == 1
    assert listed(figures.fulfilled_today) == {orders[0].pk}
    assert_links_agree(figures)


def test_placed_and_shipped_per_day_and_median_lead_time(owner, packer, store_zone):
    now = NOW
    # Placed today 1 h, 3 h and 7 h before their first fulfillment.
    leads = [1, 3, 7]
    for hours in leads:
        order = make_order(
            lines=2, payment_status="PAID", date_created=now - timedelta(hours=hours + 1)
        )
        first = Fulfillment.objects.create(order=order, date_created=now - timedelta(hours=1))
        # A later second parcel does not change the first fulfillment.
        Fulfillment.objects.create(order=order, date_created=now - timedelta(minutes=5))
        assert first.pk
    make_order(lines=1, date_created=now - timedelta(days=2))

    figures = home_figures(owner, now=now)

    assert len(figures.days) == 30 and figures.days[-1].day == now.date()
    assert [(p.placed, p.shipped) for p in figures.days[-3:]] == [(1, 0), (0, 0), (3, 3)]
    assert len(figures.weeks) == 12
    # 29 November 2026 is a Sunday: its week began on Monday the 23rd.
    assert figures.weeks[-1].week.isoformat() == "2026-11-23"
    assert figures.weeks[-1].median == timedelta(hours=3)
    assert figures.weeks[-1].orders == 3
    assert all(p.median is None for p in figures.weeks[:-1])


def test_packer_figures_per_role(owner, packer, viewer):
    other = type(packer).objects.create_user(username="other-packer")
    order = make_order(lines=3, payment_status="PAID")
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    fulfillment_create(order=order, lines=[(2, 1)], tracking=None, actor=packer)
    fulfillment_create(order=order, lines=[(3, 1)], tracking=None, actor=other)

    mine = home_figures(packer).packers
    assert [(r.name, r.today, r.week) for r in mine] == [("packer", 2, 2)]
    everyone = home_figures(owner)
    assert everyone.packers_everyone
    assert [(r.name, r.today, r.week) for r in everyone.packers] == [
        ("packer", 2, 2),
        ("other-packer", 1, 1),
    ]
    assert home_figures(viewer).packers is None


def test_packer_and_lead_time_weeks_follow_store_week_boundaries(owner, packer, store_zone):
    """Weeks start on Monday at the store's midnight (05:00 UTC in New York in November)."""

    def fulfil(*args, placed_hours: int = 2) -> None:
        when = datetime(*args, tzinfo=NY)
        order = make_order(lines=1, date_created=when - timedelta(hours=placed_hours))
        Fulfillment.objects.create(order=order, date_created=when, created_by=packer)

    fulfil(2026, 11, 22, 23, 30)  # Sunday before: last week
    fulfil(2026, 11, 23, 0, 30)  # Monday 00:30: this week
    fulfil(2026, 11, 28, 23, 59, placed_hours=4)  # Saturday: this week, not today
    fulfil(2026, 11, 29, 0, 10, placed_hours=6)  # today

    figures = home_figures(owner, now=NOW)

    assert [(r.name, r.today, r.week) for r in figures.packers] == [("packer", 1, 3)]
    last, this = figures.weeks[-2], figures.weeks[-1]
    assert (last.week.isoformat(), last.orders, last.median) == (
        "2026-11-16",
        1,
        timedelta(hours=2),
    )
    assert (this.week.isoformat(), this.orders, this.median) == (
        "2026-11-23",
        3,
        timedelta(hours=4),
    )
    assert [p.shipped for p in figures.days[-8:]] == [1, 1, 0, 0, 0, 0, 1, 1]
