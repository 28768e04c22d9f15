"""How the orders list's SQL grows with the data: per `make bench` list case, the pages and
rows each statement of a first-page HTMX swap touches (EXPLAIN ANALYZE BUFFERS), which do not
depend on what else the machine runs, unlike timings.

    .venv/bin/python bench/list_plans.py      # against .pgdata-bench/, as `make bench`

A statement that reads a fixed number of pages whatever the table size (an index walk that
stops at the 51st match, a planner estimate) grows at most logarithmically; a sequential scan,
or an exact count of every match, grows with the table or with the matches.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench.run sets up Django on the benchmark database (.pgdata-bench/) when imported.
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.run import bench_user, captured, cases  # noqa: E402
from orders.models import Order  # noqa: E402


def walk(node: dict) -> list[dict]:
    return [node, *[n for child in node.get("Plans", []) for n in walk(child)]]


@dataclass
class Analysis:
    """One statement under EXPLAIN (ANALYZE, BUFFERS): its run time, the shared pages it hit or
    read, and its scan nodes."""

    ms: float
    pages: int
    scans: list[dict]


def rows_read(scans: list[dict]) -> int:
    """The rows the scans returned or filtered out, over all their loops."""
    return sum(
        int((n["Actual Rows"] + n.get("Rows Removed by Filter", 0)) * n["Actual Loops"])
        for n in scans
    )


def analyze(sql: str) -> Analysis:
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) {sql}")
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    nodes = walk(plan[0]["Plan"])
    top = nodes[0]
    scans = [n for n in nodes if "Scan" in n["Node Type"]]
    return Analysis(
        ms=plan[0]["Execution Time"],
        pages=top.get("Shared Hit Blocks", 0) + top.get("Shared Read Blocks", 0),
        scans=scans,
    )


def explain(sql: str) -> tuple[int, int, list[str]]:
    """(buffers, rows read, scans) of one statement."""
    result = analyze(sql)
    names = sorted(
        {
            f"{n['Node Type']} {n.get('Index Name') or n.get('Relation Name', '')}".strip()
            for n in result.scans
        }
    )
    return result.pages, rows_read(result.scans), names


def main() -> None:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("packdesk.request").setLevel(logging.WARNING)
    client, _ = bench_user()
    total = Order.objects.count()
    print(f"{total:,} orders")
    print("| case | statements | pages read | rows read | scans |")
    print("|---|---|---|---|---|")
    searches = [("search buyer name", {"q": "smith"}), ("search no match", {"q": "zzqx"})]
    urls = [
        (case.name, {"filter": json.dumps(case.filter)} if case.filter else {}) for case in cases()
    ] + searches
    for name, params in urls:
        url = "/orders/?" + urlencode(params)
        client.get(url, headers={"HX-Request": "true"})
        statements = [
            sql
            for sql in captured(lambda url=url: client.get(url, headers={"HX-Request": "true"}))
            if not sql.startswith("EXPLAIN") and ("orders_order" in sql or "orders_lineitem" in sql)
        ]
        results = [explain(sql) for sql in statements]
        pages = sum(r[0] for r in results)
        rows = sum(r[1] for r in results)
        scans = sorted({s for r in results for s in r[2]})
        print(f"| {name} | {len(statements)} | {pages:,} | {rows:,} | {'; '.join(scans)} |")


if __name__ == "__main__":
    main()
