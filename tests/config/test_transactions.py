"""No request commits and then answers 500: a write request's view and its response building
share one transaction, rolled back when the answer is a server error."""

from __future__ import annotations

from django.db import OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import resolve, reverse
from psycopg import errors as pg_errors

import fulfillments.api
import fulfillments.views
import orders.api
from config.transactions import READ_ONLY_POSTS, WRITE_CONFLICT_RETRIES, read_only_post
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
    # The site's own page, which says so (not Django's bare "Server Error (500)").
    page = response.content.decode()
    assert "<h1>Something went wrong</h1>" in page
    assert "nothing of it was saved" in page


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


def atomic_depth_during(module, name: str, monkeypatch) -> list[int]:
    """Record how many atomic blocks are open on `default` when `module.name` is called."""
    depths: list[int] = []
    real = getattr(module, name)

    def recording(*args, **kwargs):
        depths.append(len(connection.atomic_blocks))
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)
    return depths


def test_read_only_posts_run_without_the_write_transaction(
    order_factory, packer_api, viewer_api, monkeypatch
):
    order = order_factory()
    outside = len(connection.atomic_blocks)  # the test's own transaction
    query_depths = atomic_depth_during(orders.api, "order_to_dict", monkeypatch)
    response = viewer_api.post(f"{STORES}/query", {"query": {"paging": {"limit": 5}}})
    assert response.status_code == 200
    assert query_depths and set(query_depths) == {outside}

    by_ids_depths = atomic_depth_during(fulfillments.api, "order_with_fulfillments", monkeypatch)
    response = viewer_api.post(
        "/api/ecom/v1/fulfillments/list-by-ids", {"orderIds": [str(order.pk)]}
    )
    assert response.status_code == 200
    assert by_ids_depths == [outside]

    # A write still runs inside the request's transaction.
    write_depths = atomic_depth_during(fulfillments.api, "order_json_written", monkeypatch)
    response = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert response.status_code == 200
    assert write_depths == [outside + 1]


def test_read_only_posts_name_post_routes_at_both_paths():
    for name in READ_ONLY_POSTS:
        api_path = reverse(f"api:{name}")
        wix_path = api_path.removeprefix("/api")
        for path in (api_path, wix_path):
            match = resolve(path)
            assert match.url_name == name
            assert read_only_post(RequestFactory().post(path))
            assert not read_only_post(RequestFactory().put(path))
    assert not read_only_post(RequestFactory().post(f"{STORES}/query-not"))
    assert not read_only_post(RequestFactory().post(STORES))
