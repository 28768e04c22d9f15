"""The Stores document's query table, over real HTTP: every field with each of the table's
operators, as the JSON string the document's examples send. An operator the table gives a field
answers what it matches (the engine's cases, tests/orders/test_query.py, sent through the API);
one it does not is a 400 naming the field and listing exactly the table's operators for it.
Sorting: the fields marked "Allowed" sort both ways, the others are a 400 naming the field."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_order
from tests.orders.test_query import CASES, orders  # noqa: F401 (the fixture the cases read)

STORES = "/api/stores/v2/orders"

# Copied from the document ("Endpoints that allow querying follow these format guidelines").
SPEC_TABLE = {
    "dateCreated": ("$eq,$ne,$hasSome,$lt,$lte,$gt,$gte", True),
    "lastUpdated": ("$eq,$ne,$hasSome,$lt,$lte,$gt,$gte", True),
    "paymentStatus": ("$eq,$ne,$hasSome", False),
    "archived": ("$eq,$ne", False),
    "number": ("$eq,$ne,$hasSome,$lt,$lte,$gt,$gte", True),
    "fulfillmentStatus": ("$eq,$ne,$hasSome", False),
    "id": ("$eq,$ne,$hasSome", False),
    "lineItems.productId": ("$eq,$ne,$hasSome,$hasAll", False),
    "lineItems.name": ("$eq,$ne,$hasSome,$hasAll", False),
    "billingInfo.address.fullName": ("$eq,$ne,$hasSome,$contains,$startsWith", False),
    "buyerInfo.id": ("$eq,$ne,$hasSome", False),
    "channelInfo.type": ("$eq,$ne,$hasSome", False),
    "enteredBy.id": ("$eq,$ne,$hasSome", False),
    "channelInfo.externalOrderId": ("$eq,$ne,$hasSome", False),
}
EVERY_OPERATOR = ("$eq", "$ne", "$hasSome", "$hasAll", "$lt", "$lte", "$gt", "$gte")
EVERY_OPERATOR += ("$contains", "$startsWith")

# A value of the field's type, so that a refusal can only be about the operator.
SAMPLE = {
    "dateCreated": 1588110826000,
    "lastUpdated": "2020-04-28T21:53:46.000Z",
    "paymentStatus": "PAID",
    "archived": True,
    "number": 10001,
    "fulfillmentStatus": "FULFILLED",
    "id": "7001d34b-11a6-4a34-8746-dc8ababeca42",
    "lineItems.productId": "df19c1f7-07d8-a265-42f8-e8dfa824cc6e",
    "lineItems.name": "Shoe",
    "billingInfo.address.fullName": "Jane",
    "buyerInfo.id": "24de6f0b-60ce-4faa-9138-2e39f1415615",
    "channelInfo.type": "WEB",
    "enteredBy.id": "24de6f0b-60ce-4faa-9138-2e39f1415615",
    "channelInfo.externalOrderId": "ext-1",
}
LIST_OPERATORS = {"$hasSome", "$hasAll"}
STRING_OPERATORS = {"$contains", "$startsWith"}


def query(api, **query):
    """POST orders/query with filter and sort as the JSON strings the document sends."""
    for key in ("filter", "sort"):
        if key in query:
            query[key] = json.dumps(query[key])
    return api.post(f"{STORES}/query", {"query": query})


SPEC_CASES = [case for case in CASES if case[0] in SPEC_TABLE]


def test_the_cases_cover_the_whole_table():
    covered = {(field, op) for field, op, _, _ in SPEC_CASES}
    table = {(f, op) for f, (ops, _) in SPEC_TABLE.items() for op in ops.split(",")}
    assert covered == table


@pytest.mark.parametrize(("field", "op", "value", "expected"), SPEC_CASES)
def test_each_operator_of_the_table_answers_what_it_matches(
    viewer_api,
    orders,  # noqa: F811
    field,
    op,
    value,
    expected,
):
    value = value(orders) if callable(value) else value
    response = query(viewer_api, filter={field: {op: value}}, sort=[{"number": "asc"}])
    assert response.status_code == 200, response.content
    body = response.json()
    numbers = [orders[key].number for key in expected]
    assert [o["number"] for o in body["orders"]] == numbers
    assert body["totalResults"] == len(numbers)
    assert body["metadata"] == {"items": len(numbers), "offset": 0}


@pytest.mark.parametrize("field", SPEC_TABLE)
@pytest.mark.parametrize("op", EVERY_OPERATOR)
def test_an_operator_outside_the_table_is_a_400_listing_the_tables(viewer_api, field, op):
    allowed = SPEC_TABLE[field][0].split(",")
    sample = SAMPLE[field]
    if op in LIST_OPERATORS:
        value = [sample]
    elif op in STRING_OPERATORS:
        value = str(sample)
    else:
        value = sample
    response = query(viewer_api, filter={field: {op: value}})
    if op in allowed:
        assert response.status_code == 200, response.content
        return
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["details"]["field"] == field
    assert body["message"] == (
        f"{field}: operator {op} is not allowed; allowed: {', '.join(allowed)}."
    )


@pytest.mark.parametrize("field", SPEC_TABLE)
def test_sorting_is_allowed_exactly_where_the_table_says(
    viewer_api,
    orders,  # noqa: F811
    field,
):
    sortable = SPEC_TABLE[field][1]
    for direction in ("asc", "desc"):
        response = query(viewer_api, sort=[{field: direction}])
        if not sortable:
            assert response.status_code == 400, response.content
            assert response.json()["details"]["field"] == field
            continue
        assert response.status_code == 200, response.content
        shown = [(o[field], o["id"]) for o in response.json()["orders"]]
        # Ties (two orders share lastUpdated) break on id, in the sort's direction (DESIGN 3).
        assert shown == sorted(shown, reverse=direction == "desc")
        assert len(shown) == 3


def test_a_field_sorted_on_twice_is_a_400_naming_it(viewer_api):
    response = query(viewer_api, sort=[{"number": "asc"}] * 1000)
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"] == "number"
    assert "more than once" in response.json()["message"]
    mixed = query(viewer_api, sort=[{"dateCreated": "desc"}, {"number": "asc"}])
    assert mixed.status_code == 200, mixed.content


def test_numeric_id_crawls_as_the_document_says(viewer_api):
    """The Order object's numericId: "Primarily used for sorting and filtering when crawling
    all orders." Sorted ascending and filtered past the last one seen (as Wix's Stores
    pagination crawls), with the value as the JSON shows it (a string) or as a number."""
    made = sorted(make_order(lines=1).number for _ in range(5))
    seen: list[int] = []
    last: str | int = 0
    for step in range(4):
        value = last if step % 2 else str(last)
        page = query(
            viewer_api,
            filter={"numericId": {"$gt": value}},
            sort=[{"numericId": "asc"}],
            paging={"limit": 2},
        )
        assert page.status_code == 200, page.content
        shown = page.json()["orders"]
        if not shown:
            break
        assert all(o["numericId"] == str(o["number"]) for o in shown)
        seen += [o["number"] for o in shown]
        last = shown[-1]["numericId"]
    assert seen == made
    for wrong, field in (
        ({"numericId": "12a"}, "numericId"),
        ({"numericId": {"$contains": "1"}}, "numericId"),
    ):
        refused = query(viewer_api, filter=wrong)
        assert refused.status_code == 400, refused.content
        assert refused.json()["details"]["field"] == field
    both = query(viewer_api, sort=[{"numericId": "asc"}, {"number": "desc"}])
    assert both.status_code == 400
    assert "more than once" in both.json()["message"]
