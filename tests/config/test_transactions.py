"""No request commits and then answers 500: a write request's view and its response building
share one transaction, rolled back when the answer is a server error."""

from __future__ import annotations

from django.db import OperationalError
from django.test import Client
from psycopg import errors as pg_errors

import fulfillments.api
import fulfillments.views
from config.transactions import WRITE_CONFLICT_RETRIES
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


def deadlocking(times: int, real):
    """`real`, after raising PostgreSQL's deadlock error `times` times (as Django raises it)."""
    calls = []

    def call(*args, **kwargs):
        calls.append(1)
        if len(calls) <= times:
            raise OperationalError("deadlock detected") from pg_errors.DeadlockDetected(
                "deadlock detected"
            )
        return real(*args, **kwargs)

    call.calls = calls  # type: ignore[attr-defined]
    return call


def test_a_deadlocked_write_runs_again_and_saves_once(order_factory, packer_api, monkeypatch):
    order = order_factory()
    flaky = deadlocking(2, fulfillments.api.order_json_written)
    monkeypatch.setattr(fulfillments.api, "order_json_written", flaky)
    response = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert response.status_code == 200
    assert len(flaky.calls) == 3
    # The two rolled-back attempts left nothing: one fulfillment, one creation activity.
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert Activity.objects.filter(order=order, type="FULFILLMENT_CREATED").count() == 1


def test_a_write_that_keeps_deadlocking_is_a_503_and_saves_nothing(
    order_factory, packer_api, monkeypatch
):
    order = order_factory()
    activities = Activity.objects.filter(order=order).count()
    flaky = deadlocking(100, fulfillments.api.order_json_written)
    monkeypatch.setattr(fulfillments.api, "order_json_written", flaky)
    response = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert response.status_code == 503
    assert len(flaky.calls) == WRITE_CONFLICT_RETRIES + 1
    assert "nothing was saved" in response.json()["message"]
    assert_nothing_written(order, activities)
