"""The millisecond-timestamp migrations (orders 0008, fulfillments 0002) timed on a big database.

Repeatable on a database whose timestamps are already at millisecond precision: it first gives
every stored timestamp of the migrations' tables a sub-millisecond part again (the same
millisecond plus 123 us, so no value leaves its millisecond and the truncation restores exactly
what was there), then runs the migrations' own batch function, `truncate_stored`, table by
table, as the migrations do. It prints per table the rows changed, seconds, rows per second
and the longest batch (a batch is one transaction: the longest time any row stayed locked),
and from a second connection the slowest of a steady stream of single-order writes made while
it ran (row locks on other orders and no table lock: they never wait long).

    PACKDESK_PGDATA=.pgdata-bench-1m .venv/bin/python bench/ms_migration.py

The migrations run before the home page's triggers exist (created after them, now by
fulfillments 0006), so
the triggers on orders and fulfillments are disabled for the run and enabled (ALWAYS) again
after it; `--with-triggers` keeps them firing (the cost of re-running the truncation today).
"""

from __future__ import annotations

import argparse
import importlib
import os
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")
os.environ.setdefault("PACKDESK_PGDATA", str(ROOT / ".pgdata-bench"))
os.environ.setdefault("DATABASE_POOL", "0")
os.environ.setdefault("PACKDESK_PROCESS", "command")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from orders.timestamps import BATCH_SECONDS, truncate_stored  # noqa: E402

RESULTS = ROOT / "bench" / "results"
MIGRATIONS = (
    "orders.migrations.0008_millisecond_timestamps",
    "fulfillments.migrations.0002_millisecond_timestamps",
)
TRIGGERS = {
    "orders_order": (
        "home_orders_insert",
        "home_orders_update",
        "home_orders_delete",
    ),
    "fulfillments_fulfillment": (
        "home_fulfil_insert",
        "home_fulfil_update",
        "home_fulfil_delete",
    ),
}
# Rows per statement while restoring sub-millisecond values (not measured).
RESTORE_CHUNK = 50_000


def migration_tables() -> list[tuple[str, list[str]]]:
    """The (table, columns) the two migrations truncate, read from the migrations themselves."""
    return [pair for name in MIGRATIONS for pair in importlib.import_module(name).TABLES]


def conninfo() -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=s["NAME"],
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
    )


