"""Bulk fulfil from the orders list: each order's remaining shippable items."""

from __future__ import annotations

import uuid

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import FulfillmentStatus, LineItemType, Order


def test_bulk_fulfil_each_order_with_its_number(order_factory, packer_client):
    a = order_factory(lines=[{"quantity": 2}, {"quantity": 1}])
    b = order_factory(
        lines=[{"quantity": 1}, {"quantity": 1, "line_item_type": LineItemType.DIGITAL}]
    )
    fulfillment_create(order=a, lines=[(1, 1)], actor=None)
    response = packer_client.post(
        "/fulfillments/bulk/",
        {
            "order": [str(a.id), str(b.id)],
            "carrier": "fedex",
            f"tracking-{a.id}": "AAA",
            "tracking_number": "SHARED",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> fulfilled, <strong>0</strong> failed" in html
    latest_a = Fulfillment.objects.filter(order=a).order_by("-date_created").first()
    assert latest_a.tracking_number == "AAA"
    assert sorted(latest_a.lines.values_list("line_item__index", "quantity")) == [(1, 1), (2, 1)]
    fb = Fulfillment.objects.get(order=b)
    assert fb.tracking_number == "SHARED"
    assert fb.tracking_link.endswith("trackingnumber=SHARED")
    assert list(fb.lines.values_list("line_item__index", flat=True)) == [1]
    for order in (a, b):
        assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


def test_bulk_fulfil_reports_failures_per_order(order_factory, packer_client):
    ok = order_factory(lines=1)
    canceled = order_factory(lines=1, fulfillment_status=FulfillmentStatus.CANCELED)
    done = order_factory(lines=1)
    fulfillment_create(order=done, lines=[(1, 1)], actor=None)
    missing = uuid.uuid4()
    response = packer_client.post(
        "/fulfillments/bulk/",
        {"order": [str(ok.id), str(canceled.id), str(done.id), str(missing)]},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="bulk-results"')
    assert "<strong>1</strong> fulfilled, <strong>3</strong> failed" in html
    assert "canceled" in html
    assert "Nothing left to ship." in html
    assert "Order not found." in html
    assert Fulfillment.objects.filter(order=ok).count() == 1
    assert not Fulfillment.objects.filter(order=canceled).exists()


def test_bulk_fulfil_bad_input(db, packer_client):
    response = packer_client.post("/fulfillments/bulk/", {"order": ["not-a-uuid"]})
    assert response.status_code == 400
    assert "Not an order id" in response.content.decode()
    assert packer_client.post("/fulfillments/bulk/", {}).status_code == 400
    assert packer_client.get("/fulfillments/bulk/").status_code == 405
