"""Every write endpoint, fed a wrong value at every place of a full request body in turn (null,
a list, an object, a boolean, a huge number, a 3,000-character string, a NUL): each answer is a
400 naming that place (or, where the value is of a possible type, a success or a 409), never a
500, and a refused request changes nothing at all (orders, fulfillments, activities,
lastUpdated). Complements the schemathesis run, which draws its requests from the schema."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import Activity, Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"
WRONG = [None, [], {"x": 1}, True, 10**25, "x" * 3000, "a\u0000b"]

FULL_ORDER = {
    "order": {
        "buyerInfo": {"firstName": "Jane", "lastName": "Doe", "phone": "0555", "email": "j@x.co"},
        "currency": "USD",
        "weightUnit": "KG",
        "totals": {"subtotal": "10", "shipping": "1", "tax": "0", "discount": "0", "total": "11"},
        "billingInfo": {
            "address": {
                "fullName": {"firstName": "Jane", "lastName": "Doe"},
                "country": "US",
                "city": "New York",
                "email": "j@x.co",
                "street": {"number": "1", "name": "Main"},
            },
            "paymentMethod": "Stripe",
        },
        "shippingInfo": {
            "deliveryOption": "Standard",
            "shipmentDetails": {
                "address": {"fullName": {"firstName": "Jane"}, "country": "US"},
                "priceData": {"price": "1", "taxIncludedInPrice": False},
            },
        },
        "buyerNote": "Happy Birthday!",
        "paymentStatus": "PAID",
        "buyerLanguage": "en",
        "cartId": "1e61e838-d3a0-4ab7-8348-b37d1d954919",
        "discount": {"value": "0", "appliedCoupon": {"code": "SUMMER"}},
        "lineItems": [
            {
                "quantity": 2,
                "name": "Shoe",
                "productId": "df19c1f7-07d8-a265-42f8-e8dfa824cc6e",
                "variantId": "2f430d69-9b75-4874-bfbd-c5f6fa5aff3d",
                "lineItemType": "PHYSICAL",
                "options": [{"option": "Color", "selection": "Brown"}],
                "customTextFields": [{"title": "Label", "value": "Hi"}],
                "mediaItem": {"mediaType": "IMAGE", "url": "https://x.example/a.jpg", "width": 9},
                "sku": "364215376135191",
                "weight": "1.5",
                "priceData": {"price": "5", "totalPrice": "10", "taxIncludedInPrice": False},
            }
        ],
        "channelInfo": {"type": "WEB", "externalOrderId": "E-1"},
    }
}
# A wrong value here fails a rule across fields, which names the other field.
ACROSS = {
    "order.paymentStatus": "order.billingInfo.paymentMethod",
    "order.lineItems[0].productId": "order.lineItems[0].lineItemType",
}


def places(value: Any, path: str = "") -> Iterator[tuple[str, list[str | int]]]:
    """Every key and list position of a body, as the API names it and as a path of keys."""
    stack: list[tuple[Any, str, list[str | int]]] = [(value, "", [])]
    while stack:
        node, name, keys = stack.pop()
        if keys:
            yield name, keys
        if isinstance(node, dict):
            for key, item in node.items():
                stack.append((item, f"{name}.{key}" if name else key, [*keys, key]))
        elif isinstance(node, list):
            for index, item in enumerate(node):
                stack.append((item, f"{name}[{index}]", [*keys, index]))


def with_value(body: dict, keys: list[str | int], value: Any) -> dict:
    body = copy.deepcopy(body)
    target: Any = body
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return body


def state() -> tuple:
    return (
        Order.objects.count(),
        Fulfillment.objects.count(),
        Activity.objects.count(),
        sorted(Order.objects.values_list("last_updated", flat=True)),
    )


def requests(order: Order, fulfillment: Fulfillment) -> list[tuple[str, str, dict]]:
    line = str(order.line_items.get(index=1).line_id)
    tracking = {"trackingNumber": "1", "shippingProvider": "acme", "trackingLink": "https://t.co"}
    return [
        ("post", STORES, FULL_ORDER),
        (
            "post",
            f"{STORES}/{order.id}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}], "trackingInfo": tracking}},
        ),
        (
            "put",
            f"{STORES}/{order.id}/fulfillments/{fulfillment.id}",
            {"fulfillmentTrackingInfo": tracking},
        ),
        (
            "post",
            f"{ECOM}/orders/{order.id}/create-fulfillment",
            {
                "orderId": str(order.id),
                "fulfillment": {
                    "lineItems": [{"id": line, "quantity": 1}],
                    "trackingInfo": tracking,
                },
            },
        ),
        (
            "patch",
            f"{ECOM}/{fulfillment.id}/orders/{order.id}",
            {
                "orderId": str(order.id),
                "fulfillment": {"id": str(fulfillment.id), "trackingInfo": tracking},
            },
        ),
        (
            "post",
            f"{ECOM}/orders/bulk/create-fulfillments",
            {
                "ordersWithFulfillments": [
                    {
                        "orderId": str(order.id),
                        "fulfillments": [
                            {"lineItems": [{"id": line, "quantity": 1}], "trackingInfo": tracking}
                        ],
                    }
                ]
            },
        ),
        (
            "patch",
            f"{STORES}/{order.id}/updateEmail",
            {"orderId": str(order.id), "email": "a@x.co"},
        ),
        (
            "put",
            f"{STORES}/{order.id}/updateShippingAddress",
            {
                "orderId": str(order.id),
                "shippingAddress": {
                    "fullName": {"firstName": "A", "lastName": "B"},
                    "country": "US",
                    "city": "Boston",
                    "zipCode": "02101",
                    "phone": "555",
                    "email": "b@x.co",
                    "addressLine1": "1 Main",
                },
            },
        ),
    ]


@pytest.mark.parametrize("endpoint", range(8))
def test_a_wrong_value_anywhere_is_a_400_naming_it_and_writes_nothing(owner_api, owner, endpoint):
    order = make_order(lines=[{"quantity": 1000}], payment_status="PAID")
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "0"}, actor=owner
    )
    method, path, body = requests(order, fulfillment)[endpoint]
    assert getattr(owner_api, method)(path, body).status_code == 200  # the body as it stands
    wrong_answers = []
    for where, keys in places(body):
        for value in WRONG:
            before = state()
            response = getattr(owner_api, method)(path, with_value(body, keys, value))
            said = f"{method} {path} {where}={value!r:.30}: {response.status_code}"
            if response.status_code == 200:
                continue  # a value of a possible type (null for an optional field, ...)
            if state() != before:
                wrong_answers.append(f"{said}, and something was written")
            if response.status_code == 409:
                continue
            field = response.json()["details"].get("field") if response.status_code == 400 else None
            expected = {where, ACROSS.get(where)}
            if not isinstance(field, str) or not (
                field in expected or field.startswith((f"{where}.", f"{where}["))
            ):
                wrong_answers.append(f"{said} naming {field!r}: {response.content[:160]!r}")
    assert wrong_answers == [], "\n".join(wrong_answers)
