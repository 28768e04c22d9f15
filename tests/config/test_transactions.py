"""No request commits and then answers 500: a write request's view and its response building
share one transaction, rolled back when the answer is a server error."""

from __future__ import annotations

from django.test import Client

import fulfillments.api
import fulfillments.views
from fulfillments.models import Fulfillment
from orders.models import Activity, Order

STORES = "/api/stores/v2/orders"


def broken(*args, **kwargs):
    raise RuntimeError("failed after the service saved")


def assert_nothing_written(order: Order, activities_before: int) -> None:
    assert not Fulfillment.objects.filter(order=order).exists()
    assert Activity.objects.filter(order=order).count() == activities_before
    order_now = Order.objects.get(pk=order.pk)
    assert order_now.fulfillment_status == order.fulfillment_status
    assert order_now.last_updated == order.last_updated


def test_api_failure_after_the_service_commits_nothing(order_factory, packer_api, monkeypatch):
    order = order_factory()
    activities = Activity.objects.filter(order=order).count()
    monkeypatch.setattr(fulfillments.api, "order_json_written", broken)
    response = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert response.status_code == 500
    assert response.json()["message"].startswith("Internal server error: nothing was saved")
    assert_nothing_written(order, activities)
    # The retry (once the fault is gone) creates exactly one fulfillment.
    monkeypatch.undo()
    retry = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert retry.status_code == 200
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_page_failure_after_the_service_commits_nothing(order_factory, packer, monkeypatch):
    order = order_factory()
    activities = Activity.objects.filter(order=order).count()
    monkeypatch.setattr(fulfillments.views, "order_page_done", broken)
    client = Client(raise_request_exception=False)
    client.force_login(packer)
    response = client.post(
        f"/fulfillments/{order.number}/lines/1/",
        {"line-1-quantity": "1", "line-1-carrier": "usps", "line-1-tracking_number": "Z1"},
    )
    assert response.status_code == 500
    assert_nothing_written(order, activities)
