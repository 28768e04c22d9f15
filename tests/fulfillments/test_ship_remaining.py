"""Shipping everything that remains (station, order page, bulk, pickup): the shared rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fulfillments.models import Fulfillment
from fulfillments.services import (
    ShipmentChanged,
    ShipmentNeedsConfirmation,
    fulfillment_create,
    fulfillment_ship_remaining,
    fulfillment_undo,
    shipment_holds,
)
from orders.models import Activity, ActivityType, FulfillmentStatus, LineItemType, Order
from orders.services import OrderError, order_cancel
from tests.factories import make_order


def test_ships_every_remaining_physical_unit_never_digital(packer):
    order = make_order(
        payment_status="PAID",
        lines=[
            {"quantity": 3},
            {"line_item_type": LineItemType.DIGITAL},
            {"quantity": 2, "refunded_quantity": 1},
        ],
    )
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    before = Order.objects.get(pk=order.pk).last_updated
    shipped = fulfillment_ship_remaining(
        order=order, tracking={"shippingProvider": "ups", "trackingNumber": "1Z"}, actor=packer
    )
    assert sorted((line.line_item.index, line.quantity) for line in shipped.lines.all()) == [
        (1, 2),
        (3, 1),
    ]
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert order.last_updated > before
    assert Activity.objects.filter(order=order, type="ORDER_FULFILLED", actor=packer).exists()


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"payment_status": "NOT_PAID"}, "is not paid (payment: Not Paid)"),
        ({"payment_status": "PENDING"}, "is not paid (payment: Pending)"),
        ({"payment_status": "PAID", "archived": True}, "is archived"),
    ],
)
def test_unpaid_or_archived_needs_confirmation(packer, fields, reason):
    order = make_order(**fields)
    assert shipment_holds(order=order) == [reason]
    with pytest.raises(ShipmentNeedsConfirmation) as hold:
        fulfillment_ship_remaining(order=order, actor=packer)
    assert reason in hold.value.message
    assert hold.value.status == 409
    assert not Fulfillment.objects.filter(order=order).exists()
    fulfillment_ship_remaining(order=order, actor=packer, confirmed=True)
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_paid_and_partly_refunded_ship_without_asking(db):
    assert shipment_holds(order=make_order(payment_status="PAID")) == []
    assert shipment_holds(order=make_order(payment_status="PARTIALLY_REFUNDED")) == []


def test_canceled_is_refused_even_when_confirmed(packer, owner):
    order = make_order(payment_status="PAID")
    order_cancel(order=order, actor=owner)
    with pytest.raises(OrderError, match="canceled"):
        fulfillment_ship_remaining(order=order, actor=packer, confirmed=True)
    assert not Fulfillment.objects.filter(order=order).exists()


def test_nothing_left_is_a_conflict(packer):
    order = make_order(payment_status="PAID", lines=[{"line_item_type": "DIGITAL"}])
    with pytest.raises(OrderError, match="Nothing left to ship") as error:
        fulfillment_ship_remaining(order=order, actor=packer)
    assert error.value.status == 409


def test_a_remainder_other_than_the_one_shown_ships_nothing(packer, owner):
    order = make_order(payment_status="PAID", lines=[{"quantity": 2}, {"quantity": 1}])
    shown = {1: 2, 2: 1}
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=owner)
    before = Order.objects.get(pk=order.pk).last_updated
    with pytest.raises(ShipmentChanged, match=f"Order #{order.number} changed while you"):
        fulfillment_ship_remaining(order=order, actor=packer, expected=shown)
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert Order.objects.get(pk=order.pk).last_updated == before
    shipped = fulfillment_ship_remaining(order=order, actor=packer, expected={1: 1, 2: 1})
    assert sorted((line.line_item.index, line.quantity) for line in shipped.lines.all()) == [
        (1, 1),
        (2, 1),
    ]


def test_undo_by_its_creator_within_the_window(packer, owner):
    order = make_order(payment_status="PAID")
    shipped = fulfillment_ship_remaining(order=order, actor=packer)
    with pytest.raises(OrderError, match="Only the person who shipped it"):
        fulfillment_undo(order=order, fulfillment_id=shipped.id, actor=owner)
    Fulfillment.objects.filter(pk=shipped.pk).update(
        date_created=timezone.now() - timedelta(seconds=30)
    )
    fulfillment_undo(order=order, fulfillment_id=shipped.id, actor=packer)
    assert not Fulfillment.objects.filter(pk=shipped.pk).exists()
    assert Activity.objects.filter(
        order=order, type=ActivityType.FULFILLMENT_DELETED, actor=packer
    ).exists()
    assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.NOT_FULFILLED


def test_undo_too_late_changes_nothing(packer):
    order = make_order(payment_status="PAID")
    shipped = fulfillment_ship_remaining(order=order, actor=packer)
    Fulfillment.objects.filter(pk=shipped.pk).update(
        date_created=timezone.now() - timedelta(minutes=3)
    )
    with pytest.raises(OrderError, match="Too late to undo"):
        fulfillment_undo(order=order, fulfillment_id=shipped.id, actor=packer)
    assert Fulfillment.objects.filter(pk=shipped.pk).exists()
