"""Counting matches (orders/counting.py): exact, capped, estimated."""

from __future__ import annotations

from django.db import connection

from orders import counting
from orders.counting import count_capped
from orders.models import Order
from orders.query import build_query


def test_count_capped(order_factory):
    for _ in range(3):
        order_factory()
    query = build_query()
    assert count_capped(query.queryset, cap=5) == (3, True)
    assert count_capped(query.queryset, cap=2) == (2, False)


def test_a_count_past_its_time_limit_is_cancelled_and_the_request_goes_on(order_factory):
    for _ in range(3):
        order_factory()
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        before = cursor.fetchone()[0]
    # Each row takes 20 ms to check: the count cannot finish within 5 ms.
    slow = Order.objects.extra(where=["pg_sleep(0.02) IS NOT NULL"])
    assert count_capped(slow, cap=100, time_limit_ms=5) is None
    # Fast enough: counted exactly, under the same limit.
    assert count_capped(Order.objects.all(), cap=100, time_limit_ms=1000) == (3, True)
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == before  # the request's own limit is back
    assert Order.objects.count() == 3  # the transaction is still usable


def test_a_cancelled_count_shows_an_estimate_never_below_the_page(order_factory, monkeypatch):
    for _ in range(3):
        order_factory()
    monkeypatch.setattr(counting, "COUNT_TIME_LIMIT_MS", 1)
    monkeypatch.setattr(counting, "COUNT_TIMED_ABOVE_COST", -1)  # time every count
    slow = Order.objects.extra(where=["pg_sleep(0.02) IS NOT NULL"])
    count, exact = counting.count_matches(slow, page_rows=2, first_page=True, more=True)
    assert not exact
    assert count >= 3


def test_an_estimate_above_the_cap_is_kept_per_filter_and_an_exact_count_never(
    order_factory, django_assert_num_queries
):
    for _ in range(4):
        order_factory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE orders_order")
    queryset = Order.objects.all()
    # Above the cap: the planner's estimate, read once, then kept for the same filter.
    with django_assert_num_queries(1):  # the EXPLAIN
        first = counting.count_estimated(queryset, exact_up_to=1, estimate_key="view=all")
    assert first[1] is False and first[0] >= 2
    with django_assert_num_queries(0):
        assert counting.count_estimated(queryset, exact_up_to=1, estimate_key="view=all") == first
    # Another filter, or no key, reads its own.
    with django_assert_num_queries(1):
        counting.count_estimated(queryset, exact_up_to=1, estimate_key="view=unpaid")
    with django_assert_num_queries(1):
        counting.count_estimated(queryset, exact_up_to=1)
    # Under the cap the count is exact and read every time: it moves with every write.
    assert counting.count_estimated(queryset, estimate_key="view=all") == (4, True)
    order_factory()
    assert counting.count_estimated(queryset, estimate_key="view=all") == (5, True)
