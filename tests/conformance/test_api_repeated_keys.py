"""A JSON object that names one key twice is a 400 naming that key, on every endpoint and in the
Stores API's filter and sort strings: Python's json would keep the last value without a word
(another reader keeps the first), so which one the client meant is unknown. Nothing is written."""

from __future__ import annotations

import pytest

from orders.models import Activity, Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"query": {}, "query": {"paging": {"limit": 1}}}', "query"),
        ('{"query": {"paging": {"limit": 1, "limit": 2}}}', "query.paging.limit"),
        (
            '{"query": {"filter": "{\\"$and\\": [{\\"number\\": 1}, '
            '{\\"number\\": 1, \\"number\\": 2}]}"}}',
            "filter.$and[1].number",
        ),
        (
            '{"query": {"sort": "[{\\"number\\": \\"asc\\", \\"number\\": \\"desc\\"}]"}}',
            "sort[0].number",
        ),
    ],
)
def test_a_repeated_key_in_a_query_is_a_400_naming_it(viewer_api, raw, field):
    make_order(lines=1)
    response = viewer_api.post(f"{STORES}/query", raw)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["details"]["field"] == field
    assert "more than once" in body["message"]
    violations = body["details"]["validationError"]["fieldViolations"]
    assert [v["field"] for v in violations] == [field]


def test_the_same_query_without_the_repeat_answers(viewer_api):
    order = make_order(lines=1)
    response = viewer_api.post(
        f"{STORES}/query",
        '{"query": {"filter": "{\\"number\\": NUMBER}"}}'.replace("NUMBER", str(order.number)),
    )
    assert response.status_code == 200
    assert [o["number"] for o in response.json()["orders"]] == [order.number]


def test_a_repeated_key_in_a_write_is_a_400_and_writes_nothing(packer_api):
    order = make_order(lines=[{"quantity": 2}])
    line = order.line_items.get()
    before = (order.buyer_email, order.last_updated, Activity.objects.filter(order=order).count())
    email = packer_api.patch(
        f"{STORES}/{order.id}/updateEmail", '{"email": "a@example.com", "email": "b@example.com"}'
    )
    assert email.status_code == 400
    assert email.json()["details"]["field"] == "email"
    create = packer_api.post(
        f"{ECOM}/orders/{order.id}/create-fulfillment",
        '{"fulfillment": {"lineItems": [{"id": "LINE", "quantity": 1, "quantity": 2}]}}'.replace(
            "LINE", str(line.line_id)
        ),
    )
    assert create.status_code == 400
    assert create.json()["details"]["field"] == "fulfillment.lineItems[0].quantity"
    order = Order.objects.get(pk=order.pk)
    after = (order.buyer_email, order.last_updated, Activity.objects.filter(order=order).count())
    assert after == before
    assert not order.fulfillments.exists()
