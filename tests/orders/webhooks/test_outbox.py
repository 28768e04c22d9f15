"""The webhook outbox: events in the spec's shapes, written in the change's transaction, one
delivery per subscribed endpoint."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from fulfillments.models import Fulfillment
from orders.models import ApiKey, Order
from orders.services import order_cancel, order_mark_paid, order_refund
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from orders.webhooks.outbox import EventType, event_emit, event_identity
from tests.factories import make_order
from tests.orders.webhooks.conftest import ALL_EVENTS, decoded, only_delivery

# ---- The spec's examples (stores-orders-api.txt, "Webhooks"): the data of each event. ----

SPEC_ORDER_CREATED = {
    "orderId": "afc47c2d-4fbf-450d-9f20-478e54b46b89",
    "number": "10001",
    "dateCreated": "2019-08-28T08:30:42.074Z",
    "buyerInfo": {
        "id": "d52512dc-131f-4062-abf3-a653552bbbd2",
        "type": "CONTACT",
        "identityType": "CONTACT",
        "firstName": "Eric",
        "lastName": "Ben",
        "phone": "055223399",
        "email": "test123@wix.com",
    },
    "currency": "USD",
    "weightUnit": "KG",
    "totals": {
        "subtotal": "1",
        "shipping": "2",
        "tax": "3",
        "discount": "0",
        "total": "5",
        "weight": "0",
        "quantity": 2,
    },
    "read": True,
    "paymentStatus": "PAID",
    "fulfillmentStatus": "FULFILLED",
}

SPEC_ADDRESS = {
    "fullName": {"firstName": "John", "lastName": "Smith"},
    "country": "US",
    "city": "New York",
    "zipCode": "92544",
    "phone": "+972 555234555",
    "email": "Ivanushka@example.com",
}

SPEC_PAID_ORDER = {
    "id": "fedb19f5-bd4c-4bfc-b2d1-212538319611",
    "number": 10096,
    "dateCreated": "2020-03-18T16:47:59.222Z",
    "currency": "USD",
    "weightUnit": "LB",
    "totals": {
        "subtotal": "10",
        "shipping": "3",
        "tax": "3",
        "discount": "1",
        "total": "15",
        "weight": "30",
        "quantity": 2,
    },
    "billingInfo": {
        "paymentMethod": "PayPal",
        "externalTransactionId": "tx_1806",
        "paymentProviderTransactionId": "tx_1806",
        "address": SPEC_ADDRESS,
        "paidDate": "2020-03-18T16:47:59.244Z",
    },
    "shippingInfo": {
        "deliveryOption": "Express",
        "estimatedDeliveryTime": "Today",
        "shippingRegion": "East coast",
        "shipmentDetails": {
            "address": SPEC_ADDRESS,
            "discount": "0",
            "tax": "1",
            "priceData": {"taxIncludedInPrice": False, "price": "3"},
        },
    },
    "read": False,
    "archived": False,
    "paymentStatus": "PAID",
    "fulfillmentStatus": "NOT_FULFILLED",
    "lineItems": [
        {
            "index": 1,
            "quantity": 2,
            "name": "my product",
            "productId": "a1f9d337-f831-4529-31e6-67db8fd4e1aa",
            "lineItemType": "PHYSICAL",
            "options": [],
            "customTextFields": [],
            "weight": "15",
            "sku": "12345678",
            "discount": "1",
            "tax": "1",
            "priceData": {"taxIncludedInPrice": False, "price": "5", "totalPrice": "10"},
        }
    ],
    "activities": [
        {"type": "ORDER_PLACED", "timestamp": "2020-03-18T16:47:59.222Z"},
        {"type": "ORDER_PAID", "timestamp": "2020-03-18T16:47:59.244Z"},
    ],
    "fulfillments": [],
    "discount": {"value": "1"},
    "buyerLanguage": "en",
    "channelInfo": {"type": "WEB"},
    "enteredBy": {"id": "e85274cf-047a-4989-baff-dac5e0c3971d", "identityType": "USER"},
    "lastUpdated": "2020-03-18T16:47:59.244Z",
}

SPEC_FULFILLMENT_CREATED = {
    "orderId": "8234d6e7-d92f-4c0d-b973-8fadec29fa47",
    "fulfillmentId": "ca4abdc6-ac46-430a-8db9-9c866fa11a50",
    "dateCreated": "2019-12-10T15:03:30.800Z",
    "buyerInfo": {
        "id": "aa3159c6-5d5c-4b1c-bcf1-6b0d9e5a3897",
        "type": "CONTACT",
        "identityType": "CONTACT",
        "firstName": "John",
        "lastName": "Israeli",
        "phone": "0123456789",
        "email": "John.Israeli123@hotmail.com",
    },
    "fulfillmentStatus": "FULFILLED",
    "trackingInfo": {
        "trackingNumber": "1234-5678-9101-1121-3141-51",
        "shippingProvider": "usps",
        "trackingLink": "https://tools.usps.com/go/TrackConfirmAction.action?tLabels="
        "1234-5678-9101-1121-3141-51",
    },
}

# Values that depend on when the test runs: only their type and format are compared.
TIME_KEYS = {"lastUpdated", "paidDate", "timestamp"}


def assert_matches(spec, ours, path="data") -> None:
    """Every key of the spec's example is in our payload with an equal value (money strings
    compare as decimals, "10" == "10.00"; times of day only by format)."""
    if isinstance(spec, dict):
        assert isinstance(ours, dict), f"{path}: expected an object, got {ours!r}"
        for key, value in spec.items():
            assert key in ours, f"{path}.{key} is missing (have {sorted(ours)})"
            if key in TIME_KEYS:
                assert isinstance(ours[key], str) and ours[key].endswith("Z"), f"{path}.{key}"
                datetime.fromisoformat(ours[key])
                continue
            assert_matches(value, ours[key], f"{path}.{key}")
    elif isinstance(spec, list):
        assert isinstance(ours, list) and len(ours) == len(spec), f"{path}: {ours!r}"
        for index, (a, b) in enumerate(zip(spec, ours, strict=True)):
            assert_matches(a, b, f"{path}[{index}]")
    elif isinstance(spec, str) and isinstance(ours, str) and spec != ours:
        try:
            assert Decimal(spec) == Decimal(ours), f"{path}: {ours!r} != {spec!r}"
        except ArithmeticError:
            raise AssertionError(f"{path}: {ours!r} != {spec!r}") from None
    else:
        assert type(spec) is type(ours) and spec == ours, f"{path}: {ours!r} != {spec!r}"


def spec_time(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def make_spec_order(**overrides) -> Order:
    """Order 10096 of the spec's OrderPaid example, not yet paid."""
    fields = {
        "id": uuid.UUID(SPEC_PAID_ORDER["id"]),
        "number": 10096,
        "date_created": spec_time("2020-03-18T16:47:59.222Z"),
        "currency": "USD",
        "weight_unit": "LB",
        "shipping_total": Decimal("3"),
        "tax_total": Decimal("3"),
        "discount_total": Decimal("1"),
        "total_weight": Decimal("30"),
        "billing_payment": {
            "paymentMethod": "PayPal",
            "externalTransactionId": "tx_1806",
            "paymentProviderTransactionId": "tx_1806",
        },
        "buyer_language": "en",
        "discount_value": Decimal("1"),
        "entered_by_id": uuid.UUID("e85274cf-047a-4989-baff-dac5e0c3971d"),
        "entered_by_identity_type": "USER",
        "payment_status": "NOT_PAID",
    }
    fields.update(overrides)
    order = make_order(
        first_name="John",
        last_name="Smith",
        lines=[
            {
                "name": "my product",
                "quantity": 2,
                "price": Decimal("5"),
                "product_id": uuid.UUID("a1f9d337-f831-4529-31e6-67db8fd4e1aa"),
                "weight": Decimal("15"),
                "sku": "12345678",
                "discount": Decimal("1"),
                "tax": Decimal("1"),
            }
        ],
        **fields,
    )
    address = {key: value for key, value in SPEC_ADDRESS.items() if key != "fullName"}
    Order.objects.filter(pk=order.pk).update(
        billing_address=address,
        shipping_info=SPEC_PAID_ORDER["shippingInfo"],
        total=Decimal("15"),
    )
    order.refresh_from_db()
    return order


