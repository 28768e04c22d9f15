"""POST /api/stores/v2/orders/query and GET /api/stores/v2/orders/{id}."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import ApiKey, Order, PaymentStatus
from tests.conftest import ApiClient, api_client_for

QUERY = "/api/stores/v2/orders/query"


def numbers(response) -> list[int]:
    return [order["number"] for order in response.json()["orders"]]


def test_spec_example_paid_orders(owner_api, spec_orders):
    response = owner_api.post(QUERY, '{"query":{"filter":"{\\"paymentStatus\\": \\"PAID\\"}"}}')
    assert response.status_code == 200
    paid = Order.objects.filter(payment_status=PaymentStatus.PAID, hidden=False)
    assert sorted(numbers(response)) == sorted(o.number for o in paid)
    assert {10096, 10108, 10124} <= set(numbers(response))
    assert 10012 not in numbers(response)
    assert all(order["paymentStatus"] == "PAID" for order in response.json()["orders"])
    assert response.json()["totalResults"] == paid.count()


def test_spec_example_sorted_by_creation_time(owner_api, spec_orders):
    response = owner_api.post(QUERY, '{"query":{"sort":"[{\\"dateCreated\\": \\"asc\\"}]"}}')
    assert response.status_code == 200
    dates = [order["dateCreated"] for order in response.json()["orders"]]
    assert dates == sorted(dates)
    assert numbers(response)[:3] == [10096, 10124, 10108]


def test_spec_example_updated_within_timeframe(owner_api, order_factory, spec_orders):
    inside = [order_factory(last_updated=datetime(2020, 4, day, tzinfo=UTC)) for day in (20, 2, 10)]
    order_factory(last_updated=datetime(2020, 4, 29, tzinfo=UTC))
    order_factory(last_updated=datetime(2020, 3, 29, tzinfo=UTC))
    body = (
        '{"query": {"filter": "{\\"$and\\": [{\\"lastUpdated\\":{\\"$lte\\":1588110826000}}, '
        '{\\"lastUpdated\\":{\\"$gte\\":1585518845000}}]}", '
        '"sort": "[{\\"number\\":\\"asc\\"}]" }}'
    )
    response = owner_api.post(QUERY, body)
    assert response.status_code == 200
    assert numbers(response) == [o.number for o in inside]
    assert response.json()["metadata"] == {"items": 3, "offset": 0}
    assert response.json()["totalResults"] == 3


SPEC_BY_IDS = (
    '{"query":{"filter":"{\\"id\\": {\\"$hasSome\\": [\\"ORDER_ID_1\\",\\"ORDER_ID_2\\"]}}"}}'
)


def test_spec_example_orders_by_ids(owner_api, spec_orders):
    body = SPEC_BY_IDS.replace("ORDER_ID_1", str(spec_orders[10012].id))
    body = body.replace("ORDER_ID_2", str(spec_orders[10108].id))
    response = owner_api.post(QUERY, body)
    assert response.status_code == 200
    assert numbers(response) == [10108, 10012]
    # Exactly as written, the placeholders are not UUIDs: a 400 naming the field.
    response = owner_api.post(QUERY, SPEC_BY_IDS)
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "id"
    assert "ORDER_ID_1" in response.json()["message"]


def test_spec_paging_example_limit_one(owner_api, spec_orders):
    body = {
        "query": {
            "filter": '{"paymentStatus": "PAID"}',
            "paging": {"limit": 1},
            "sort": '[{"number": "desc"}]',
        }
    }
    paid = Order.objects.filter(payment_status=PaymentStatus.PAID, hidden=False)
    response = owner_api.post(QUERY, body)
    assert response.status_code == 200
    data = response.json()
    assert data["metadata"] == {"items": 1, "offset": 0}
    assert data["totalResults"] == paid.count()
    (order,) = data["orders"]
    assert order["number"] == paid.order_by("-number").first().number
    # Page two with the offset.
    body["query"]["paging"]["offset"] = 1
    second = owner_api.post(QUERY, body).json()
    assert second["metadata"] == {"items": 1, "offset": 1}
    assert second["orders"][0]["number"] < order["number"]


def test_query_returns_spec_order_shape(owner_api, spec_orders):
    response = owner_api.post(QUERY, {"query": {"filter": {"number": 10108}}})
    (order,) = response.json()["orders"]
    assert order["id"] == "265c7d98-a7c3-48c4-89cd-bbdc00921eab"
    assert order["dateCreated"] == "2021-05-25T13:51:01.718Z"
    assert order["totals"]["total"] == "215.66"
    assert order["billingInfo"]["address"]["fullName"] == {"firstName": "Jane", "lastName": "Doe"}
    assert order["lineItems"][0]["name"] == "Indonesian Blend"


def test_query_accepts_objects_and_never_returns_hidden(owner_api, order_factory):
    shown = order_factory(first_name="Shown")
    order_factory(first_name="Shown", hidden=True)
    response = owner_api.post(
        QUERY, {"query": {"filter": {"billingInfo.address.fullName": {"$startsWith": "shown"}}}}
    )
    assert numbers(response) == [shown.number]
    assert response.json()["totalResults"] == 1


def test_query_default_body(owner_api, order_factory):
    made = [order_factory() for _ in range(3)]
    response = owner_api.post(QUERY, {})
    assert response.status_code == 200
    assert numbers(response) == sorted((o.number for o in made), reverse=True)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": {"filter": '{"nope": 1}'}}, "nope"),
        ({"query": {"filter": '{"archived": {"$gt": true}}'}}, "archived"),
        ({"query": {"filter": '{"number": "x"}'}}, "number"),
        ({"query": {"filter": '{"paymentStatus": "MAYBE"}'}}, "paymentStatus"),
        ({"query": {"filter": '{"buyerInfo.id": "not-a-uuid"}'}}, "buyerInfo.id"),
        ({"query": {"filter": "{not json"}}, "filter"),
        ({"query": {"sort": "[{"}}, "sort"),
        ({"query": {"sort": '[{"paymentStatus": "asc"}]'}}, "paymentStatus"),
        ({"query": {"paging": {"limit": 101}}}, "paging.limit"),
        ({"query": {"paging": {"limit": 0}}}, "paging.limit"),
        ({"query": {"paging": {"offset": -5}}}, "paging.offset"),
        # A NUL escaped inside the filter's own JSON reaches the query language, not the schema.
        ({"query": {"filter": '{"lineItems.name": "x\\u0000"}'}}, "lineItems.name"),
        (
            {"query": {"filter": '{"channelInfo.externalOrderId": {"$hasSome": ["a\\u0000"]}}'}},
            "channelInfo.externalOrderId",
        ),
        (
            {"query": {"filter": '{"billingInfo.address.fullName": {"$contains": "\\u0000"}}'}},
            "billingInfo.address.fullName",
        ),
    ],
)
def test_query_errors_are_400_naming_the_field(owner_api, body, field):
    response = owner_api.post(QUERY, body)
    assert response.status_code == 400
    data = response.json()
    assert data["details"]["field"] == field
    assert field in data["message"]
    # Where Wix's SDKs read the field from (a standard Wix validation error).
    violations = data["details"]["validationError"]["fieldViolations"]
    assert violations[0]["field"] == field and violations[0]["description"]


@pytest.mark.parametrize(
    "body",
    [
        "{broken",
        '{"query": {"paging": {"limit": "many"}}}',
        '{"query": {"filter": 5}}',
    ],
)
def test_malformed_bodies_are_400_json(owner_api, body):
    response = owner_api.post(QUERY, body)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "details"}


def test_query_count_is_fixed_whatever_the_page_size(owner_api, order_factory):
    order_factory(lines=3)
    owner_api.post(QUERY, {})  # the key's first use records last_used
    with CaptureQueriesContext(connection) as one:
        assert owner_api.post(QUERY, {}).status_code == 200
    for _ in range(12):
        order_factory(lines=3)
    with CaptureQueriesContext(connection) as many:
        response = owner_api.post(QUERY, {})
    assert len(response.json()["orders"]) == 13
    assert len(many) == len(one)


def test_get_order(owner_api, spec_orders):
    order = spec_orders[10108]
    response = owner_api.get(f"/api/stores/v2/orders/{order.id}")
    assert response.status_code == 200
    assert response.json()["order"]["number"] == 10108
    assert response.json()["order"]["id"] == str(order.id)


def test_get_order_unknown_hidden_and_malformed(owner_api, order_factory):
    hidden = order_factory(hidden=True)
    for missing in (hidden.id, "00000000-0000-0000-0000-000000000000"):
        response = owner_api.get(f"/api/stores/v2/orders/{missing}")
        assert response.status_code == 404
        assert "not found" in response.json()["message"]
    response = owner_api.get("/api/stores/v2/orders/ORDER_ID_1")
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "id"


@pytest.mark.parametrize("key", [None, "pdk_wrong", "nonsense"])
def test_missing_or_wrong_key_is_401(db, key):
    client = ApiClient(key)
    assert client.post(QUERY, {}).status_code == 401
    response = client.get("/api/stores/v2/orders/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 401
    assert "API key" in response.json()["message"]


def test_revoked_key_is_401(owner):
    key, raw = ApiKey.generate(user=owner, name="old")
    key.revoked = True
    key.save()
    assert ApiClient(raw).post(QUERY, {}).status_code == 401


def test_a_deactivated_users_key_is_401_at_once(packer, order_factory):
    """People leave by being deactivated (the admin keeps users that orders' activity names):
    their keys stop with them, on the next request, reads and writes alike."""
    order = order_factory(lines=1)
    _, raw = ApiKey.generate(user=packer, name="leaving")
    client = ApiClient(raw)
    assert client.post(QUERY, {}).status_code == 200
    packer.is_active = False
    packer.save(update_fields=["is_active"])
    assert client.post(QUERY, {}).status_code == 401
    email = client.patch(f"/api/stores/v2/orders/{order.id}/updateEmail", {"email": "x@y.co"})
    assert email.status_code == 401
    assert Order.objects.get(pk=order.pk).buyer_email == order.buyer_email


def test_without_permission_is_403(nobody, order_factory):
    order = order_factory()
    client = api_client_for(nobody)
    assert client.post(QUERY, {}).status_code == 403
    response = client.get(f"/api/stores/v2/orders/{order.id}")
    assert response.status_code == 403
    assert "orders.view_order" in response.json()["message"]


def test_viewer_may_query(viewer_api, order_factory):
    order = order_factory()
    assert numbers(viewer_api.post(QUERY, {})) == [order.number]


def test_openapi_lists_the_endpoints(owner_client):
    response = owner_client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "post" in paths["/api/stores/v2/orders/query"]
    assert "get" in paths["/api/stores/v2/orders/{order_id}"]


def test_createapikey_prints_a_working_key_once(owner):
    out, err = io.StringIO(), io.StringIO()
    call_command("createapikey", "owner", "--name", "shop sync", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    key = ApiKey.objects.get(name="shop sync")
    assert key.user == owner
    assert raw not in json.dumps([key.key_hash, key.prefix, key.name])
    assert ApiClient(raw).post(QUERY, {}).status_code == 200


def test_createapikey_unknown_user(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No user named"):
        call_command("createapikey", "ghost")


def test_total_results_is_exact_below_the_threshold_and_estimated_above(
    viewer_api, order_factory, monkeypatch
):
    for _ in range(3):
        order_factory(payment_status="PAID")
    body = viewer_api.post("/api/stores/v2/orders/query", {"query": {}}).json()
    assert body["totalResults"] == 3
    monkeypatch.setattr("orders.counting.COUNT_EXACT_UP_TO", 2)
    body = viewer_api.post("/api/stores/v2/orders/query", {"query": {}}).json()
    assert body["totalResults"] >= 3


@pytest.mark.parametrize(
    "filter_",
    [
        {"number": 10012.0},
        {"number": {"$hasSome": [10012.0, 99999]}},
        {"dateCreated": 1678184643380.0},
        {"dateCreated": {"$gte": 1678184643380.0, "$lt": 1678184643381}},
    ],
)
def test_filter_numbers_written_with_a_point_zero_are_whole(owner_api, spec_orders, filter_):
    """JSON Schema's integer includes 10012.0, as request bodies take it (config/schemas.py);
    a Python client's json.dumps writes a float that way."""
    response = owner_api.post(QUERY, {"query": {"filter": filter_}})
    assert response.status_code == 200, response.content
    assert numbers(response) == [10012]


@pytest.mark.parametrize("value", [10012.5, 1678184643380.5])
def test_filter_numbers_with_a_fraction_are_still_refused(owner_api, value):
    field = "number" if value < 1e6 else "dateCreated"
    response = owner_api.post(QUERY, {"query": {"filter": {field: value}}})
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
