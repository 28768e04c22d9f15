"""The Stores v2 query endpoint with odd but valid inputs: empty filter objects inside $or and
$not, a null query or no body at all, a sort given as one object."""

from __future__ import annotations

import pytest

from tests.factories import make_order

QUERY = "/api/stores/v2/orders/query"


@pytest.fixture
def three(db):
    return [make_order(lines=1) for _ in range(3)]


def numbers(api, body) -> list[int]:
    response = api.post(QUERY, body)
    assert response.status_code == 200, response.content
    return [order["number"] for order in response.json()["orders"]]


def test_an_empty_filter_object_in_or_matches_every_order(viewer_api, three):
    every = sorted((order.number for order in three), reverse=True)
    one = three[0].number
    assert numbers(viewer_api, {"query": {"filter": {"$or": [{"number": one}, {}]}}}) == every
    assert numbers(viewer_api, {"query": {"filter": {"$or": [{}]}}}) == every
    assert numbers(viewer_api, {"query": {"filter": {"$and": [{"number": one}, {}]}}}) == [one]
    # Not "every order" is no order; not "this one" is the others.
    assert (
        numbers(viewer_api, {"query": {"filter": {"$not": {"$or": [{}, {"number": one}]}}}}) == []
    )
    assert numbers(viewer_api, {"query": {"filter": {"$not": {"$and": [{"number": one}]}}}}) == [
        n for n in every if n != one
    ]


@pytest.mark.parametrize("body", [{"query": None}, {"query": {}}, {}])
def test_a_null_query_is_the_default_query(viewer_api, three, body):
    assert numbers(viewer_api, body) == sorted((order.number for order in three), reverse=True)


@pytest.mark.parametrize("raw", [b"", b"null", b"{}"])
def test_a_query_without_a_body_is_the_default_query(viewer_api, three, raw):
    response = viewer_api.client.post(
        QUERY, data=raw, content_type="application/json", headers=viewer_api.headers
    )
    assert response.status_code == 200, response.content
    shown = [order["number"] for order in response.json()["orders"]]
    assert shown == sorted((order.number for order in three), reverse=True)


@pytest.mark.parametrize("raw", [b"[]", b'"x"', b"5"])
def test_a_query_body_that_is_not_an_object_is_still_a_400(viewer_api, three, raw):
    response = viewer_api.client.post(
        QUERY, data=raw, content_type="application/json", headers=viewer_api.headers
    )
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "body"


@pytest.mark.parametrize(
    "sort", [{"number": "asc"}, '{"number": "asc"}', [{"number": "asc"}], '[{"number": "asc"}]']
)
def test_one_sort_object_is_a_sort_of_one(viewer_api, three, sort):
    assert numbers(viewer_api, {"query": {"sort": sort}}) == sorted(o.number for o in three)


@pytest.mark.parametrize(
    ("sort", "field"),
    [({"nope": "asc"}, "nope"), ({"number": "up"}, "number"), ({}, None)],
)
def test_a_bad_sort_object_is_a_400_naming_the_field(viewer_api, three, sort, field):
    response = viewer_api.post(QUERY, {"query": {"sort": sort}})
    if field is None:  # an empty sort is the default one
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"cursorPaging": {"limit": 10}}, "query.cursorPaging"),
        ({"cursorPaging": {"cursor": "abc"}, "paging": {"limit": 1}}, "query.cursorPaging"),
        ({"paging": {"limit": 10, "cursor": "abc"}}, "query.paging.cursor"),
    ],
)
def test_cursor_paging_is_a_400_that_says_to_page_by_offset(viewer_api, three, query, field):
    response = viewer_api.post(QUERY, {"query": query})
    assert response.status_code == 400
    assert response.json()["details"]["field"] == field
    if field == "query.cursorPaging":
        assert "paging {limit, offset}" in response.json()["message"]


def test_a_null_cursor_paging_is_not_set(viewer_api, three):
    assert len(numbers(viewer_api, {"query": {"cursorPaging": None, "paging": {"limit": 2}}})) == 2