# ---- Payloads ----


def test_order_paid_payload_matches_spec(endpoint, owner, settings):
    settings.PACKDESK_INSTANCE_ID = "inst-42"
    order = make_spec_order()
    order_mark_paid(order=order, actor=owner)

    data = decoded(only_delivery())
    assert data["eventType"] == "OrderPaid"
    assert data["instanceId"] == "inst-42"
    assert data["identity"] == {"identityType": "WIX_USER", "wixUserId": str(owner.pk)}
    assert_matches({"order": SPEC_PAID_ORDER}, data["data"])


def test_order_canceled_payload_matches_spec(endpoint, owner):
    order = make_spec_order(payment_status="PAID", paid_date=timezone.now())
    order_cancel(order=order, actor=owner)

    data = decoded(only_delivery())
    assert data["eventType"] == "OrderCanceled"
    spec = {**SPEC_PAID_ORDER, "fulfillmentStatus": "CANCELED"}
    spec.pop("activities")
    spec.pop("shippingInfo")
    assert_matches({"order": spec}, data["data"])
    # ORDER_CANCELED is Packdesk's own activity type: the order JSON shows only the spec's.
    assert [a["type"] for a in data["data"]["order"]["activities"]] == ["ORDER_PLACED"]
    assert order.activities.filter(type="ORDER_CANCELED").exists()


