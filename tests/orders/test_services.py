"""Order services (orders/services.py): payments, email and shipping address edits, create."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

from orders.models import Activity, ActivityType, FulfillmentStatus, Order, Refund
from orders.schemas import OrderCreateData
from orders.services import (
    OrderError,
    order_cancel,
    order_create,
    order_mark_paid,
    order_refund,
    order_update_email,
    order_update_shipping_address,
)
from orders.webhooks.models import WebhookEndpoint, WebhookEvent


def reload(order) -> Order:
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def subscriber(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/hook",
        events=["OrderPaid", "OrderCanceled", "OrderRefunded"],
    )


def activity_types(order: Order) -> list[str]:
    return list(order.activities.order_by("timestamp", "id").values_list("type", flat=True))


def events(order: Order) -> list[str]:
    return list(
        WebhookEvent.objects.filter(order=order)
        .order_by("created")
        .values_list("event_type", flat=True)
    )


# ---- Payments: mark paid, cancel, refund ----


def test_mark_paid_sets_status_date_activity_and_event(order_factory, owner, subscriber):
    order = order_factory()
    before = order.last_updated
    order_mark_paid(order=order, actor=owner)

    order.refresh_from_db()
    assert order.payment_status == "PAID"
    assert order.paid_date is not None
    assert order.last_updated > before
    activity = order.activities.get(type="ORDER_PAID")
    assert activity.actor == owner
    assert events(order) == ["OrderPaid"]


def test_mark_paid_twice_refused(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")
    with pytest.raises(OrderError) as exc:
        order_mark_paid(order=order, actor=owner)
    assert exc.value.status == 409
    assert "cannot be marked paid" in exc.value.message
    assert events(order) == []
    assert activity_types(order) == ["ORDER_PLACED"]


def test_cancel_sets_canceled_activity_and_event(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")
    order_cancel(order=order, actor=owner)

    order.refresh_from_db()
    assert order.fulfillment_status == "CANCELED"
    activity = order.activities.get(type="ORDER_CANCELED")
    assert activity.actor == owner
    assert activity.details == {"previousFulfillmentStatus": "NOT_FULFILLED"}
    assert events(order) == ["OrderCanceled"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("CANCELED", "already canceled"),
        ("FULFILLED", "delete its fulfillments first"),
        ("PARTIALLY_FULFILLED", "delete its fulfillments first"),
    ],
)
def test_cancel_refused(order_factory, owner, subscriber, status, message):
    order = order_factory(fulfillment_status=status)
    with pytest.raises(OrderError, match=message) as exc:
        order_cancel(order=order, actor=owner)
    assert exc.value.status == 409
    order.refresh_from_db()
    assert order.fulfillment_status == status
    assert events(order) == []


def test_partial_then_full_refund(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")  # two lines of 10.00: total 20.00
    first = order_refund(order=order, amount=Decimal("5.50"), reason="scratched", actor=owner)
    order.refresh_from_db()
    assert order.payment_status == "PARTIALLY_REFUNDED"
    assert first.amount == Decimal("5.50") and first.actor == owner

    order_refund(order=order, amount=Decimal("14.50"), actor=owner)
    order.refresh_from_db()
    assert order.payment_status == "FULLY_REFUNDED"
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("5.50"),
        Decimal("14.50"),
    ]
    refunded = order.activities.filter(type="ORDER_REFUNDED").order_by("id")
    assert [a.details["amount"] for a in refunded] == ["5.50", "14.50"]
    assert refunded[0].details["refundId"] == str(first.id)
    assert events(order) == ["OrderRefunded", "OrderRefunded"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "must be more than 0"),
        (Decimal("-1"), "must be more than 0"),
        (Decimal("20.01"), "cannot exceed 20.00"),
    ],
)
def test_refund_amount_checked(order_factory, owner, subscriber, amount, message):
    order = order_factory(payment_status="PAID")
    with pytest.raises(OrderError, match=re.escape(message)) as exc:
        order_refund(order=order, amount=amount, actor=owner)
    assert exc.value.field == "amount"
    assert not Refund.objects.exists()
    assert events(order) == []


def test_refund_beyond_what_remains_refused(order_factory, owner):
    order = order_factory(payment_status="PAID")
    order_refund(order=order, amount=Decimal("15"), actor=owner)
    with pytest.raises(OrderError, match=r"cannot exceed 5\.00"):
        order_refund(order=order, amount=Decimal("6"), actor=owner)


def test_refund_of_unpaid_order_refused(order_factory, owner):
    order = order_factory(payment_status="NOT_PAID")
    with pytest.raises(OrderError, match="Only a paid order") as exc:
        order_refund(order=order, amount=Decimal("1"), actor=owner)
    assert exc.value.status == 409


# ---- Email, shipping address, create ----


def test_update_email_everywhere(order_factory, packer):
    order = order_factory(lines=1)
    order = order_update_email(order=order, email="new@example.com", actor=packer)
    order = reload(order)
    assert order.buyer_email == "new@example.com"
    assert order.billing_address["email"] == "new@example.com"
    assert order.shipping_info["shipmentDetails"]["address"]["email"] == "new@example.com"
    assert order.activities.get(type=ActivityType.EMAIL_EDITED).actor == packer


def test_update_email_invalid_changes_nothing(order_factory, packer):
    order = order_factory(lines=1)
    with pytest.raises(OrderError) as error:
        order_update_email(order=order, email="nope", actor=packer)
    assert error.value.field == "email"
    assert reload(order).buyer_email == order.buyer_email


def test_update_shipping_address(order_factory, packer):
    order = order_factory(lines=1)
    address = {"fullName": {"firstName": "J", "lastName": "S"}, "country": "US", "city": "LA"}
    order_update_shipping_address(order=order, address=address, actor=packer)
    order = reload(order)
    # The fields sent replace those fields; the others (addressLine1, email) stay.
    assert order.shipping_info["shipmentDetails"]["address"] == {
        **address,
        "addressLine1": "1 Main Street",
        "email": order.buyer_email,
    }
    assert order.shipping_info["deliveryOption"] == "Standard"
    assert order.activities.get(type=ActivityType.SHIPPING_ADDRESS_EDITED).actor == packer
    with pytest.raises(OrderError) as error:
        order_update_shipping_address(order=order, address={"city": 5}, actor=packer)
    assert error.value.field == "shippingAddress.city"


SPEC_CREATE = {
    "totals": {"subtotal": "10", "total": "10"},
    "billingInfo": {"address": {"email": "Ivanushka@example.com"}},
    "shippingInfo": {"shipmentDetails": {"address": {"email": "Ivanushka@example.com"}}},
    "paymentStatus": "PAID",
    "lineItems": [{"quantity": 1, "name": "my product", "priceData": {"price": "10"}}],
    "channelInfo": {"type": "WEB"},
}


def test_order_create_spec_example(owner):
    WebhookEndpoint.objects.create(
        url="https://hooks.example/x", events=["wix.stores.v2.orders_order-created"]
    )
    order = order_create(data=typed(SPEC_CREATE), actor=owner)
    order = reload(order)
    assert order.number >= 10001
    assert order.payment_status == "PAID"
    assert order.paid_date is not None
    assert order.buyer_email == "Ivanushka@example.com"
    item = order.line_items.get()
    assert (item.name, str(item.price), item.index) == ("my product", "10.00", 1)
    assert order.activities.get(type=ActivityType.ORDER_PLACED).actor == owner
    assert WebhookEvent.objects.filter(order=order).count() == 1


def typed(data: dict) -> OrderCreateData:
    """The create body's `order` as the API hands it to the service (shape checked)."""
    return OrderCreateData.model_validate(data)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"billingInfo": {}}, "order.billingInfo.address"),
        ({"shippingInfo": {}}, "order.shippingInfo.shipmentDetails.address"),
        (
            {"paymentStatus": "NOT_PAID", "billingInfo": {"paymentMethod": "Cash", "address": {}}},
            "order.billingInfo.paymentMethod",
        ),
        (
            {
                "lineItems": [
                    {
                        "name": "x",
                        "quantity": 1,
                        "productId": str(uuid.uuid4()),
                        "lineItemType": "DIGITAL",
                    }
                ]
            },
            "order.lineItems[0].lineItemType",
        ),
        (
            {"lineItems": [{"name": "x", "quantity": 2, "price": "600000000000"}]},
            "order.lineItems[0].price",
        ),
    ],
)
def test_order_create_validation(owner, change, field):
    with pytest.raises(OrderError) as error:
        order_create(data=typed({**SPEC_CREATE, **change}), actor=owner)
    assert error.value.field == field
    assert not Order.objects.exists()


def test_order_create_exemptions(owner):
    pos = order_create(
        data=typed(
            {**SPEC_CREATE, "billingInfo": {}, "shippingInfo": {}, "channelInfo": {"type": "POS"}}
        ),
        actor=owner,
    )
    pickup = order_create(
        data=typed(
            {**SPEC_CREATE, "shippingInfo": {"pickupDetails": {"pickupInstructions": "Desk"}}}
        ),
        actor=owner,
    )
    # Nothing to ship (no PHYSICAL line): the order is FULFILLED from the start.
    digital = order_create(
        data=typed({**SPEC_CREATE, "lineItems": [{"name": "gift card", "quantity": 1}]}),
        actor=owner,
    )
    assert reload(digital).fulfillment_status == FulfillmentStatus.FULFILLED
    assert Activity.objects.filter(order__in=[pos, pickup, digital]).count() >= 3
    assert pos.number < pickup.number < digital.number
