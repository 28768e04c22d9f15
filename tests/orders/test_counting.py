"""Counting matches (orders/counting.py): exact, capped, estimated."""

from __future__ import annotations

from orders.counting import count_capped
from orders.query import build_query


def test_count_capped(order_factory):
    for _ in range(3):
        order_factory()
    query = build_query()
    assert count_capped(query.queryset, cap=5) == (3, True)
    assert count_capped(query.queryset, cap=2) == (2, False)
