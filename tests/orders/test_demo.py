from __future__ import annotations

import json

import pytest

from orders.demo import SPEC_ORDERS_FILE, load_spec_orders
from orders.models import Order
from orders.selectors import order_detail_queryset
from orders.serializers import order_to_dict

SPEC = {document["number"]: document for document in json.loads(SPEC_ORDERS_FILE.read_text())}


def spec_json(number: int) -> dict:
    return order_to_dict(order_detail_queryset().get(number=number))


@pytest.mark.django_db
def test_load_spec_orders_is_idempotent():
    first = load_spec_orders()
    count = Order.objects.count()
    second = load_spec_orders()
    assert Order.objects.count() == count
    assert {n: o.pk for n, o in first.items()} == {n: o.pk for n, o in second.items()}
    assert {10012, 10096, 10108, 10124, 10013, 10014, 10015} <= set(second)


@pytest.mark.django_db
def test_sequence_continues_after_spec_orders():
    load_spec_orders()
    # Sequences ignore test rollbacks, so other tests' orders may have advanced it: the next
    # number is past every spec order (10125 on a fresh database), never one of theirs.
    assert Order.objects.create().number >= 10125


@pytest.mark.django_db
@pytest.mark.parametrize("number", [10012, 10108, 10124, 10096])
def test_spec_order_round_trips_to_the_spec_json(number):
    load_spec_orders()
    ours = spec_json(number)
    spec = SPEC[number]
    for key in (
        "id",
        "number",
        "dateCreated",
        "currency",
        "weightUnit",
        "paymentStatus",
        "archived",
        "buyerNote",
        "lastUpdated",
        "cartId",
        "channelInfo",
    ):
        if key in spec:
            assert ours.get(key) == spec[key], key
    if "fulfillmentStatus" in spec:
        assert ours["fulfillmentStatus"] == spec["fulfillmentStatus"]
    assert ours["buyerInfo"]["email"] == spec["buyerInfo"]["email"]
    assert ours["billingInfo"]["address"] == spec["billingInfo"]["address"]
    assert [a["type"] for a in ours["activities"]] == [a["type"] for a in spec["activities"]]
    for mine, theirs in zip(ours["lineItems"], spec["lineItems"], strict=True):
        for key in (
            "index",
            "quantity",
            "name",
            "productId",
            "lineItemType",
            "options",
            "mediaItem",
            "sku",
        ):
            assert mine.get(key) == theirs.get(key), (number, key)
        assert dec_eq(mine["price"], theirs["price"])
    assert ours["fulfillments"] == spec.get("fulfillments", [])


def dec_eq(a: str, b: str) -> bool:
    from decimal import Decimal

    return Decimal(a) == Decimal(b)


@pytest.mark.django_db
def test_spec_order_10012_values():
    load_spec_orders()
    order = spec_json(10012)
    assert order["totals"]["total"] == "130.00"
    assert order["billingInfo"]["address"]["fullName"] == {"firstName": "Jane", "lastName": "Doe"}
    assert [item["name"] for item in order["lineItems"]] == ["Shoe", "Watch", "Shirt"]
    tracking = order["fulfillments"][0]["trackingInfo"]
    assert tracking["trackingLink"].endswith("trackingnumber=43255")
    assert order["shippingInfo"]["shipmentDetails"]["trackingInfo"] == {
        "trackingNumber": "43255",
        "shippingProvider": "FEDEX",
        "trackingLink": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=43255",
    }
    assert tracking["shippingProvider"] == "fedex"
    assert order["discount"]["appliedCoupon"]["code"] == "SUMMERSALE10"
    assert order["lineItems"][0]["id"] == "00000000-0000-0000-0000-000000000001"


@pytest.mark.django_db
def test_shipment_tracking_mirror_writes_the_carrier_in_upper_case_as_the_spec():
    load_spec_orders()
    order = spec_json(10012)
    mirror = order["shippingInfo"]["shipmentDetails"]["trackingInfo"]
    assert mirror == SPEC[10012]["shippingInfo"]["shipmentDetails"]["trackingInfo"]
    assert order["fulfillments"][0]["trackingInfo"]["shippingProvider"] == "fedex"