def test_order_refunded_payload_matches_spec(endpoint, owner):
    order = make_spec_order(payment_status="PAID", paid_date=timezone.now())
    refund = order_refund(order=order, amount=Decimal("15"), actor=owner)

    data = decoded(only_delivery())
    assert data["eventType"] == "OrderRefunded"
    assert data["data"]["refundId"] == str(refund.id)
    order_json = data["data"]["order"]
    assert order_json["paymentStatus"] == "FULLY_REFUNDED"
    assert order_json["totals"]["refund"] == "15.00"
    (refund_json,) = order_json["refunds"]
    assert refund_json["id"] == str(refund.id)
    assert refund_json["amount"] == "15.00"
    assert refund_json["externalRefund"] is False
    datetime.fromisoformat(refund_json["dateCreated"])
    spec_totals = {**SPEC_PAID_ORDER["totals"], "refund": "15"}
    assert_matches(spec_totals, order_json["totals"])


def test_order_created_payload_matches_spec(endpoint, owner):
    order = make_order(
        id=uuid.UUID(SPEC_ORDER_CREATED["orderId"]),
        number=10001,
        date_created=spec_time(SPEC_ORDER_CREATED["dateCreated"]),
        buyer_id=uuid.UUID(SPEC_ORDER_CREATED["buyerInfo"]["id"]),
        buyer_first_name="Eric",
        buyer_last_name="Ben",
        buyer_phone="055223399",
        buyer_email="test123@wix.com",
        read=True,
        payment_status="PAID",
        fulfillment_status="FULFILLED",
    )
    Order.objects.filter(pk=order.pk).update(
        subtotal=1, shipping_total=2, tax_total=3, total=5, total_quantity=2
    )
    with transaction.atomic():
        event_emit(order=order, event_type=EventType.ORDER_CREATED, actor=None)

    data = decoded(only_delivery())
    assert data["eventType"] == "wix.stores.v2.orders_order-created"
    assert data["identity"] == {"identityType": "APP", "appId": "packdesk"}
    assert_matches(SPEC_ORDER_CREATED, data["data"])
    assert data["data"]["archived"] is False


def spec_fulfillment(owner) -> Fulfillment:
    buyer = SPEC_FULFILLMENT_CREATED["buyerInfo"]
    order = make_order(
        id=uuid.UUID(SPEC_FULFILLMENT_CREATED["orderId"]),
        buyer_id=uuid.UUID(buyer["id"]),
        buyer_first_name=buyer["firstName"],
        buyer_last_name=buyer["lastName"],
        buyer_phone=buyer["phone"],
        buyer_email=buyer["email"],
        fulfillment_status="FULFILLED",
    )
    tracking = SPEC_FULFILLMENT_CREATED["trackingInfo"]
    return Fulfillment.objects.create(
        id=uuid.UUID(SPEC_FULFILLMENT_CREATED["fulfillmentId"]),
        order=order,
        date_created=spec_time(SPEC_FULFILLMENT_CREATED["dateCreated"]),
        tracking_number=tracking["trackingNumber"],
        shipping_provider=tracking["shippingProvider"],
        tracking_link=tracking["trackingLink"],
        created_by=owner,
    )


def test_fulfillment_created_payload_matches_spec(endpoint, owner):
    fulfillment = spec_fulfillment(owner)
    with transaction.atomic():
        event_emit(
            order=fulfillment.order,
            event_type=EventType.FULFILLMENT_CREATED,
            data={"fulfillmentId": fulfillment.id},
            actor=owner,
        )
    data = decoded(only_delivery())
    assert data["eventType"] == "FulfillmentCreated"
    assert_matches(SPEC_FULFILLMENT_CREATED, data["data"])


