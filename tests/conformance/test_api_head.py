"""HEAD on the APIs' reads answers as GET without the body: same status, headers and
Content-Length, with GET's key and permission checks (monitors and link checkers probe so)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import User

from config.urls import api
from tests.conftest import ApiClient, api_client_for
from tests.factories import make_order

READS = [
    "/api/stores/v2/orders/{id}",
    "/api/ecom/v1/fulfillments/orders/{id}",
    "/stores/v2/orders/{id}",
    "/ecom/v1/fulfillments/orders/{id}",
]


def head(client: ApiClient, path: str):
    return client.client.head(path, headers=client.headers)


@pytest.mark.parametrize("read", READS)
def test_head_is_get_without_the_body(owner_api, read):
    order = make_order(lines=2)
    path = read.format(id=order.pk)
    got = owner_api.get(path)
    headed = head(owner_api, path)
    assert got.status_code == headed.status_code == 200
    assert headed.content == b""
    assert headed["Content-Type"] == got["Content-Type"] == "application/json; charset=utf-8"
    assert int(headed["Content-Length"]) == len(got.content) > 0


@pytest.mark.parametrize("read", READS)
def test_head_checks_the_key_the_permission_and_the_order_as_get_does(db, owner_api, read):
    order = make_order(lines=1)
    nobody = api_client_for(User.objects.create_user(username="nobody", password="x"))
    hidden = make_order(lines=1, hidden=True)
    cases = [
        (ApiClient(None), order.pk, 401),
        (ApiClient("pdk_wrong"), order.pk, 401),
        (nobody, order.pk, 403),
        (owner_api, uuid.UUID(int=5), 404),
        (owner_api, hidden.pk, 404),
    ]
    for client, order_id, status in cases:
        path = read.format(id=order_id)
        got = client.get(path)
        headed = head(client, path)
        assert got.status_code == headed.status_code == status
        assert got.json()["message"]
        assert headed.content == b""
        assert int(headed["Content-Length"]) == len(got.content)


def test_writes_still_refuse_head(owner_api):
    response = head(owner_api, "/api/stores/v2/orders/query")
    assert response.status_code == 405
    assert "POST" in response["Allow"] and "HEAD" not in response["Allow"]


def test_the_document_lists_the_reads_as_get_only():
    paths = api.get_openapi_schema()["paths"]
    assert all("head" not in item for item in paths.values())
    assert set(paths["/api/stores/v2/orders/{order_id}"]) == {"get"}
    assert set(paths["/api/ecom/v1/fulfillments/orders/{orderId}"]) == {"get"}
