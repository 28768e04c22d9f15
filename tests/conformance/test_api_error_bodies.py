"""Every 400 of the API names the input at fault as the client wrote it, and says why.

A body that is not JSON names `body`; a value of the wrong type where the API takes one of
several types (a filter object or its JSON string) names the input once, not pydantic's
members of the union; the message carries each field's reason, not only its name.
"""

from __future__ import annotations

import pytest

from orders.models import Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"


@pytest.mark.parametrize("raw", [b"not json", b"{", b'{"query": }', b"\xff\xfe{}"])
def test_a_body_that_is_not_json_names_the_body(owner_api, raw):
    response = owner_api.post(f"{STORES}/query", raw)
    assert response.status_code == 400
    body = response.json()
    assert body["details"]["field"] == "body"
    assert "not valid JSON" in body["message"]


def test_a_write_with_a_body_that_is_not_json_names_the_body_and_writes_nothing(owner_api):
    response = owner_api.post(STORES, b'{"order": {"lineItems": [')
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "body"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": {"filter": 5}}, "query.filter"),
        ({"query": {"filter": True}}, "query.filter"),
        ({"query": {"sort": 5}}, "query.sort"),
        ({"query": {"sort": True}}, "query.sort"),
    ],
)
def test_a_wrong_type_for_a_union_names_the_input_once(viewer_api, body, field):
    response = viewer_api.post(f"{STORES}/query", body)
    assert response.status_code == 400
    details = response.json()["details"]
    assert details["field"] == field
    assert set(details) - {"validationError"} == {"field", field}, details
    assert [v["field"] for v in details["validationError"]["fieldViolations"]] == [field]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"filter": {"": 1}}, "filter"),
        ({"sort": [{"": "asc"}]}, "sort"),
        ({"sort": [{"fieldName": ""}]}, "sort"),
    ],
)
def test_an_empty_key_in_a_filter_or_sort_names_where_it_is(viewer_api, query, field):
    response = viewer_api.post(f"{STORES}/query", {"query": query})
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field


def test_an_address_part_of_a_wrong_type_names_the_part(owner_api):
    body = {
        "order": {
            "lineItems": [{"name": "Mug", "quantity": 1, "price": "5"}],
            "billingInfo": {"address": {"street": 5}},
        }
    }
    response = owner_api.post(STORES, body)
    assert response.status_code == 400
    details = response.json()["details"]
    assert details["field"] == "order.billingInfo.address.street"
    assert set(details) - {"validationError"} == {"field", "order.billingInfo.address.street"}, (
        details
    )


def test_the_message_says_why_not_only_which_field(viewer_api):
    response = viewer_api.post(f"{STORES}/query", {"query": {"paging": {"limit": "5"}}})
    assert response.status_code == 400
    message = response.json()["message"]
    assert "query.paging.limit" in message
    assert "integer" in message
    assert "Value error" not in viewer_api.post(f"{STORES}/query", []).json()["message"]


# A lone UTF-16 surrogate: valid as a JSON escape, but no character, with no UTF-8 form for
# PostgreSQL (psycopg raised UnicodeEncodeError: a 500).
SURROGATE = "a\\ud800b"
LINES = '"lineItems": [{"name": "Mug", "quantity": 1}]'
ADDRESS = '"billingInfo": {"address": {"city": "Oslo"}}'


@pytest.mark.parametrize(
    ("path", "raw", "field"),
    [
        # Inside a free-form value (a filter object, subscriptionInfo, an address) the field
        # named is the place of the string within it.
        ("query", '{"query": {"filter": {"lineItems.name": "%s"}}}', "query.filter.lineItems.name"),
        # Escaped once more: the surrogate appears only when the filter's own JSON is read.
        (
            "query",
            '{"query": {"filter": "{\\"lineItems.name\\": \\"a\\\\ud800\\"}"}}',
            "lineItems.name",
        ),
        (
            "query",
            '{"query": {"filter": "{\\"billingInfo.address.fullName\\": '
            '{\\"$contains\\": \\"a\\\\udfff\\"}}"}}',
            "billingInfo.address.fullName",
        ),
        (
            "",
            '{"order": {"subscriptionInfo": {"note": "%s"}, ' + LINES + ", " + ADDRESS + "}}",
            "order.subscriptionInfo.note",
        ),
        # A bad key names the object holding it.
        (
            "",
            '{"order": {"subscriptionInfo": {"%s": 1}, ' + LINES + ", " + ADDRESS + "}}",
            "order.subscriptionInfo",
        ),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(owner_api, path, raw, field):
    url = f"{STORES}/{path}" if path else STORES
    response = owner_api.post(url, (raw.replace("%s", SURROGATE)).encode())
    assert response.status_code == 400, response.content
    named = response.json()["details"]["field"]
    assert named == field
    assert not Order.objects.exists()


def test_a_lone_surrogate_in_a_shipping_address_writes_nothing(packer_api):
    order = make_order(lines=1)
    before = Order.objects.get(pk=order.pk).shipping_info
    raw = '{"shippingAddress": {"city": "' + SURROGATE + '"}}'
    response = packer_api.put(f"{STORES}/{order.pk}/updateShippingAddress", raw.encode())
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"] == "shippingAddress.city"
    assert Order.objects.get(pk=order.pk).shipping_info == before
