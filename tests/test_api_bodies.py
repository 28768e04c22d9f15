"""Request bodies of the wrong JSON type are a 400 naming the field, never read as defaults."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "everything"}, "query"),
        ([], "body"),
        ({"query": {"paging": "x"}}, "query.paging"),
    ],
)
def test_query_body_of_wrong_type_is_400(viewer_api, body, field):
    response = viewer_api.post("/api/stores/v2/orders/query", body)
    assert response.status_code == 400
    assert field in response.json()["details"]


@pytest.mark.parametrize(
    ("path", "method", "body"),
    [
        (
            "/api/stores/v2/orders/{id}/fulfillments",
            "post",
            {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}], "trackingInfo": "fedex"}},
        ),
        ("/api/stores/v2/orders/{id}/fulfillments/{fid}", "put", {"fulfillmentTrackingInfo": 5}),
        ("/api/ecom/v1/fulfillments/{fid}/orders/{id}", "patch", {"fulfillment": []}),
    ],
)
def test_fulfillment_body_of_wrong_type_is_400(owner_api, spec_orders, path, method, body):
    order = spec_orders[10012]
    fulfillment = order.fulfillments.get()
    url = path.format(id=order.pk, fid=fulfillment.pk)
    response = getattr(owner_api, method)(url, body)
    assert response.status_code == 400, response.content
    assert order.fulfillments.count() == 1