def sub_ms_rows(table: str, columns: list[str]) -> int:
    differs = " OR ".join(f"{c} <> date_trunc('milliseconds', {c})" for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE {differs}")
        return cursor.fetchone()[0]


def restore_sub_ms(table: str, columns: list[str]) -> None:
    """Every non-null timestamp to its millisecond + 123 us, in chunks by primary key."""
    sets = ", ".join(
        f"{c} = date_trunc('milliseconds', {c}) + interval '123 microseconds'" for c in columns
    )
    last = None
    with psycopg.connect(conninfo(), autocommit=True) as raw:
        while True:
            after = "" if last is None else "WHERE id > %s"
            params = [] if last is None else [last]
            row = raw.execute(
                f"SELECT id FROM {table} {after} ORDER BY id OFFSET %s LIMIT 1",
                [*params, RESTORE_CHUNK - 1],
            ).fetchone()
            bounds = [] if last is None else ["id > %s"]
            if row is not None:
                bounds.append("id <= %s")
            where = " AND ".join(bounds) or "true"
            raw.execute(f"UPDATE {table} SET {sets} WHERE {where}", [*params, *(row or [])])
            if row is None:
                break
            last = row[0]


def set_triggers(enabled: bool) -> None:
    with connection.cursor() as cursor:
        for table, names in TRIGGERS.items():
            for name in names:
                action = "ENABLE ALWAYS" if enabled else "DISABLE"
                cursor.execute(f"ALTER TABLE {table} {action} TRIGGER {name}")


class Probe(threading.Thread):
    """Single-order writes from another connection while the migration runs: lock a random
    order row, touch it, commit; their latencies show whether the migration blocks writers."""

    def __init__(self, top_number: int) -> None:
        super().__init__(daemon=True)
        self.top_number = top_number
        self.samples: list[float] = []
        self.stop = threading.Event()

    def run(self) -> None:
        with psycopg.connect(conninfo()) as raw:
            while not self.stop.is_set():
                number = random.randint(10001, self.top_number)
                started = time.perf_counter()
                with raw.transaction():
                    raw.execute(
                        "SELECT id FROM orders_order WHERE number = %s FOR UPDATE", [number]
                    )
                    raw.execute("UPDATE orders_order SET read = read WHERE number = %s", [number])
                self.samples.append((time.perf_counter() - started) * 1000)
                self.stop.wait(0.02)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fixed",
        type=int,
        metavar="ROWS",
        help="fixed batches of ROWS rows (default: the migrations' batches, sized by time)",
    )
    parser.add_argument(
        "--with-triggers", action="store_true", help="keep the home page's triggers firing"
    )
    parser.add_argument("--skip-restore", action="store_true", help="time the truncation only")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    tables = migration_tables()
    with connection.cursor() as cursor:
        cursor.execute("SELECT max(number) FROM orders_order")
        top_number = cursor.fetchone()[0] or 10001
        cursor.execute("SELECT count(*) FROM orders_order")
        orders = cursor.fetchone()[0]
    print(f"{orders:,} orders; tables: {', '.join(t for t, _ in tables)}", flush=True)

    if not args.with_triggers:
        set_triggers(False)
    try:
        if not args.skip_restore:
            for table, columns in tables:
                started = time.perf_counter()
                restore_sub_ms(table, columns)
                print(
                    f"  restored sub-millisecond values in {table}"
                    f" ({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )
        with connection.cursor() as cursor:
            for table, _ in tables:
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        rows = []
        probe = Probe(top_number)
        probe.start()
        total_started = time.perf_counter()
        for table, columns in tables:
            before = sub_ms_rows(table, columns)
            batches: list[float] = []
            started = time.perf_counter()
            sizing = {"batch": args.fixed, "target_seconds": None} if args.fixed else {}
            changed = truncate_stored(
                connection,
                table,
                columns,
                **sizing,
                on_batch=lambda _rows, seconds, batches=batches: batches.append(seconds * 1000),
            )
            seconds = time.perf_counter() - started
            left = sub_ms_rows(table, columns)
            rows.append((table, before, changed, left, seconds, batches))
            print(f"  {table}: {changed:,} rows in {seconds:.1f} s", flush=True)
        total = time.perf_counter() - total_started
        probe.stop.set()
        probe.join()
    finally:
        if not args.with_triggers:
            set_triggers(True)

    header = [
        "table",
        "rows changed",
        "left sub-ms",
        "seconds",
        "rows/s",
        "batches",
        "batch ms median / max",
    ]
    lines = [
        [
            table,
            f"{changed:,} of {before:,}",
            str(left),
            f"{seconds:.1f}",
            f"{changed / seconds:,.0f}" if seconds else "n/a",
            str(len(batches)),
            f"{statistics.median(batches):.0f} / {max(batches):.0f}" if batches else "n/a",
        ]
        for table, before, changed, left, seconds, batches in rows
    ]
    all_changed = sum(r[2] for r in rows)
    longest = max((max(r[5]) for r in rows if r[5]), default=0.0)
    lines.append(
        [
            "all",
            f"{all_changed:,}",
            "",
            f"{total:.1f}",
            f"{all_changed / total:,.0f}",
            "",
            f"max {longest:.0f}",
        ]
    )
    widths = [max(len(r[i]) for r in [header, *lines]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    probes = sorted(probe.samples)
    load = os.getloadavg()[0]
    batching = (
        f"fixed batches of {args.fixed:,} rows"
        if args.fixed
        else f"batches sized to take ~{BATCH_SECONDS} s each"
    )
    triggers = "firing" if args.with_triggers else "disabled (as at migration time)"
    report = "\n".join(
        [
            f"# Millisecond-timestamp migration, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
            "",
            f"{orders:,} orders; {batching}, each batch its own transaction;"
            f" home page triggers {triggers};"
            f" load average {load:.1f} on {os.cpu_count()} CPUs.",
            "",
            line(header),
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
            *[line(r) for r in lines],
            "",
            f"Single-order writes from another connection meanwhile: {len(probes):,},"
            f" median {statistics.median(probes):.1f} ms, max {probes[-1]:.1f} ms."
            if probes
            else "No concurrent writes measured.",
            "",
        ]
    )
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = ("-triggers" if args.with_triggers else "") + (
        f"-fixed-{args.fixed}" if args.fixed else ""
    )
    path = RESULTS / f"ms-migration-{orders // 1000}k{suffix}.md"
    path.write_text(report)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
