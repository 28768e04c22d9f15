"""Idempotency-Key on the API's create endpoints: the same key and body return the first
answer and write nothing; the same key with another body is a 422; keys are per user and
expire."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from fulfillments.models import Fulfillment
from orders.models import Activity, IdempotencyKey, Order
from orders.webhooks.models import WebhookEvent

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"


def post(api, path: str, body: dict, key: str | None):
    headers = {**api.headers}
    if key is not None:
        headers["Idempotency-Key"] = key
    return api.client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def create_order_body() -> dict:
    return {
        "order": {
            "lineItems": [{"name": "Mug", "quantity": 1, "price": "5.00"}],
            "billingInfo": {"address": {"fullName": {"firstName": "Ida", "lastName": "B"}}},
            "shippingInfo": {"shipmentDetails": {"address": {"city": "Oslo", "country": "NO"}}},
        }
    }


def counts(order=None) -> tuple:
    if order is None:
        return (Order.objects.count(), Activity.objects.count(), WebhookEvent.objects.count())
    return (
        Fulfillment.objects.filter(order=order).count(),
        Activity.objects.filter(order=order).count(),
        WebhookEvent.objects.count(),
    )


def test_order_create_replays_first_answer(owner_api):
    first = post(owner_api, STORES, create_order_body(), "key-1")
    assert first.status_code == 200, first.content
    before = counts()
    again = post(owner_api, STORES, create_order_body(), "key-1")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert counts() == before
    other = post(owner_api, STORES, create_order_body(), "key-2")
    assert other.json()["order"]["id"] != first.json()["order"]["id"]


@pytest.mark.parametrize("api_kind", ["stores", "ecom"])
def test_fulfillment_create_replays_first_answer(api_kind, order_factory, packer_api):
    order = order_factory()
    if api_kind == "stores":
        path = f"{STORES}/{order.pk}/fulfillments"
        body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    else:
        path = f"{ECOM}/orders/{order.pk}/create-fulfillment"
        line = str(order.line_items.get(index=1).line_id)
        body = {"fulfillment": {"lineItems": [{"id": line, "quantity": 1}]}}
    first = post(packer_api, path, body, "retry-me")
    assert first.status_code == 200, first.content
    before = counts(order)
    # Key order and white space do not make it a different request.
    respaced = json.loads(json.dumps(body))
    again = post(packer_api, path, respaced, "retry-me")
    assert again.status_code == 200
    assert again.json() == first.json()
    assert counts(order) == before == (1, before[1], before[2])


def test_bulk_create_replays_first_answer(order_factory, packer_api):
    a, b = order_factory(), order_factory()
    body = {
        "ordersWithFulfillments": [
            {
                "orderId": str(o.pk),
                "fulfillments": [{"lineItems": [{"id": str(o.line_items.get(index=1).line_id)}]}],
            }
            for o in (a, b)
        ]
    }
    path = f"{ECOM}/orders/bulk/create-fulfillments"
    first = post(packer_api, path, body, "bulk-1")
    assert first.json()["bulkActionMetadata"]["totalSuccesses"] == 2
    again = post(packer_api, path, body, "bulk-1")
    assert again.json() == first.json()
    assert Fulfillment.objects.filter(order__in=[a, b]).count() == 2


def test_same_key_with_another_body_is_422(order_factory, packer_api):
    order = order_factory()
    path = f"{STORES}/{order.pk}/fulfillments"
    post(packer_api, path, {"fulfillment": {"lineItems": [{"index": 1}]}}, "k")
    response = post(packer_api, path, {"fulfillment": {"lineItems": [{"index": 2}]}}, "k")
    assert response.status_code == 422
    assert response.json()["details"]["field"] == "Idempotency-Key"
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_refused_request_does_not_keep_its_key(order_factory, packer_api):
    order = order_factory()
    path = f"{STORES}/{order.pk}/fulfillments"
    body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 5}]}}  # only 1 ordered
    assert post(packer_api, path, body, "k").status_code == 400
    assert not IdempotencyKey.objects.exists()
    fixed = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    assert post(packer_api, path, fixed, "k").status_code == 200


def test_keys_are_per_user(order_factory, packer_api, owner_api):
    order = order_factory(lines=[{"quantity": 2}])
    path = f"{STORES}/{order.pk}/fulfillments"
    body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    assert post(packer_api, path, body, "shared").status_code == 200
    assert post(owner_api, path, body, "shared").status_code == 200
    assert Fulfillment.objects.filter(order=order).count() == 2


def test_expired_key_runs_again(order_factory, packer_api):
    order = order_factory(lines=[{"quantity": 2}])
    path = f"{STORES}/{order.pk}/fulfillments"
    body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    post(packer_api, path, body, "old")
    IdempotencyKey.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert post(packer_api, path, body, "old").status_code == 200
    assert Fulfillment.objects.filter(order=order).count() == 2
    assert IdempotencyKey.objects.get().expires > timezone.now()


def test_a_new_key_removes_expired_keys_of_others(order_factory, packer_api, owner_api, owner):
    order = order_factory(lines=[{"quantity": 5}])
    path = f"{STORES}/{order.pk}/fulfillments"
    body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    now = timezone.now()
    IdempotencyKey.objects.bulk_create(
        IdempotencyKey(user=owner, key=f"old-{i}", request_hash="x", expires=now - timedelta(1))
        for i in range(3)
    )
    kept = IdempotencyKey.objects.create(
        user=owner, key="live", request_hash="x", expires=now + timedelta(1)
    )
    assert post(packer_api, path, body, "new").status_code == 200
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"live", "new"}
    assert IdempotencyKey.objects.get(key="live") == kept


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_malformed_key_is_400(key, order_factory, packer_api):
    order = order_factory()
    response = post(
        packer_api,
        f"{STORES}/{order.pk}/fulfillments",
        {"fulfillment": {"lineItems": [{"index": 1}]}},
        key,
    )
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "Idempotency-Key"
    assert not Fulfillment.objects.filter(order=order).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_create_once(packer):
    from tests.conftest import api_client_for
    from tests.factories import make_order

    order = make_order(lines=[{"quantity": 5}])
    api = api_client_for(packer)
    path = f"{STORES}/{order.pk}/fulfillments"
    body = {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}}
    answers = []
    start = threading.Barrier(4)

    def send():
        start.wait()
        try:
            answers.append(post(api, path, body, "race"))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [r.status_code for r in answers] == [200] * 4
    assert len({r.json()["id"] for r in answers}) == 1
    assert Fulfillment.objects.filter(order=order).count() == 1
