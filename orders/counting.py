"""Counting matches without paying for a full COUNT at a million orders: exact when small,
capped, or PostgreSQL's planner estimate."""

from __future__ import annotations

import hashlib
import json

from django.core.cache import cache
from django.db import DatabaseError, connections, transaction
from django.db.models import QuerySet

from config.errors import statement_timed_out

# Matches are counted exactly up to this many; above it the pages and the API show
# PostgreSQL's estimate ("about 512,300") instead of counting every row.
COUNT_EXACT_UP_TO = 10_000
# An exact count may take this long; a filter no index answers (a common SKU, a name part)
# would otherwise scan the whole table to count its last few thousand matches, and its cost
# would grow with the data. Past it the page shows the planner's estimate ("about N").
COUNT_TIME_LIMIT_MS = 150
# ... when the planner's cost of reading every match is above this (a scan of a 100,000-row
# table is about 4,000; the index lookups of a narrow filter a few hundred).
COUNT_TIMED_ABOVE_COST = 20_000
# A planner estimate above COUNT_EXACT_UP_TO is kept this long per process for the same filter
# (`estimate_key`): it only changes when the table is analyzed, and reading it costs a compiled
# statement and an EXPLAIN on every list page of a broad filter. Counts at or under the cap
# are never kept: they are exact and move with every fulfilment.
ESTIMATE_SECONDS = 30


def planner_estimate(queryset: QuerySet) -> int:
    """PostgreSQL's row estimate for `queryset`, from EXPLAIN: no rows are read."""
    return planner_rows_and_cost(queryset)[0]


def planner_rows_and_cost(queryset: QuerySet) -> tuple[int, float]:
    """PostgreSQL's row estimate and total cost for `queryset`, from EXPLAIN."""
    sql, params = queryset.order_by().query.sql_with_params()
    # The database the queryset reads from (a replica in a list view when there is one).
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"]), float(plan[0]["Plan"]["Total Cost"])


def count_matches(
    queryset: QuerySet,
    *,
    page_rows: int,
    first_page: bool,
    more: bool,
    estimate_key: str | None = None,
) -> tuple[int, bool]:
    """(count, exact) of what `queryset` matches, for a page of `page_rows` of those matches:
    when the page is the first and no match follows it, its rows are every match (exact, no
    query); otherwise count_estimated()."""
    if first_page and not more:
        return page_rows, True
    count, exact = count_estimated(queryset, estimate_key=estimate_key)
    # An estimate is never below what the page itself shows.
    return (count, True) if exact else (max(count, page_rows + int(more)), False)


def count_estimated(
    queryset: QuerySet, *, exact_up_to: int | None = None, estimate_key: str | None = None
) -> tuple[int, bool]:
    """(count, exact): exact up to `exact_up_to` matches, the planner's estimate above.

    A COUNT(*) over most of a million orders costs hundreds of milliseconds, and even a count
    capped at ten thousand rows costs ~10 ms on every page; past ten thousand matches nobody
    needs the last digit. So: when the planner expects more matches than the cap, its
    estimate is the answer and nothing is counted; otherwise count up to the cap, and above it
    report the estimate, never below what was actually counted.

    `estimate_key` names the filter (whatever else changes the statement, such as the sort or
    the page, left out): an estimate above the cap is then kept for ESTIMATE_SECONDS.
    """
    if exact_up_to is None:
        exact_up_to = COUNT_EXACT_UP_TO
    key = None
    if estimate_key is not None:
        digest = hashlib.sha256(f"{queryset.db} {exact_up_to} {estimate_key}".encode()).hexdigest()
        key = f"packdesk:estimate:{digest}"
        kept = cache.get(key)
        if kept is not None:
            return kept, False
    estimate, cost = planner_rows_and_cost(queryset)
    if estimate > exact_up_to:
        if key is not None:
            cache.set(key, estimate, ESTIMATE_SECONDS)
        return estimate, False
    # Only a count the planner thinks expensive runs under the time limit (two statements
    # more); a cheap one is simply counted.
    limit = COUNT_TIME_LIMIT_MS if cost > COUNT_TIMED_ABOVE_COST else None
    capped = count_capped(queryset, cap=exact_up_to, time_limit_ms=limit)
    if capped is None:  # counting took too long: more matches than the planner thought
        return max(estimate, 1), False
    counted, exact = capped
    if exact:
        return counted, True
    return max(estimate, exact_up_to + 1), False


def count_capped(
    queryset: QuerySet, *, cap: int, time_limit_ms: int | None = None
) -> tuple[int, bool] | None:
    """(count, exact): counts at most cap + 1 rows, so a broad filter costs at most that much.
    When the result is over `cap` it returns (cap, False). With `time_limit_ms`, a count that
    takes longer is cancelled (in a savepoint, so the request goes on) and None is returned."""
    if time_limit_ms is None:
        counted = queryset.order_by().values("pk")[: cap + 1].count()
        return (cap, False) if counted > cap else (counted, True)
    connection = connections[queryset.db]
    try:
        with transaction.atomic(using=queryset.db):
            with connection.cursor() as cursor:
                cursor.execute(
                    "WITH previous AS MATERIALIZED (SELECT current_setting('statement_timeout') v)"
                    " SELECT v, set_config('statement_timeout', %s, true) FROM previous",
                    [str(time_limit_ms)],
                )
                previous = cursor.fetchone()[0]
            counted = queryset.order_by().values("pk")[: cap + 1].count()
            with connection.cursor() as cursor:
                # A released savepoint keeps a local setting: put the request's own back.
                cursor.execute("SELECT set_config('statement_timeout', %s, true)", [previous])
    except DatabaseError as exc:
        if not statement_timed_out(exc):
            raise
        return None
    return (cap, False) if counted > cap else (counted, True)
