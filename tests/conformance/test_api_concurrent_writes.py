"""Concurrent writes through the API, each thread its own client and database connection
against real PostgreSQL: fulfillments asked for at once through both APIs never ship more than
was ordered (the losers are a 409 naming the quantity, nothing written for them), and orders
created at once get distinct numbers."""

from __future__ import annotations

import pytest

from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.models import Activity, ActivityType, Order
from tests.conftest import api_client_for, make_user
from tests.factories import make_order
from tests.fulfillments.test_concurrency import run_concurrently

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"
THREADS = 6


@pytest.mark.django_db(transaction=True)
def test_fulfillments_asked_for_at_once_through_both_apis_never_exceed_the_quantity():
    packer = make_user("packer", "racing-packer")
    clients = [api_client_for(packer) for _ in range(THREADS)]
    order = make_order(lines=[{"quantity": 5}], payment_status="PAID")
    line_id = str(order.line_items.get().line_id)

    def ship_two(i: int):
        if i % 2:
            return clients[i].post(
                f"{STORES}/{order.id}/fulfillments",
                {"fulfillment": {"lineItems": [{"index": 1, "quantity": 2}]}},
            )
        return clients[i].post(
            f"{ECOM}/orders/{order.id}/create-fulfillment",
            {"fulfillment": {"lineItems": [{"id": line_id, "quantity": 2}]}},
        )

    responses = run_concurrently(ship_two, THREADS)
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200, 200] + [409] * (THREADS - 2), [r.content for r in responses]
    for response in responses:
        if response.status_code == 409:
            body = response.json()
            assert body["details"]["field"] == "fulfillment.lineItems[0].quantity"
            assert "left to fulfil" in body["message"]
    assert Fulfillment.objects.filter(order=order).count() == 2
    shipped = FulfillmentLineItem.objects.filter(fulfillment__order=order)
    assert sum(shipped.values_list("quantity", flat=True)) == 4
    order.refresh_from_db()
    assert order.fulfillment_status == "PARTIALLY_FULFILLED"
    assert Activity.objects.filter(order=order, type=ActivityType.FULFILLMENT_CREATED).count() == 2


@pytest.mark.django_db(transaction=True)
def test_orders_created_at_once_get_distinct_numbers():
    owner = make_user("owner", "racing-owner")
    clients = [api_client_for(owner) for _ in range(THREADS)]
    body = {
        "order": {
            "billingInfo": {"address": {"email": "buyer@example.com"}},
            "shippingInfo": {"shipmentDetails": {"address": {"email": "buyer@example.com"}}},
            "lineItems": [{"quantity": 1, "name": "Thing", "priceData": {"price": "10"}}],
        }
    }
    responses = run_concurrently(lambda i: clients[i].post(STORES, body), THREADS)
    assert [r.status_code for r in responses] == [200] * THREADS, [r.content for r in responses]
    numbers = [r.json()["order"]["number"] for r in responses]
    assert len(set(numbers)) == THREADS
    assert sorted(Order.objects.values_list("number", flat=True)) == sorted(numbers)
