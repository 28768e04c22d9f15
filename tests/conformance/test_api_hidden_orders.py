"""The Stores document: "Hidden orders are not returned." A hidden order is not found on any
endpoint of either API, reads and writes alike (404, a bulk item ORDER_NOT_FOUND, left out of
list-by-ids and of queries), and nothing is written to it."""

from __future__ import annotations

import pytest

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import Activity, Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"
LINE = {"lineItems": [{"index": 1, "quantity": 1}]}


def calls(order: Order, fulfillment: Fulfillment) -> list[tuple[str, str, dict | None]]:
    o, f = order.id, fulfillment.id
    line = {"lineItems": [{"id": str(order.line_items.get().line_id), "quantity": 1}]}
    return [
        ("get", f"{STORES}/{o}", None),
        ("post", f"{STORES}/{o}/fulfillments", {"fulfillment": LINE}),
        (
            "put",
            f"{STORES}/{o}/fulfillments/{f}",
            {"fulfillmentTrackingInfo": {"trackingNumber": "9"}},
        ),
        ("delete", f"{STORES}/{o}/fulfillments/{f}", None),
        ("patch", f"{STORES}/{o}/updateEmail", {"email": "new@example.com"}),
        ("put", f"{STORES}/{o}/updateShippingAddress", {"shippingAddress": {"city": "Oslo"}}),
        ("post", f"{ECOM}/orders/{o}/create-fulfillment", {"fulfillment": line}),
        ("get", f"{ECOM}/orders/{o}", None),
        (
            "patch",
            f"{ECOM}/{f}/orders/{o}",
            {"fulfillment": {"trackingInfo": {"trackingNumber": "8"}}},
        ),
        ("delete", f"{ECOM}/{f}/orders/{o}", None),
    ]


@pytest.fixture
def hidden(owner):
    order = make_order(lines=[{"quantity": 5}])
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "0"}, actor=owner
    )
    Order.objects.filter(pk=order.pk).update(hidden=True)
    return order, fulfillment


@pytest.mark.parametrize("call", range(10))
def test_a_hidden_order_is_not_found_anywhere(owner_api, hidden, call):
    order, fulfillment = hidden
    method, path, body = calls(order, fulfillment)[call]
    before = Order.objects.values().get(pk=order.pk), Activity.objects.count()
    response = getattr(owner_api, method)(path, *([body] if body is not None else []))
    assert response.status_code == 404, response.content
    assert response.json()["message"] == f"Order {order.id} not found."
    assert (Order.objects.values().get(pk=order.pk), Activity.objects.count()) == before
    assert list(Fulfillment.objects.filter(order=order)) == [fulfillment]


def test_a_hidden_order_is_left_out_of_lists_and_bulk(owner_api, hidden):
    order, _ = hidden
    listed = owner_api.post(f"{ECOM}/list-by-ids", {"orderIds": [str(order.id)]})
    assert listed.json() == {"ordersWithFulfillments": []}
    queried = owner_api.post(f"{STORES}/query", {"query": {"filter": {"id": str(order.id)}}})
    assert queried.json()["orders"] == [] and queried.json()["totalResults"] == 0
    line = str(order.line_items.get().line_id)
    bulk = owner_api.post(
        f"{ECOM}/orders/bulk/create-fulfillments",
        {
            "ordersWithFulfillments": [
                {"orderId": str(order.id), "fulfillments": [{"lineItems": [{"id": line}]}]}
            ]
        },
    )
    (result,) = bulk.json()["results"]
    assert result["itemMetadata"]["success"] is False
    assert result["itemMetadata"]["error"]["code"] == "ORDER_NOT_FOUND"
    assert Fulfillment.objects.filter(order=order).count() == 1
