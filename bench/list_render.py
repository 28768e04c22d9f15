"""The orders list page's cost split into SQL and Python: wall and CPU time per request.

Runs against `make bench`'s database (.pgdata-bench/, migrated first; seed it with `make
bench` or `seed_orders`) through Django's test client, warm, and prints per case the median
and p95 wall time, the median CPU time of this process (time.process_time: what Python spent,
undistorted by other processes on a shared machine) and the SQL time (the same statements
replayed with psycopg). `--profile` prints cProfile's top functions for the first case.

    .venv/bin/python bench/list_render.py             # 50 warm runs per case
    .venv/bin/python bench/list_render.py --profile   # and where the CPU time goes
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pstats
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
# bench.run sets up Django on the benchmark database (.pgdata-bench/) when imported.
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bench.run import bench_user, captured, check, replay_sql  # noqa: E402
from config.runtime import tune_gc  # noqa: E402
from orders.models import Order  # noqa: E402
from orders.query import MAX_OFFSET  # noqa: E402

PAGE_SIZE = 50
CASES = [
    ("page, default sort", "/orders/", {}),
    ("swap, default sort", "/orders/", {"HX-Request": "true"}),
    (
        "page, paid + unfulfilled",
        "/orders/?"
        + urlencode(
            {"filter": json.dumps({"paymentStatus": "PAID", "fulfillmentStatus": "NOT_FULFILLED"})}
        ),
        {},
    ),
    ("swap, view=unfulfilled", "/orders/?view=unfulfilled", {"HX-Request": "true"}),
    (
        f"swap, deepest typed page ({MAX_OFFSET // PAGE_SIZE + 1})",
        f"/orders/?page={MAX_OFFSET // PAGE_SIZE + 1}",
        {"HX-Request": "true"},
    ),
    (
        f"swap, unfulfilled, page {MAX_OFFSET // PAGE_SIZE + 1}",
        f"/orders/?view=unfulfilled&page={MAX_OFFSET // PAGE_SIZE + 1}",
        {"HX-Request": "true"},
    ),
    (
        f"swap, page {MAX_OFFSET // PAGE_SIZE + 2} (refused)",
        f"/orders/?page={MAX_OFFSET // PAGE_SIZE + 2}",
        {"HX-Request": "true"},
    ),
]


def timed(client, url: str, headers: dict, repeat: int) -> tuple[list[float], list[float], int]:
    for _ in range(5):
        check(client.get(url, headers=headers))
    walls, cpus = [], []
    size = 0
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        response = check(client.get(url, headers=headers))
        cpus.append((time.process_time() - cpu) * 1000)
        walls.append((time.perf_counter() - wall) * 1000)
        size = len(response.content)
    return walls, cpus, size


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tune_gc()
    logging.getLogger("packdesk.request").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    client, _ = bench_user()
    top = Order.objects.order_by("-number").values_list("number", flat=True).first() or 0
    print(f"{top - 10000:,} orders (by the top number)")
    print(
        f"{'case':44} {'wall ms med / p95':>18} {'CPU ms med / min':>16} {'SQL ms med':>10}"
        f" {'queries':>7} {'KB':>5}"
    )
    for name, url, headers in CASES:
        walls, cpus, size = timed(client, url, headers, args.repeat)
        statements = captured(lambda url=url, headers=headers: client.get(url, headers=headers))
        sql = replay_sql(statements)
        print(
            f"{name:44} {statistics.median(walls):8.1f} / {p95(walls):7.1f}"
            f" {statistics.median(cpus):8.1f} / {min(cpus):5.1f} {sql.median:10.1f}"
            f" {len(statements):7d} {size / 1024:5.0f}",
            flush=True,
        )
    if args.profile:
        name, url, headers = CASES[0]
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(20):
            client.get(url, headers=headers)
        profiler.disable()
        print(f"\ncProfile of 20 x {name}:")
        stats = pstats.Stats(profiler).sort_stats("tottime")
        stats.print_stats(30)
        stats.sort_stats("cumulative").print_stats(50)


if __name__ == "__main__":
    main()