def test_fulfillment_updated_and_deleted_payloads_match_spec(endpoint, owner):
    fulfillment = spec_fulfillment(owner)
    order = fulfillment.order
    with transaction.atomic():
        event_emit(
            order=order,
            event_type=EventType.FULFILLMENT_UPDATED,
            data={"fulfillmentId": fulfillment.id},
            actor=owner,
        )
    with transaction.atomic():
        fulfillment_id = fulfillment.id
        fulfillment.delete()
        Order.objects.filter(pk=order.pk).update(fulfillment_status="NOT_FULFILLED")
        # Services pass the order as they saved it; the payload does not read it again.
        order.refresh_from_db()
        event_emit(
            order=order,
            event_type=EventType.FULFILLMENT_DELETED,
            data={"fulfillmentId": fulfillment_id},
            actor=owner,
        )
    by_type = {
        d.event.event_type: decoded(d)["data"]
        for d in WebhookDelivery.objects.select_related("event", "endpoint")
    }
    ids = {"orderId": str(order.id), "fulfillmentId": str(fulfillment_id)}
    assert by_type["FulfillmentUpdated"] == {
        **ids,
        "trackingInfo": SPEC_FULFILLMENT_CREATED["trackingInfo"],
    }
    assert by_type["FulfillmentDeleted"] == {**ids, "fulfillmentStatus": "NOT_FULFILLED"}


def test_identity_names_api_key_as_app(owner):
    key, _ = ApiKey.generate(user=owner, name="shop sync")
    owner.acting_api_key = key
    assert event_identity(owner) == {"identityType": "APP", "appId": key.prefix}


def test_api_key_auth_marks_the_acting_key(owner):
    from django.test import RequestFactory

    from config.api import ApiKeyAuth

    key, raw = ApiKey.generate(user=owner, name="shop sync")
    request = RequestFactory().get("/api/")
    user = ApiKeyAuth().authenticate(request, raw)
    assert user.acting_api_key == key


# ---- The outbox ----


def test_event_written_with_one_delivery_per_subscribed_active_endpoint(owner):
    paid = WebhookEndpoint.objects.create(url="http://127.0.0.1:9/a", events=["OrderPaid"])
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/b", events=["OrderCanceled"])
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/c", events=ALL_EVENTS, active=False)
    order_mark_paid(order=make_order(), actor=owner)

    event = WebhookEvent.objects.get()
    assert event.event_type == "OrderPaid"
    assert [d.endpoint for d in event.deliveries.all()] == [paid]
    assert event.deliveries.get().status == "pending"


def test_event_is_recorded_without_subscribers_but_nothing_is_delivered(
    owner, django_capture_on_commit_callbacks
):
    WebhookEndpoint.objects.create(url="http://127.0.0.1:9/b", events=["OrderCanceled"])
    with django_capture_on_commit_callbacks() as callbacks:
        order_mark_paid(order=make_order(), actor=owner)
    event = WebhookEvent.objects.get()
    assert event.event_type == "OrderPaid"
    assert not WebhookDelivery.objects.exists()
    assert callbacks == []


def test_rolled_back_change_emits_nothing(endpoint, owner, django_capture_on_commit_callbacks):
    order = make_order()
    with (
        django_capture_on_commit_callbacks() as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        order_mark_paid(order=order, actor=owner)
        raise RuntimeError("the surrounding change failed")
    assert callbacks == []
    assert not WebhookEvent.objects.exists()
    assert not WebhookDelivery.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == "NOT_PAID"


def test_refused_service_emits_nothing(endpoint, owner):
    order = make_order(payment_status="PAID")
    with pytest.raises(Exception, match="cannot be marked paid"):
        order_mark_paid(order=order, actor=owner)
    assert not WebhookEvent.objects.exists()


@pytest.mark.parametrize(
    ("event_type", "key"),
    [("OrderRefunded", "refundId"), ("FulfillmentCreated", "fulfillmentId")],
)
def test_event_emit_refuses_missing_data_even_without_subscribers(db, event_type, key):
    with pytest.raises(ValueError, match=key), transaction.atomic():
        event_emit(order=make_order(), event_type=event_type, data={})
