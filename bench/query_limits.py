"""What a `lineItems.name $hasAll` filter costs with K values: one EXISTS per value against one
grouped subquery, through the API's query path (page of 50 + totalResults), on the benchmark
database (`make bench` seeds it; BENCH_ORDERS orders, default 100,000 here).

    .venv/bin/python bench/query_limits.py --orders 100000

Prints, per K and per strategy, the median and worst of a few warm runs and the planning time
PostgreSQL reports (EXPLAIN's "Planning Time"), for popular and for rare product names.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from django.db import connection

# bench.run sets the environment and runs django.setup() for the benchmark database.
from bench.run import ensure_data
from orders import query as query_module
from orders.counting import count_estimated
from orders.management.commands.seed_orders import PRODUCTS
from orders.query import build_query

RUNS = 5
STRATEGIES = {"K EXISTS": 10**6, "grouped": 0}  # HAS_ALL_GROUPED_FROM for each


def run_once(filter_: dict) -> float:
    started = time.perf_counter()
    query = build_query(filter=filter_, limit=50, offset=0)
    rows = query.page()
    if len(rows) == 50:
        count_estimated(query.queryset)
    return (time.perf_counter() - started) * 1000


def planning_ms(filter_: dict) -> float:
    query = build_query(filter=filter_, limit=50, offset=0)
    sql, params = query.queryset[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return plan[0]["Planning Time"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--ks", default="2,3,4,5,10,20,50,100")
    args = parser.parse_args()
    ensure_data(args.orders)
    names = [name for name, *_ in PRODUCTS]
    families = {"popular": names, "rare": list(reversed(names))}
    print("| names | K | strategy | median ms | max ms | planning ms |")
    print("|---|---|---|---|---|---|")
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 60000")
    for family, ordered in families.items():
        for k in [int(k) for k in args.ks.split(",")]:
            filter_ = {"lineItems.name": {"$hasAll": ordered[:k]}}
            for strategy, threshold in STRATEGIES.items():
                query_module.HAS_ALL_GROUPED_FROM = threshold
                saved = dict(query_module.MAX_LIST_VALUES)
                query_module.MAX_LIST_VALUES["$hasAll"] = 10**6
                try:
                    times = [run_once(filter_) for _ in range(RUNS)]
                    plan = planning_ms(filter_)
                except Exception as exc:  # a timeout at large K is itself the figure
                    print(f"| {family} | {k} | {strategy} | {type(exc).__name__} | | |")
                    continue
                finally:
                    query_module.MAX_LIST_VALUES.update(saved)
                print(
                    f"| {family} | {k} | {strategy} | {statistics.median(times):.1f} "
                    f"| {max(times):.1f} | {plan:.1f} |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
