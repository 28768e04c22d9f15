"""The query engine, table-driven: every field x every allowed operator, and every refusal."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime

import pytest

from fulfillments.models import Fulfillment
from orders.models import ChannelType, FulfillmentStatus, PaymentStatus
from orders.query import FIELDS, QueryError, build_query

P1, P2, P3 = (uuid.UUID(int=n) for n in (101, 102, 103))
BUYER_A, BUYER_C = uuid.UUID(int=201), uuid.UUID(int=203)
ENTERED_A = uuid.UUID(int=301)


def ms(value: datetime) -> int:
    return int(value.timestamp() * 1000)


D1 = datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
D2 = datetime(2020, 5, 1, 12, 0, tzinfo=UTC)
D3 = datetime(2021, 1, 1, 12, 0, tzinfo=UTC)
PICKUP = {"deliveryOption": "Pickup", "pickupDetails": {"pickupInstructions": "Counter 2"}}


@pytest.fixture
def orders(order_factory):
    a = order_factory(
        first_name="Jane",
        last_name="Doe",
        lines=[{"name": "Coffee", "product_id": P1}, {"name": "Mug", "product_id": P2}],
        payment_status=PaymentStatus.PAID,
        fulfillment_status=FulfillmentStatus.FULFILLED,
        channel_type=ChannelType.WEB,
        channel_external_order_id="ext-a",
        buyer_id=BUYER_A,
        entered_by_id=ENTERED_A,
        date_created=D1,
        last_updated=D2,
    )
    b = order_factory(
        first_name="John",
        last_name="Smith",
        lines=[{"name": "Coffee", "product_id": P1}],
        payment_status=PaymentStatus.NOT_PAID,
        fulfillment_status=FulfillmentStatus.NOT_FULFILLED,
        channel_type=ChannelType.POS,
        channel_external_order_id="ext-b",
        buyer_id=None,
        date_created=D2,
        last_updated=D2,
        shipping_info=PICKUP,
    )
    c = order_factory(
        first_name="Janet",
        last_name="Jackson",
        lines=[{"name": "Tea", "product_id": P3}],
        payment_status=PaymentStatus.PENDING,
        fulfillment_status=FulfillmentStatus.PARTIALLY_FULFILLED,
        channel_type=ChannelType.EBAY,
        archived=True,
        buyer_id=BUYER_C,
        date_created=D3,
        last_updated=D3,
    )
    # Matches nearly everything, and must never be returned.
    hidden = order_factory(
        first_name="Jane",
        last_name="Doe",
        lines=[{"name": "Coffee", "product_id": P1}, {"name": "Tea", "product_id": P3}],
        payment_status=PaymentStatus.PAID,
        buyer_id=BUYER_A,
        date_created=D1,
        last_updated=D2,
        hidden=True,
        shipping_info=PICKUP,
    )
    # Fulfilled at D1 and D3 (a), at D2 (c); b has none.
    for order, when in [(a, D1), (a, D3), (c, D2), (hidden, D2)]:
        Fulfillment.objects.create(order=order, date_created=when)
    return {"a": a, "b": b, "c": c}


def num(key):
    return lambda o: o[key].number


def oid(key):
    return lambda o: str(o[key].id)


# (field, operator, value or function of the orders, expected order keys)
CASES = [
    ("number", "$eq", num("b"), "b"),
    ("number", "$ne", num("b"), "ac"),
    ("number", "$hasSome", lambda o: [o["a"].number, o["c"].number], "ac"),
    ("number", "$lt", num("b"), "a"),
    ("number", "$lte", num("b"), "ab"),
    ("number", "$gt", num("b"), "c"),
    ("number", "$gte", num("b"), "bc"),
    ("dateCreated", "$eq", D2.isoformat(), "b"),
    ("dateCreated", "$ne", ms(D2), "ac"),
    ("dateCreated", "$hasSome", [ms(D1), "2021-01-01T12:00:00Z"], "ac"),
    ("dateCreated", "$lt", "2020-05-01T12:00:00.000Z", "a"),
    ("dateCreated", "$lte", ms(D2), "ab"),
    ("dateCreated", "$gt", ms(D2), "c"),
    ("dateCreated", "$gte", "2020-05-01T12:00:00", "bc"),
    ("lastUpdated", "$eq", ms(D2), "ab"),
    ("lastUpdated", "$ne", ms(D2), "c"),
    ("lastUpdated", "$hasSome", [ms(D3)], "c"),
    ("lastUpdated", "$lt", ms(D3), "ab"),
    ("lastUpdated", "$lte", ms(D3), "abc"),
    ("lastUpdated", "$gt", ms(D2), "c"),
    ("lastUpdated", "$gte", ms(D2), "abc"),
    ("paymentStatus", "$eq", "PAID", "a"),
    ("paymentStatus", "$ne", "PAID", "bc"),
    ("paymentStatus", "$hasSome", ["NOT_PAID", "PENDING"], "bc"),
    ("fulfillmentStatus", "$eq", "NOT_FULFILLED", "b"),
    ("fulfillmentStatus", "$ne", "FULFILLED", "bc"),
    ("fulfillmentStatus", "$hasSome", ["FULFILLED", "PARTIALLY_FULFILLED"], "ac"),
    ("archived", "$eq", True, "c"),
    ("archived", "$ne", True, "ab"),
    ("id", "$eq", oid("a"), "a"),
    ("id", "$ne", oid("a"), "bc"),
    ("id", "$hasSome", lambda o: [str(o["a"].id), str(o["c"].id)], "ac"),
    ("buyerInfo.id", "$eq", str(BUYER_A), "a"),
    # $ne also matches NULL (b has no buyer id).
    ("buyerInfo.id", "$ne", str(BUYER_A), "bc"),
    ("buyerInfo.id", "$hasSome", [str(BUYER_A), str(BUYER_C)], "ac"),
    ("channelInfo.type", "$eq", "POS", "b"),
    ("channelInfo.type", "$ne", "WEB", "bc"),
    ("channelInfo.type", "$hasSome", ["WEB", "EBAY"], "ac"),
    ("enteredBy.id", "$eq", str(ENTERED_A), "a"),
    ("enteredBy.id", "$ne", str(ENTERED_A), "bc"),
    ("enteredBy.id", "$hasSome", [str(ENTERED_A)], "a"),
    ("channelInfo.externalOrderId", "$eq", "ext-b", "b"),
    ("channelInfo.externalOrderId", "$ne", "ext-b", "ac"),
    ("channelInfo.externalOrderId", "$hasSome", ["ext-a", "ext-b"], "ab"),
    ("lineItems.productId", "$eq", str(P1), "ab"),
    ("lineItems.productId", "$ne", str(P1), "c"),
    ("lineItems.productId", "$hasSome", [str(P2), str(P3)], "ac"),
    ("lineItems.productId", "$hasAll", [str(P1), str(P2)], "a"),
    ("lineItems.name", "$eq", "Coffee", "ab"),
    ("lineItems.name", "$ne", "Coffee", "c"),
    ("lineItems.name", "$hasSome", ["Mug", "Tea"], "ac"),
    ("lineItems.name", "$hasAll", ["Coffee", "Mug"], "a"),
    ("billingInfo.address.fullName", "$eq", "Jane Doe", "a"),
    ("billingInfo.address.fullName", "$ne", "Jane Doe", "bc"),
    ("billingInfo.address.fullName", "$hasSome", ["Jane Doe", "John Smith"], "ab"),
    ("billingInfo.address.fullName", "$contains", "JAN", "ac"),
    ("billingInfo.address.fullName", "$startsWith", "jan", "ac"),
    # Packdesk's own fields (README "Pages and API", the query API).
    ("shippingInfo.pickup", "$eq", True, "b"),
    ("shippingInfo.pickup", "$ne", True, "ac"),
    ("fulfillments.dateCreated", "$eq", ms(D2), "c"),
    # Orders without a fulfillment at D2, like those without a line item ($ne).
    ("fulfillments.dateCreated", "$ne", D2.isoformat(), "ab"),
    ("fulfillments.dateCreated", "$hasSome", [ms(D1), ms(D2)], "ac"),
    ("fulfillments.dateCreated", "$lt", ms(D2), "a"),
    ("fulfillments.dateCreated", "$lte", ms(D2), "ac"),
    ("fulfillments.dateCreated", "$gt", ms(D2), "a"),
    ("fulfillments.dateCreated", "$gte", ms(D2), "ac"),
]


def keys(query, orders) -> str:
    by_id = {order.id: key for key, order in orders.items()}
    return "".join(sorted(by_id[pk] for pk in query.queryset.values_list("id", flat=True)))


def test_cases_cover_every_field_and_operator():
    covered = {(field, op) for field, op, _, _ in CASES}
    expected = {(name, op) for name, field in FIELDS.items() for op in field.operators}
    assert covered == expected


@pytest.mark.parametrize(("field", "op", "value", "expected"), CASES)
def test_filter_operator(orders, field, op, value, expected):
    value = value(orders) if callable(value) else value
    assert keys(build_query(filter={field: {op: value}}), orders) == expected
    # The same filter as the JSON string the Stores API sends.
    assert keys(build_query(filter=json.dumps({field: {op: value}})), orders) == expected


def test_filter_bare_value_means_eq(orders):
    assert keys(build_query(filter={"paymentStatus": "PAID"}), orders) == "a"
    assert keys(build_query(filter={"archived": False}), orders) == "ab"


def test_filter_operators_on_one_field_and(orders):
    query = build_query(filter={"number": {"$gte": orders["a"].number, "$lt": orders["c"].number}})
    assert keys(query, orders) == "ab"


def test_pickup_false_means_not_a_pickup_order(orders):
    assert keys(build_query(filter={"shippingInfo.pickup": False}), orders) == "ac"
    assert keys(build_query(filter={"shippingInfo.pickup": {"$ne": False}}), orders) == "b"


def test_fulfillment_date_bounds_hold_for_one_fulfillment(orders):
    # a was fulfilled before and after the window but not within it; c within it.
    window = {"fulfillments.dateCreated": {"$gt": ms(D1), "$lt": ms(D3)}}
    assert keys(build_query(filter=window), orders) == "c"
    # As separate conditions each may hold for a different fulfillment.
    apart = {
        "$and": [
            {"fulfillments.dateCreated": {"$gt": ms(D1)}},
            {"fulfillments.dateCreated": {"$lt": ms(D3)}},
        ]
    }
    assert keys(build_query(filter=apart), orders) == "ac"


def test_packdesk_fields_refuse_other_operators(orders):
    with pytest.raises(QueryError, match=re.escape("shippingInfo.pickup: operator $hasSome")):
        build_query(filter={"shippingInfo.pickup": {"$hasSome": [True]}})
    with pytest.raises(QueryError, match=re.escape("shippingInfo.pickup")):
        build_query(filter={"shippingInfo.pickup": "yes"})
    with pytest.raises(QueryError, match=re.escape("fulfillments.dateCreated")):
        build_query(filter={"fulfillments.dateCreated": {"$gte": "soon"}})
    with pytest.raises(QueryError, match=re.escape("operator $hasAll")):
        build_query(filter={"fulfillments.dateCreated": {"$hasAll": [ms(D1)]}})


def test_filter_logical_nesting(orders):
    spec = {
        "$or": [
            {"paymentStatus": "PAID"},
            {"$and": [{"archived": True}, {"$not": {"lineItems.name": "Coffee"}}]},
        ],
        "$not": {"number": orders["c"].number},
    }
    assert keys(build_query(filter=spec), orders) == "a"
    assert keys(build_query(filter={"$not": {"$or": [{"archived": True}]}}), orders) == "ab"


def test_filter_empty_returns_all_visible(orders):
    for empty in (None, {}, "", "{}"):
        assert keys(build_query(filter=empty), orders) == "abc"


def test_line_item_filters_do_not_duplicate_orders(orders):
    query = build_query(filter={"lineItems.name": {"$hasSome": ["Coffee", "Mug"]}})
    assert query.queryset.count() == 2


def test_contains_escapes_like_wildcards(order_factory, orders):
    order_factory(first_name="100%", last_name="Real")
    query = build_query(filter={"billingInfo.address.fullName": {"$contains": "%"}})
    assert [o.billing_full_name for o in query.queryset] == ["100% Real"]


def test_sort_default_is_number_desc(orders):
    numbers = [o.number for o in build_query().queryset]
    assert numbers == sorted(numbers, reverse=True)


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ([{"number": "asc"}], "abc"),
        ('[{"number": "desc"}]', "cba"),
        ([{"dateCreated": "asc"}], "abc"),
        ([{"dateCreated": "DESC"}], "cba"),
        ([{"lastUpdated": "desc"}, {"number": "asc"}], "cab"),
    ],
)
def test_sort(orders, sort, expected):
    by_id = {order.id: key for key, order in orders.items()}
    got = "".join(by_id[o.id] for o in build_query(sort=sort).queryset)
    assert got == expected


def test_paging(orders):
    query = build_query(sort=[{"number": "asc"}], limit=1, offset=1)
    assert [o.id for o in query.page()] == [orders["b"].id]


# (filter/sort/paging keyword arguments, the field the error names, a fragment of the message)
ERRORS = [
    ({"filter": {"colour": "red"}}, "colour", "allowed fields"),
    ({"filter": {"archived": {"$gt": True}}}, "archived", "allowed: $eq, $ne"),
    ({"filter": {"number": {"$contains": "1"}}}, "number", "allowed: $eq"),
    ({"filter": {"lineItems.name": {"$startsWith": "C"}}}, "lineItems.name", "$hasAll"),
    ({"filter": {"paymentStatus": {"$hasAll": ["PAID"]}}}, "paymentStatus", "not allowed"),
    ({"filter": {"number": {"eq": 1}}}, "number", "not an operator"),
    ({"filter": {"number": "10001"}}, "number", "integer"),
    ({"filter": {"number": True}}, "number", "integer"),
    ({"filter": {"number": {"$hasSome": 10001}}}, "number", "list"),
    ({"filter": {"number": {"$hasSome": []}}}, "number", "list"),
    ({"filter": {"dateCreated": "yesterday"}}, "dateCreated", "ISO-8601"),
    ({"filter": {"lastUpdated": {"$gt": 1.5}}}, "lastUpdated", "ISO-8601"),
    ({"filter": {"archived": "true"}}, "archived", "true or false"),
    ({"filter": {"paymentStatus": "SOMETIMES"}}, "paymentStatus", "PARTIALLY_PAID"),
    ({"filter": {"fulfillmentStatus": {"$hasSome": ["FULFILLED", "x"]}}}, "fulfillmentStatus", ""),
    ({"filter": {"channelInfo.type": "WEBSITE"}}, "channelInfo.type", "WIX_APP_STORE"),
    ({"filter": {"id": "ORDER_ID_1"}}, "id", "UUID"),
    ({"filter": {"id": None}}, "id", "not null"),
    ({"filter": {"lineItems.productId": {"$hasAll": ["nope"]}}}, "lineItems.productId", "UUID"),
    ({"filter": {"enteredBy.id": 5}}, "enteredBy.id", "UUID"),
    ({"filter": {"lineItems.name": 5}}, "lineItems.name", "string"),
    (
        {"filter": {"billingInfo.address.fullName": {"$contains": 1}}},
        "billingInfo.address.fullName",
        "",
    ),
    ({"filter": '{"number": '}, "filter", "not valid JSON"),
    ({"filter": "[1, 2]"}, "filter", "JSON object"),
    ({"filter": {"$and": {"number": 1}}}, "$and", "list"),
    ({"filter": {"$or": []}}, "$or", "list"),
    ({"filter": {"$not": [1]}}, "$not", "object"),
    ({"filter": {"$and": [{"bogus": 1}]}}, "bogus", "allowed fields"),
    ({"sort": "[{"}, "sort", "not valid JSON"),
    ({"sort": [{"paymentStatus": "asc"}]}, "paymentStatus", "dateCreated, lastUpdated"),
    ({"sort": [{"number": "up"}]}, "number", "asc or desc"),
    # A second key on one field orders nothing (and a list of 1,000 was 1,000 ORDER BY terms).
    ({"sort": [{"number": "asc"}, {"number": "desc"}]}, "number", "more than once"),
    ({"sort": [{"lastUpdated": "asc"}, "number", "lastUpdated"]}, "lastUpdated", "once"),
    ({"sort": 5}, "sort", "sortable fields"),
    # A fieldName that is not a string was a 500 (an unhashable dict key; found by schemathesis).
    ({"sort": [{"fieldName": {}, "order": "ASC"}]}, "sort", "look like"),
    ({"limit": 101}, "paging.limit", "1 to 100"),
    ({"limit": 0}, "paging.limit", "1 to 100"),
    ({"limit": "5"}, "paging.limit", "1 to 100"),
    ({"offset": -1}, "paging.offset", ">= 0"),
]


@pytest.mark.parametrize(("kwargs", "field", "fragment"), ERRORS)
def test_query_errors_name_the_field(kwargs, field, fragment):
    with pytest.raises(QueryError) as info:
        build_query(**kwargs)
    assert info.value.field == field
    assert fragment in info.value.message


def test_date_range_sorted_by_number_keeps_number_order(order_factory):
    from datetime import UTC, datetime, timedelta

    from orders.query import build_query

    base = datetime(2024, 1, 1, tzinfo=UTC)
    made = [order_factory(date_created=base + timedelta(days=i)) for i in range(5)]
    query = build_query(
        filter={"dateCreated": {"$gte": "2024-01-02T00:00:00Z", "$lt": "2024-01-05T00:00:00Z"}},
        sort=[{"number": "desc"}],
    )
    assert list(query.page()) == [made[3], made[2], made[1]]
    ascending = build_query(
        filter={"$and": [{"dateCreated": {"$gte": "2024-01-02T00:00:00Z"}}]},
        sort=[{"number": "asc"}],
    )
    assert list(ascending.page()) == made[1:]
