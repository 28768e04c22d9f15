"""Counting matches without paying for a full COUNT at a million orders: exact when small,
capped, or PostgreSQL's planner estimate."""

from __future__ import annotations

import json

from django.db import connections
from django.db.models import QuerySet

# Matches are counted exactly up to this many; above it the pages and the API show
# PostgreSQL's estimate ("about 512,300") instead of counting every row.
COUNT_EXACT_UP_TO = 10_000


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's row estimate for `queryset`, from EXPLAIN: no rows are read."""
    sql, params = queryset.order_by().query.sql_with_params()
    # The database the queryset reads from (a replica in a list view when there is one).
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def count_matches(
    queryset: QuerySet, *, page_rows: int, first_page: bool, more: bool
) -> tuple[int, bool]:
    """(count, exact) of what `queryset` matches, for a page of `page_rows` of those matches:
    when the page is the first and no match follows it, its rows are every match (exact, no
    query); otherwise count_estimated()."""
    if first_page and not more:
        return page_rows, True
    return count_estimated(queryset)


def count_estimated(queryset: QuerySet, *, exact_up_to: int | None = None) -> tuple[int, bool]:
    """(count, exact): exact up to `exact_up_to` matches, the planner's estimate above.

    A COUNT(*) over most of a million orders costs hundreds of milliseconds, and even a count
    capped at ten thousand rows costs ~10 ms on every page; past ten thousand matches nobody
    needs the last digit. So: when the planner expects more matches than the cap, its
    estimate is the answer and nothing is counted; otherwise count up to the cap, and above it
    report the estimate, never below what was actually counted.
    """
    if exact_up_to is None:
        exact_up_to = COUNT_EXACT_UP_TO
    estimate = planner_estimate(queryset)
    if estimate > exact_up_to:
        return estimate, False
    counted, exact = count_capped(queryset, cap=exact_up_to)
    if exact:
        return counted, True
    return max(estimate, exact_up_to + 1), False


def count_capped(queryset: QuerySet, *, cap: int) -> tuple[int, bool]:
    """(count, exact): counts at most cap + 1 rows, so a broad filter costs at most that much.
    When the result is over `cap` it returns (cap, False)."""
    counted = queryset.order_by().values("pk")[: cap + 1].count()
    return (cap, False) if counted > cap else (counted, True)
