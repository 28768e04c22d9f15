"""Planner steering for validated queries: the ordering and paging that keep PostgreSQL on a
fast plan for a date range sorted by number (DESIGN.md section 3 timings at a million orders).
"""

from __future__ import annotations

from typing import Any

from django.db.models import BigIntegerField, ExpressionWrapper, F, OrderBy, QuerySet

from orders.counting import planner_estimate
from orders.models import Order

# Above this many matching orders, walking the number index finds a page quickly anyway.
SELECTIVE_DATE_RANGE = 200_000


def date_range_by_number(queryset: QuerySet, ordering: list[Any], *, descending: bool) -> list[Any]:
    """The ordering for a date-range filter sorted by number (`ordering` starts with number).

    Numbers grow with dates, so for a date range far from the newest orders the planner's
    favourite plan (walk the number index, filter on the date) reads most of the table:
    2.7 s for one month a year back at 1M orders. Sorting on `number + 0` (same order)
    makes it take the date index and sort the range's rows instead: milliseconds.
    """
    if planner_estimate(queryset) >= SELECTIVE_DATE_RANGE:
        return ordering
    by_number = ExpressionWrapper(F("number") + 0, output_field=BigIntegerField())
    return [by_number.desc() if descending else by_number.asc(), *ordering[1:]]


def _orders_by_shifted_number(queryset: QuerySet) -> bool:
    return any(
        isinstance(term, OrderBy) and isinstance(term.expression, ExpressionWrapper)
        for term in queryset.query.order_by
    )


def page_rows(queryset: QuerySet, start: int, stop: int) -> list[Order]:
    """Rows [start:stop] of `queryset`.

    For a date range sorted by number (see date_range_by_number) the range's ids come first,
    from the covering index on (date, number, id): sorting 27,000 index entries takes 5 ms
    where sorting 27,000 whole rows took 35. Then only the page's rows are read, in that order.

    Ids come first too for an offset page of a queryset with annotated subqueries (the list's
    items column): PostgreSQL evaluates the SELECT list for every row the OFFSET skips, so
    page 201 ran both subqueries 10,051 times (71 ms instead of 5 at 100,000 orders).
    """
    skipped_subqueries = start > 0 and bool(queryset.query.annotation_select)
    if not _orders_by_shifted_number(queryset) and not skipped_subqueries:
        return list(queryset[start:stop])
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]
