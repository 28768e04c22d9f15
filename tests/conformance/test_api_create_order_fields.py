"""Create order takes the fields of the document's Order object that an order brought from
elsewhere carries and the GET examples show: discount (value and applied coupon), customField
and cartId. They were a 400 (an unknown key); now they read back as sent, and a bad one is a 400
naming it with nothing written."""

from __future__ import annotations

import copy

import pytest

from orders.models import Order
from tests.orders.test_order_api_writes import CREATE_EXAMPLE, STORES


def test_create_order_takes_the_orders_discount_custom_field_and_cart(owner_api):
    """Fields of the document's Order object that an order brought from elsewhere carries
    (the GET examples show them): they were a 400 (unknown key) and now read back as sent."""
    body = copy.deepcopy(CREATE_EXAMPLE)
    coupon = {
        "couponId": "fbb94b06-7447-4161-9c48-59bfcdc39e77",
        "name": "SUMMERSALE10",
        "code": "SUMMERSALE10",
    }
    body["order"]["discount"] = {"value": "1", "appliedCoupon": coupon}
    body["order"]["customField"] = {"title": "Gift note", "value": "Happy birthday"}
    body["order"]["cartId"] = "1e61e838-d3a0-4ab7-8348-b37d1d954919"
    response = owner_api.post(STORES, body)
    assert response.status_code == 200, response.content
    created = response.json()["order"]
    shown = owner_api.get(f"{STORES}/{created['id']}").json()["order"]
    assert shown == created
    queried = owner_api.post(f"{STORES}/query", {"query": {"filter": {"id": created["id"]}}})
    assert queried.json()["orders"] == [created]
    assert shown["discount"] == {"value": "1.00", "appliedCoupon": coupon}
    assert shown["customField"] == {"title": "Gift note", "value": "Happy birthday"}
    assert shown["cartId"] == "1e61e838-d3a0-4ab7-8348-b37d1d954919"
    # The totals' discount follows the order's discount when the totals leave it out.
    assert shown["totals"]["discount"] == "1.00"


@pytest.mark.parametrize(
    ("key", "value", "field"),
    [
        ("discount", {"value": "-1"}, "order.discount.value"),
        (
            "discount",
            {"appliedCoupon": {"couponId": "nope"}},
            "order.discount.appliedCoupon.couponId",
        ),
        ("discount", {"amount": "1"}, "order.discount.amount"),
        ("customField", {"value": "x" * 501}, "order.customField.value"),
        ("customField", "note", "order.customField"),
        ("cartId", "cart-1", "order.cartId"),
    ],
)
def test_create_order_refuses_a_bad_discount_custom_field_or_cart(owner_api, key, value, field):
    body = copy.deepcopy(CREATE_EXAMPLE)
    body["order"][key] = value
    before = Order.objects.count()
    response = owner_api.post(STORES, body)
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"] == field
    assert Order.objects.count() == before
