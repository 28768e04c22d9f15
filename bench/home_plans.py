"""What the home page's SQL reads: per statement of an owner's and a packer's visit, its time,
pages and rows (EXPLAIN ANALYZE BUFFERS) and the tables and indexes it scans, flagging every
scan of a per-order table (orders, fulfillments, line items, lead times per order).

    .venv/bin/python bench/home_plans.py --orders 100000 --recent-days 30

runs against the database `make bench` would use with the same arguments (it does not seed:
run `make bench BENCH_ORDERS=... BENCH_ARGS="--only home --recent-days ..."` first) and writes
bench/results/home-plans-ORDERS[-recent-N].md.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench.run sets up Django on the benchmark database (--recent-days picks which) when imported.
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from bench.list_plans import analyze, rows_read  # noqa: E402
from bench.run import RESULTS, bench_user, captured, check, packer_client  # noqa: E402
from orders.models import Order  # noqa: E402

# Tables with a row per order or per fulfillment: a home statement that scans one costs
# O(orders) somewhere, however narrow its range.
PER_ORDER_TABLES = (
    "orders_order",
    "orders_lineitem",
    "fulfillments_fulfillment",
    "fulfillments_fulfillmentlineitem",
    "fulfillments_ordershipment",
)


def explain(sql: str) -> tuple[float, int, int, list[str]]:
    """(ms, pages, rows read, scans) of one statement."""
    result = analyze(sql)
    scans = [n for n in result.scans if "Relation Name" in n]
    names = sorted(
        {
            f"{n['Node Type']} {n['Relation Name']}"
            + (f" ({n['Index Name']})" if n.get("Index Name") else "")
            for n in scans
        }
    )
    return result.ms, result.pages, rows_read(scans), names


def per_order(scans: list[str]) -> bool:
    return any(f" {table}" in scan for scan in scans for table in PER_ORDER_TABLES)


def report(title: str, statements: list[str]) -> list[str]:
    out = [
        f"## {title}",
        "",
        "| # | statement | ms | pages | rows read | scans |",
        "|---|---|---:|---:|---:|---|",
    ]
    flagged = 0
    for n, sql in enumerate(statements, start=1):
        ms, pages, rows, scans = explain(sql)
        mark = " **per-order**" if per_order(scans) else ""
        flagged += bool(mark)
        head = " ".join(sql.split())[:90].replace("|", "\\|")
        out.append(
            f"| {n} | `{head}` | {ms:.2f} | {pages:,} | {rows:,} | {'; '.join(scans)}{mark} |"
        )
    out += ["", f"Statements scanning a per-order table: {flagged} of {len(statements)}.", ""]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--recent-days", type=int)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    logging.getLogger("packdesk.request").setLevel(logging.WARNING)
    owner, _ = bench_user()
    packer = packer_client()
    check(owner.get("/"))  # the first visit may rebuild the figures in the store's zone
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM fulfillments_fulfillment")
        fulfillments = cursor.fetchone()[0]
    out = [
        f"# Home page statements, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{Order.objects.count():,} orders"
        + (f" (all placed in the last {args.recent_days} days)" if args.recent_days else "")
        + f", {fulfillments:,} fulfillments. `.venv/bin/python bench/home_plans.py"
        f" --orders {args.orders}"
        + (f" --recent-days {args.recent_days}" if args.recent_days else "")
        + "`: each statement of one visit under EXPLAIN (ANALYZE, BUFFERS); pages = shared"
        " buffers hit or read, rows read = rows the scans returned or filtered out.",
        "",
    ]
    out += report("Owner", captured(lambda: check(owner.get("/"))))
    out += report("Packer", captured(lambda: check(packer.get("/"))))
    text = "\n".join(out)
    print(text)
    recent = f"-recent-{args.recent_days}" if args.recent_days else ""
    path = RESULTS / f"home-plans-{args.orders}{recent}.md"
    path.write_text(text)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
