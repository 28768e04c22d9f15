"""Bulk requests check every item before writing: a malformed item refuses the request (API)
or is that order's error (page), never a 500 and never a partial write."""

from __future__ import annotations

import pytest

from fulfillments.models import Fulfillment
from orders.models import Activity

BULK = "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments"


def item(order, number: str, quantity=None) -> dict:
    line = {"id": str(order.line_items.get(index=1).line_id)}
    if quantity is not None:
        line["quantity"] = quantity
    return {
        "orderId": str(order.pk),
        "fulfillments": [
            {
                "lineItems": [line],
                "trackingInfo": {"trackingNumber": number, "shippingProvider": "ups"},
            }
        ],
    }


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"number": "B\u00001"}, "fulfillments[0].trackingInfo.trackingNumber"),
        ({"number": "x" * 101}, "fulfillments[0].trackingInfo.trackingNumber"),
        ({"number": "OK", "quantity": 0}, "fulfillments[0].lineItems[0].quantity"),
    ],
)
def test_api_bulk_bad_item_refuses_the_request_naming_it(bad, field, order_factory, packer_api):
    """The typed request schema checks every item before anything is written: a malformed
    item is a 400 naming its path, and no order of the batch is touched (a retry of the
    corrected batch cannot create duplicates)."""
    a, b, c = order_factory(), order_factory(), order_factory()
    activities_b = Activity.objects.filter(order=b).count()
    response = packer_api.post(
        BULK,
        {"ordersWithFulfillments": [item(a, "A1"), item(b, **bad), item(c, "C1")]},
    )
    assert response.status_code == 400, response.content
    assert f"ordersWithFulfillments[1].{field}" in response.json()["details"]
    assert not Fulfillment.objects.filter(order__in=[a, b, c]).exists()
    assert Activity.objects.filter(order=b).count() == activities_b


def test_page_bulk_bad_number_is_that_orders_error(order_factory, packer_client):
    a, b = order_factory(lines=1), order_factory(lines=1)
    response = packer_client.post(
        "/fulfillments/bulk/",
        {
            "order": [str(a.id), str(b.id)],
            "carrier": "ups",
            f"tracking-{a.id}": "GOOD1",
            f"tracking-{b.id}": "BAD\u00002",
            "confirm": "on",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>1</strong> fulfilled, <strong>1</strong> failed" in html
    assert "Tracking number: Null characters are not allowed." in html
    assert Fulfillment.objects.get(order=a).tracking_number == "GOOD1"
    assert not Fulfillment.objects.filter(order=b).exists()


def test_page_bulk_too_long_number_is_refused_not_cut(order_factory, packer_client):
    a = order_factory(lines=1)
    response = packer_client.post(
        "/fulfillments/bulk/", {"order": [str(a.id)], f"tracking-{a.id}": "9" * 150}
    )
    assert "at most 100 characters" in response.content.decode()
    assert not Fulfillment.objects.filter(order=a).exists()
