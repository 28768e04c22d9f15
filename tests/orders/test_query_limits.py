"""What one filter, page or search may cost is bounded: value lists, nesting and conditions,
offsets and integers are capped with a 400 naming the limit (a message on the list page), and
a statement that runs past the timeout is a clean 503 / page message, never a 500."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, connections

from orders.query import MAX_FILTER_DEPTH, MAX_FILTER_NODES, MAX_LIST_VALUES, MAX_OFFSET

QUERY = "/api/stores/v2/orders/query"


def nested(op: str, depth: int) -> dict:
    spec: dict = {"number": {"$gt": 1}}
    for _ in range(depth):
        spec = {op: spec} if op == "$not" else {op: [spec]}
    return spec


def query_error(api, query: dict) -> dict:
    response = api.post(QUERY, {"query": query})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


@pytest.mark.parametrize("op", ["$hasSome", "$hasAll"])
def test_value_lists_are_capped(op, viewer_api):
    values = [f"Product {n}" for n in range(MAX_LIST_VALUES[op] + 1)]
    body = query_error(viewer_api, {"filter": {"lineItems.name": {op: values}}})
    assert body["details"]["field"] == "lineItems.name"
    assert f"at most {MAX_LIST_VALUES[op]} values" in body["message"]
    at_cap = viewer_api.post(QUERY, {"query": {"filter": {"lineItems.name": {op: values[:-1]}}}})
    assert at_cap.status_code == 200


def test_has_all_with_many_values_matches_orders_covering_all(order_factory, viewer_api):
    names = [f"Part {n}" for n in range(6)]
    every = order_factory(lines=[{"name": name} for name in names])
    order_factory(lines=[{"name": name} for name in names[:-1]])  # one short
    order_factory(lines=[{"name": names[0]} for _ in range(6)])  # one name six times
    response = viewer_api.post(QUERY, {"query": {"filter": {"lineItems.name": {"$hasAll": names}}}})
    assert response.status_code == 200
    assert [o["id"] for o in response.json()["orders"]] == [str(every.pk)]


@pytest.mark.parametrize(("op", "depth"), [("$and", 1000), ("$not", 1000), ("$or", 400)])
@pytest.mark.parametrize("as_string", [False, True])
def test_deep_nesting_is_a_400(op, depth, as_string, viewer_api):
    spec = nested(op, depth)
    body = query_error(viewer_api, {"filter": json.dumps(spec) if as_string else spec})
    assert body["details"]["field"] in ("filter", "query.filter")


def test_nesting_up_to_the_cap_works(viewer_api):
    ok = viewer_api.post(QUERY, {"query": {"filter": nested("$and", MAX_FILTER_DEPTH - 1)}})
    assert ok.status_code == 200, ok.content
    body = query_error(viewer_api, {"filter": nested("$and", MAX_FILTER_DEPTH)})
    assert f"more than {MAX_FILTER_DEPTH} levels" in body["message"]


def test_condition_count_is_capped(viewer_api):
    many = {"$or": [{"number": n} for n in range(MAX_FILTER_NODES + 1)]}
    body = query_error(viewer_api, {"filter": many})
    assert f"more than {MAX_FILTER_NODES} conditions" in body["message"]


def test_offset_is_capped(viewer_api):
    body = query_error(viewer_api, {"paging": {"offset": MAX_OFFSET + 1}})
    assert body["details"]["field"] == "paging.offset"
    assert viewer_api.post(QUERY, {"query": {"paging": {"offset": MAX_OFFSET}}}).status_code == 200


@pytest.mark.parametrize("value", [10**19, -(10**30), 99999999999999999999999])
def test_integers_beyond_bigint_are_a_400(value, viewer_api):
    body = query_error(viewer_api, {"filter": {"number": {"$gt": value}}})
    assert body["details"]["field"] == "number"


# ---- The list page ----


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"page": "999999999999999999"}, "page:"),
        # Deeper than MAX_OFFSET rows: nothing here, so past the end (counted, never skipped).
        ({"page": "300"}, "Page 300 is past the end of these results (1 page)."),
        ({"q": "9" * 5000}, "q:"),
        ({"after": "9" * 30}, "after:"),
        ({"before": "-" + "9" * 30}, "before:"),
        (
            {"f": "lineItems.name", "op": "hasAll", "v": ",".join(f"n{i}" for i in range(21))},
            "at most 20 values",
        ),
        ({"filter": json.dumps(nested("$and", 1000))}, "nested"),
        ({"filter": json.dumps(nested("$or", 400))}, "nested"),
    ],
)
def test_list_page_refuses_costly_urls_with_a_message(params, message, viewer_client):
    response = viewer_client.get("/orders/", params)
    assert response.status_code == 200
    assert message in response.text


def test_list_page_too_many_filter_rows(viewer_client):
    rows = "&".join(f"f=number&op=ne&v={n}" for n in range(MAX_FILTER_NODES + 5))
    response = viewer_client.get(f"/orders/?{rows}")
    assert response.status_code == 200
    assert f"At most {MAX_FILTER_NODES} filter rows" in response.text


def test_long_digit_search_matches_nothing(order_factory, viewer_client):
    order_factory()
    response = viewer_client.get("/orders/", {"q": "1" * 25})
    assert response.status_code == 200
    assert response.context["listing"].orders == []
    assert not response.context["listing"].errors


# ---- Statement timeout ----


def test_requests_run_with_the_statement_timeout(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        shown = cursor.fetchone()[0]
    assert shown == f"{settings.PACKDESK_STATEMENT_TIMEOUT_MS // 1000}s"


def test_commands_run_with_the_command_statement_timeout():
    """manage.py commands (worker, sweeper, seeding) get PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "from django.db import connection\n"
        "c = connection.cursor(); c.execute('SHOW statement_timeout'); print(c.fetchone()[0])"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "config.test_settings",
        "PACKDESK_COMMAND_STATEMENT_TIMEOUT_MS": "123000",
        "DATABASE_POOL": "0",
        "HOME": str(root),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip().splitlines()[-1] == "123s"


@pytest.fixture
def locked_orders_table(transactional_db):
    """Another connection holds an exclusive lock on the orders table until the test ends, and
    this connection's statements time out after 300 ms instead of the configured 10 s."""
    locked, release = threading.Event(), threading.Event()

    def hold():
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("LOCK TABLE orders_order IN ACCESS EXCLUSIVE MODE")
                locked.set()
                release.wait(timeout=60)
                cursor.execute("ROLLBACK")
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert locked.wait(timeout=30)
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 300")
    try:
        yield
    finally:
        release.set()
        thread.join()
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {settings.PACKDESK_STATEMENT_TIMEOUT_MS}")


def test_api_statement_timeout_is_a_json_503(locked_orders_table, viewer):
    from tests.conftest import api_client_for

    api = api_client_for(viewer)
    response = api.post(QUERY, {"query": {}})
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert "took longer than" in response.json()["message"]
    assert response["Retry-After"]


def test_list_page_statement_timeout_is_a_message(locked_orders_table, viewer):
    from tests.conftest import client_for

    response = client_for(viewer).get("/orders/", {"q": "Ada"})
    assert response.status_code == 200
    assert "took longer than" in response.text
    assert "Narrow the filter" in response.text


def test_order_page_statement_timeout_is_a_503_page(locked_orders_table, viewer):
    from tests.conftest import client_for

    client = client_for(viewer)
    client.raise_request_exception = False  # as served: Django's handler500 answers
    response = client.get("/orders/10001/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert "took longer than" in response.text
