"""Both APIs answer at Wix's own paths too, with the API key in `Authorization` as Wix's."""

from __future__ import annotations

import pytest

from tests.conftest import ApiClient
from tests.factories import make_order


@pytest.mark.parametrize(
    ("method", "wix_path", "body"),
    [
        ("get", "/stores/v2/orders/{id}", None),
        ("post", "/stores/v2/orders/query", {"query": {"filter": '{"number": {"$gt": 0}}'}}),
        ("get", "/ecom/v1/fulfillments/orders/{id}", None),
        ("post", "/ecom/v1/fulfillments/list-by-ids", {"orderIds": ["{id}"]}),
    ],
)
def test_wix_paths_answer_as_the_api_paths(owner_api, method, wix_path, body):
    order = make_order(lines=1)
    path = wix_path.format(id=order.pk)
    if body is not None:
        body = {"orderIds": [str(order.pk)]} if "orderIds" in body else body
    call = getattr(owner_api, method)
    wix = call(path) if body is None else call(path, body)
    ours = call("/api" + path) if body is None else call("/api" + path, body)
    assert wix.status_code == 200, wix.content
    assert wix.json() == ours.json()
    assert str(order.pk) in wix.content.decode()
    anonymous = getattr(ApiClient(None), method)
    assert (anonymous(path) if body is None else anonymous(path, body)).status_code == 401


def test_wix_paths_write_too(packer_api):
    order = make_order(lines=1)
    line_id = str(order.line_items.get().line_id)
    response = packer_api.post(
        f"/ecom/v1/fulfillments/orders/{order.pk}/create-fulfillment",
        {"orderId": str(order.pk), "fulfillment": {"lineItems": [{"id": line_id}]}},
    )
    assert response.status_code == 200, response.content
    fulfillment = response.json()["orderWithFulfillments"]["fulfillments"][0]
    assert set(fulfillment) == {"id", "createdDate", "lineItems", "trackingInfo"}
    response = packer_api.patch(
        f"/ecom/v1/fulfillments/{fulfillment['id']}/orders/{order.pk}",
        {
            "orderId": str(order.pk),
            "fulfillment": {"id": fulfillment["id"], "trackingInfo": {"trackingNumber": "77"}},
        },
    )
    assert response.status_code == 200, response.content
    mismatch = packer_api.patch(
        f"/ecom/v1/fulfillments/{fulfillment['id']}/orders/{order.pk}",
        {"fulfillment": {"_id": str(order.pk), "trackingInfo": {"trackingNumber": "78"}}},
    )
    assert mismatch.status_code == 400
    assert mismatch.json()["details"]["field"] == "fulfillment.id"


def test_wix_paths_errors_are_the_apis_json(owner_api):
    response = owner_api.get("/stores/v2/orders/nope/unknown/path")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert "message" in response.json()
