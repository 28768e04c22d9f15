"""`make bench`: Packdesk at a million orders, side by side with raw SQL and the Django admin.

Seeds a separate benchmark database (BENCH_ORDERS, default 1,000,000; reused when it already
holds them), then measures warm repeated requests through Django's test client:
- the orders list (HTMX results swap and full page), first page and page 1,000, per filter;
- the same filter through POST /api/stores/v2/orders/query (with totalResults);
- the SQL those requests ran, replayed directly with psycopg (what the database alone needs);
- the project's own Order admin changelist with the equivalent filter or search;
- the order page of a 50-line / 20-fulfillment order, a create-fulfillment request, and a bulk
  create over 100 orders;
- the home page (backlog, charts, packer figures, webhook health) as an owner, whole and as the
  HTMX poll of its figures.
Prints one table and writes it to bench/results/. `--recent-days N` seeds and measures a
database of its own whose orders were all placed (and shipped) in the last N days, where the
home page's windows hold every order.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.test_settings")


def early_option(argv: list[str], name: str) -> str | None:
    """`--name VALUE` or `--name=VALUE` from the command line, read before Django starts."""
    for n, arg in enumerate(argv):
        if arg.startswith(f"{name}="):
            return arg.split("=", 1)[1]
        if arg == name and n + 1 < len(argv):
            return argv[n + 1]
    return None


# Orders all placed in the last N days make a database per size and N
# (.pgdata-bench-<orders>-recent-N/): a second seed would place its orders after the first's.
RECENT_DAYS = early_option(sys.argv[1:], "--recent-days")
if RECENT_DAYS:
    RECENT_ORDERS = early_option(sys.argv[1:], "--orders") or os.environ.get(
        "BENCH_ORDERS", "1000000"
    )
    os.environ.setdefault(
        "PACKDESK_PGDATA", str(ROOT / f".pgdata-bench-{RECENT_ORDERS}-recent-{RECENT_DAYS}")
    )
os.environ.setdefault("PACKDESK_PGDATA", str(ROOT / ".pgdata-bench"))
os.environ.setdefault("DATABASE_POOL", "0")
# Seeding a million orders in-process runs statements of minutes: no web statement timeout.
os.environ.setdefault("PACKDESK_PROCESS", "command")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.fixtures import bench_order  # noqa: E402
from bench.harness import Timing, measure  # noqa: E402
from config.runtime import tune_gc  # noqa: E402
from orders.management.commands.seed_orders import product_id_for  # noqa: E402
from orders.models import ApiKey, LineItem, Order  # noqa: E402
from orders.query import build_query  # noqa: E402

RESULTS = ROOT / "bench" / "results"
PAGE_SIZE = 50
DEEP_PAGE = 1000


@dataclass
class Case:
    name: str
    filter: dict
    admin: dict | None  # admin changelist query string, None when the admin cannot express it


def cases() -> list[Case]:
    now = datetime.now(UTC)
    month_start = (now - timedelta(days=400)).replace(microsecond=0)
    month_end = month_start + timedelta(days=30)
    popular = str(product_id_for("Indonesian Blend"))
    second = str(product_id_for("Brazilian Arabica"))
    rare = str(product_id_for("Online brewing class"))
    max_number = Order.objects.order_by("-number").values_list("number", flat=True).first() or 0
    mid_number = 10001 + (max_number - 10001) // 2
    iso = lambda value: value.isoformat().replace("+00:00", "Z")  # noqa: E731
    return [
        Case("none", {}, {}),
        Case("paymentStatus $eq", {"paymentStatus": "PAID"}, {"payment_status__exact": "PAID"}),
        Case(
            "fulfillmentStatus $hasSome + archived",
            {
                "fulfillmentStatus": {"$hasSome": ["NOT_FULFILLED", "PARTIALLY_FULFILLED"]},
                "archived": False,
            },
            {"fulfillment_status__in": "NOT_FULFILLED,PARTIALLY_FULFILLED", "archived__exact": "0"},
        ),
        Case(
            "dateCreated one month",
            {"dateCreated": {"$gte": iso(month_start), "$lt": iso(month_end)}},
            {
                "date_created__gte": month_start.strftime("%Y-%m-%d %H:%M:%S"),
                "date_created__lt": month_end.strftime("%Y-%m-%d %H:%M:%S"),
            },
        ),
        Case("number $gt", {"number": {"$gt": mid_number}}, {"number__gt": str(mid_number)}),
        Case("lineItems.productId $eq popular", {"lineItems.productId": popular}, None),
        Case("lineItems.productId $eq rare", {"lineItems.productId": rare}, None),
        Case(
            "lineItems.productId $hasAll 2",
            {"lineItems.productId": {"$hasAll": [popular, second]}},
            None,
        ),
        Case("lineItems.productId $ne", {"lineItems.productId": {"$ne": popular}}, None),
        Case(
            "fullName $contains",
            {"billingInfo.address.fullName": {"$contains": "smith"}},
            {"q": "smith"},
        ),
        Case(
            "fullName $startsWith",
            {"billingInfo.address.fullName": {"$startsWith": "maya"}},
            {"q": "maya"},
        ),
        Case(
            "combined",
            {
                "paymentStatus": "PAID",
                "fulfillmentStatus": "NOT_FULFILLED",
                "archived": False,
                "lineItems.productId": popular,
            },
            None,
        ),
    ]


@dataclass
class Row:
    name: str
    timing: Timing | None
    raw: Timing | None = None
    admin: Timing | None = None
    # List rows: the orders matching (exact) and the count the page shows.
    matches: str = ""

    def cells(self) -> list[str]:
        def ms(t: Timing | None) -> str:
            return "n/a" if t is None else f"{t.median:7.1f} / {t.p95:7.1f}"

        def ratio(t: Timing | None) -> str:
            if t is None or self.timing is None or t.median == 0:
                return "n/a"
            return f"{self.timing.median / t.median:.2f}"

        queries = (
            "n/a"
            if self.timing is None or self.timing.queries is None
            else str(self.timing.queries)
        )
        return [
            self.name,
            ms(self.timing),
            queries,
            ms(self.raw),
            ratio(self.raw),
            ms(self.admin),
            ratio(self.admin),
            self.matches,
        ]


HEADER = [
    "row",
    "ours ms median / p95",
    "queries",
    "raw SQL ms median / p95",
    "ours/raw",
    "admin ms median / p95",
    "ours/admin",
    "matches (page shows)",
]


def ensure_data(orders: int, days: int | None = None) -> None:
    """Migrate the benchmark database and seed it up to `orders` orders (reused when there),
    placed over the last `days` days (default: the seed's three years). A database holding
    more orders than asked for is refused, not measured under the smaller size's name."""
    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = 'orders_order'")
        estimate = cursor.fetchone()[0]
    have = estimate if estimate > 10_000 else Order.objects.count()
    if have > orders * 1.01:
        # Its figures would be labelled with a size they were not measured at.
        raise SystemExit(
            f"The benchmark database ({connection.settings_dict['NAME']} in PACKDESK_PGDATA"
            f" or .pgdata-bench/) has ~{have:,} orders, more than the {orders:,} asked for:"
            f" give this size its own PACKDESK_PGDATA, or ask for {have:,}."
        )
    if have < orders * 0.99:
        print(f"Seeding {orders - have:,} orders (have {have:,}) ...", flush=True)
        call_command("seed_orders", orders=orders - have, **({"days": days} if days else {}))
    else:
        print(f"Benchmark database has ~{have:,} orders; reusing it.", flush=True)


def bench_user() -> tuple[Client, dict]:
    user, created = User.objects.get_or_create(
        username="bench-owner", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        user.set_password("bench")
        user.save()
        user.groups.add(Group.objects.get(name="Owner"))
    client = Client()
    client.force_login(user)
    _, raw_key = ApiKey.generate(user=user, name=f"bench {uuid.uuid4().hex[:6]}")
    return client, {"Authorization": raw_key}


def replay_sql(statements: list[str]) -> Timing:
    """Time the captured statements run directly with psycopg: what the database alone needs."""
    settings = connection.settings_dict
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=settings["NAME"],
        user=settings["USER"] or None,
        password=settings["PASSWORD"] or None,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )
    with psycopg.connect(conninfo, autocommit=True) as raw:

        def run() -> None:
            with raw.cursor() as cursor:
                for sql in statements:
                    try:
                        cursor.execute(sql)
                    except psycopg.errors.QueryCanceled:
                        # The page's own time limit (orders/counting.py: an exact count past
                        # 150 ms is cancelled and the estimate shown); the page's next
                        # statement rolls back, as it did in the request.
                        continue
                    if cursor.description:
                        cursor.fetchall()

        timing = measure(run, repeat=REPEAT)
    timing.queries = len(statements)
    return timing


def captured(run) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        run()
    return [query["sql"] for query in ctx.captured_queries]


def check(response, status: int = 200):
    if response.status_code != status:
        raise SystemExit(
            f"Unexpected {response.status_code} from {response.request['PATH_INFO']}:"
            f" {response.content[:300]!r}"
        )
    return response


REPEAT = 20


def list_url(case: Case, **extra: str) -> str:
    params = {"filter": json.dumps(case.filter)} if case.filter else {}
    params.update(extra)
    return "/orders/?" + urlencode(params) if params else "/orders/"


def deep_cursor(case: Case) -> dict[str, str]:
    """Page 1,000 the way the list reaches it: the Next link's keyset cursor (`after`)."""
    from orders.query import filter_q
    from orders.selectors import visible_orders

    # The order before page 1,000 in the list's order (newest first). Read directly: the query
    # language caps paging.offset (README "Limits"), which the list's cursors never need.
    numbers = (
        visible_orders()
        .filter(filter_q(case.filter or {}))
        .order_by("-number")
        .values_list("number", flat=True)
    )
    last = list(numbers[PAGE_SIZE * (DEEP_PAGE - 1) - 1 : PAGE_SIZE * (DEEP_PAGE - 1)])
    if not last:
        return {}
    return {"page": str(DEEP_PAGE), "after": str(last[0])}


def list_rows(client: Client, api_headers: dict, admin: Client, case: Case) -> list[Row]:
    htmx = {"HX-Request": "true"}
    first = list_url(case)

    def get_swap() -> None:
        check(client.get(first, headers=htmx))

    def get_page() -> None:
        check(client.get(first))

    body = {"query": {"filter": json.dumps(case.filter), "paging": {"limit": PAGE_SIZE}}}

    def post_api() -> None:
        check(
            client.post(
                "/api/stores/v2/orders/query",
                body,
                content_type="application/json",
                headers=api_headers,
            )
        )

    swap = check(client.get(first, headers=htmx)).content.decode()
    shown = re.search(r"<span data-count>([^<]+)</span>", swap)
    total = build_query(filter=case.filter or None).queryset.count()
    matches = f"{total:,} ({shown.group(1) if shown else '?'})"
    admin_timing = None
    if case.admin is not None:
        admin_url = "/admin/orders/order/?" + urlencode(case.admin)
        admin_timing = measure(lambda: check(admin.get(admin_url)), repeat=max(5, REPEAT // 4))
    rows = [
        Row(
            f"list swap p1: {case.name}",
            measure(get_swap, repeat=REPEAT),
            replay_sql(captured(get_swap)),
            admin_timing,
            matches,
        ),
        Row(
            f"list page p1: {case.name}",
            measure(get_page, repeat=REPEAT),
            replay_sql(captured(get_page)),
            admin_timing,
        ),
    ]
    cursor = deep_cursor(case)
    if cursor:
        deep = list_url(case, **cursor)

        def get_deep() -> None:
            check(client.get(deep, headers=htmx))

        rows.append(
            Row(
                f"list swap p{DEEP_PAGE}: {case.name}",
                measure(get_deep, repeat=REPEAT),
                replay_sql(captured(get_deep)),
            )
        )
    rows.append(
        Row(
            f"API query p1: {case.name}",
            measure(post_api, repeat=REPEAT),
            replay_sql(captured(post_api)),
            admin_timing,
        )
    )
    return rows


def search_rows(client: Client) -> list[Row]:
    """The list's free-text search (`q`) as the page sends it: a product name (matched against
    the catalogue, then the name index), an exact SKU, an exact tracking number, a common last
    name, a first name and the start of a last name, and a word that matches nothing. The
    buyer searches also run in the admin (same rule, orders/search.py order_search_q)."""
    from fulfillments.models import Fulfillment

    sku = LineItem.objects.exclude(sku="").values_list("sku", flat=True).first() or "none"
    tracking = (
        Fulfillment.objects.exclude(tracking_number="")
        .values_list("tracking_number", flat=True)
        .first()
        or "none"
    )
    searches = [
        ("product name", "indonesian", False),
        ("SKU", sku.lower(), False),
        ("tracking number", tracking, False),
        ("buyer name", "smith", True),
        ("buyer first and last name", "john smi", True),
        ("no match", "zzqx", True),
    ]
    rows = []
    for name, text, buyer in searches:
        url = "/orders/?" + urlencode({"q": text})

        def get_swap(url: str = url) -> None:
            check(client.get(url, headers={"HX-Request": "true"}))

        swap = check(client.get(url, headers={"HX-Request": "true"})).content.decode()
        shown = re.search(r"<span data-count>([^<]+)</span>", swap)
        admin_timing = None
        if buyer:
            admin_url = "/admin/orders/order/?" + urlencode({"q": text})
            admin_timing = measure(
                lambda admin_url=admin_url: check(client.get(admin_url)),
                repeat=max(5, REPEAT // 4),
            )
        rows.append(
            Row(
                f"list swap p1: search {name}",
                measure(get_swap, repeat=REPEAT),
                replay_sql(captured(get_swap)),
                admin_timing,
                f"({shown.group(1) if shown else '?'})",
            )
        )
    return rows


def export_rows(client: Client) -> list[Row]:
    """CSV export of every order (one row per order) and of every line item of the unfulfilled
    orders, as the list's "Export CSV" streams them: rows per second, and the Python heap's
    peak (tracemalloc) while streaming, which stays flat as the row count grows."""
    import resource
    import tracemalloc

    def stream(url: str) -> int:
        count = -1  # the header line
        for _chunk in client.get(url).streaming_content:
            count += 1
        return count

    rows = []
    for name, url in [
        ("CSV export: all orders, per order", "/orders/export.csv"),
        ("CSV export: unfulfilled, per line", "/orders/export.csv?view=unfulfilled&rows=line"),
    ]:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        count = stream(url)
        seconds = time.perf_counter() - started
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        # A second pass under tracemalloc (which slows Python) for the heap's peak.
        tracemalloc.start()
        stream(url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        label = (
            f"{name}: {count:,} rows, {count / seconds:,.0f} rows/s, heap peak "
            f"{peak / 2**20:.1f} MiB, max RSS +{rss_growth / 1024:.0f} MiB"
        )
        print(f"  {label}", flush=True)
        rows.append(Row(label, Timing([seconds * 1000])))
    return rows


def write_rows(client: Client, api_headers: dict) -> list[Row]:
    rows = []
    page_order = bench_order(50, 20, "BENCH-50x20")
    url = f"/orders/{page_order.number}/"
    rows.append(
        Row(
            "order page 50 lines / 20 fulfillments",
            measure(lambda: check(client.get(url)), repeat=REPEAT),
        )
    )

    # Create fulfillment: each request fulfils one unit of a fresh line, so nothing runs out.
    target = bench_order(REPEAT * 2 + 10, 0, f"BENCH-create-{uuid.uuid4().hex[:8]}")
    indexes = iter(range(1, REPEAT * 2 + 11))

    def create() -> None:
        check(
            client.post(
                f"/api/stores/v2/orders/{target.pk}/fulfillments",
                {
                    "fulfillment": {
                        "lineItems": [{"index": next(indexes), "quantity": 1}],
                        "trackingInfo": {"shippingProvider": "fedex", "trackingNumber": "123456"},
                    }
                },
                content_type="application/json",
                headers=api_headers,
            )
        )

    rows.append(Row("create fulfillment (Stores API)", measure(create, repeat=REPEAT, warmup=3)))

    # Bulk: 100 open orders per request, each fulfilled in its own transaction.
    batches = []
    for _ in range(6):  # warm-up, query count, three timed runs, one spare
        ids = list(
            Order.objects.filter(fulfillment_status="NOT_FULFILLED", archived=False)
            .exclude(pk__in=[i for b in batches for i in b])
            .order_by("-number")
            .values_list("pk", flat=True)[:100]
        )
        batches.append(ids)
    lines = dict(
        LineItem.objects.filter(order_id__in=[i for b in batches for i in b], index=1).values_list(
            "order_id", "line_id"
        )
    )
    todo = iter(batches)

    def bulk() -> None:
        ids = next(todo)
        response = check(
            client.post(
                "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments",
                {
                    "ordersWithFulfillments": [
                        {
                            "orderId": str(i),
                            "fulfillments": [
                                {
                                    "lineItems": [{"id": str(lines[i]), "quantity": 1}],
                                    "trackingInfo": {
                                        "shippingProvider": "usps",
                                        "trackingNumber": "9400",
                                    },
                                }
                            ],
                        }
                        for i in ids
                    ]
                },
                content_type="application/json",
                headers=api_headers,
            )
        )
        meta = response.json()["bulkActionMetadata"]
        if meta["totalFailures"]:
            print(f"  bulk: {meta['totalFailures']} failures", flush=True)

    rows.append(Row("bulk create 100 orders (eCommerce API)", measure(bulk, repeat=3, warmup=1)))
    return rows


def packing_rows(client: Client) -> list[Row]:
    """The packing station and the printed pages: pack mode of a 50-line order, the pick list
    of 1,000 unfulfilled orders and 200 packing slips (the list's limit), as POSTed from the
    orders list's checkboxes."""
    rows = []
    order = bench_order(50, 20, "BENCH-50x20")
    url = f"/pack/{order.number}/"
    rows.append(Row("pack mode 50 lines", measure(lambda: check(client.get(url)), repeat=REPEAT)))
    open_ids = [
        str(pk)
        for pk in Order.objects.filter(fulfillment_status="NOT_FULFILLED", hidden=False)
        .order_by("-number")
        .values_list("pk", flat=True)[:1000]
    ]
    rows.append(
        Row(
            f"pick list {len(open_ids):,} orders",
            measure(
                lambda: check(client.post("/pack/pick-list/", {"order": open_ids})),
                repeat=REPEAT,
            ),
        )
    )
    slip_ids = open_ids[:200]
    rows.append(
        Row(
            f"packing slips {len(slip_ids)} orders",
            measure(lambda: check(client.post("/pack/slips/", {"order": slip_ids})), repeat=5),
        )
    )
    return rows


def packer_client() -> Client:
    """A Fulfillment staff user: the home page shows them their own packer figures."""
    user, created = User.objects.get_or_create(username="bench-packer")
    if created:
        user.groups.add(Group.objects.get(name="Fulfillment staff"))
    client = Client()
    client.force_login(user)
    return client


def home_rows(client: Client) -> list[Row]:
    """The home page as an owner (every section), whole and as the minute's HTMX poll, and
    as a packer (their own figures, no webhook health)."""
    check(client.get("/"))  # the first visit may rebuild the day table in the store's zone
    packer = packer_client()

    def get_page() -> None:
        check(client.get("/"))

    def get_poll() -> None:
        check(client.get("/", headers={"HX-Request": "true"}))

    def get_packer_page() -> None:
        check(packer.get("/"))

    return [
        Row("home page (owner)", measure(get_page, repeat=REPEAT), replay_sql(captured(get_page))),
        Row(
            "home figures poll (HTMX)",
            measure(get_poll, repeat=REPEAT),
            replay_sql(captured(get_poll)),
        ),
        Row(
            "home page (packer)",
            measure(get_packer_page, repeat=REPEAT),
            replay_sql(captured(get_packer_page)),
        ),
    ]


def render(rows: list[Row], orders: int, seconds: float, days: int | None = None) -> str:
    table = [HEADER, *[row.cells() for row in rows]]
    widths = [max(len(r[i]) for r in table) for i in range(len(HEADER))]

    def line(r: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"

    out = [
        f"# Packdesk benchmark, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{orders:,} orders{f' (all placed in the last {days} days)' if days else ''};"
        f" warm runs of {REPEAT} (bulk: 3); Django test client in-process;"
        f" embedded PostgreSQL; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}"
        " at the end (other work on the machine slows every row). Raw SQL = the same statements"
        " replayed with psycopg. Admin = the project's Order admin changelist with the equivalent"
        " filter or search (n/a where it has none). Bench took"
        f" {seconds:.0f} s.",
        "",
        line(HEADER),
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        *[line(r) for r in table[1:]],
        "",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 1_000_000))
    )
    parser.add_argument(
        "--only",
        help="Run only the list cases whose name contains this (`lists`: every list case "
        "and the searches; `home`: the home page; `packing`: the packing station, slip and "
        "pick list rows; `writes`: the writes).",
    )
    parser.add_argument(
        "--recent-days",
        type=int,
        help="Seed (and measure) a database of its own whose orders were all placed in the "
        "last N days (.pgdata-bench-ORDERS-recent-N/; results bench-ORDERS-recent-N*.md).",
    )
    args = parser.parse_args()
    started = time.monotonic()
    # Not setup_test_environment(): its template instrumentation would slow every render.
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    tune_gc()  # as config/wsgi.py does for a served process
    # One log line per request would print every timed request.
    logging.getLogger("packdesk.request").setLevel(logging.WARNING)
    ensure_data(args.orders, args.recent_days)
    client, api_headers = bench_user()
    rows: list[Row] = []
    if not args.only or "home" in args.only:
        print("- home page", flush=True)
        rows += home_rows(client)
    lists = args.only == "lists"
    for case in cases():
        if args.only and not lists and args.only not in case.name:
            continue
        print(f"- {case.name}", flush=True)
        rows += list_rows(client, api_headers, client, case)
    if not args.only or lists or "search" in args.only:
        print("- search", flush=True)
        rows += search_rows(client)
    if not args.only or "export" in args.only:
        print("- export", flush=True)
        rows += export_rows(client)
    if not args.only or args.only == "writes":
        print("- writes", flush=True)
        rows += write_rows(client, api_headers)
    if not args.only or args.only == "packing":
        print("- packing", flush=True)
        rows += packing_rows(client)
    report = render(rows, args.orders, time.monotonic() - started, args.recent_days)
    print(report)
    RESULTS.mkdir(parents=True, exist_ok=True)
    # A partial run (--only) does not replace the full table.
    only = "-" + "".join(c if c.isalnum() else "-" for c in args.only) if args.only else ""
    recent = f"-recent-{args.recent_days}" if args.recent_days else ""
    path = RESULTS / f"bench-{args.orders}{recent}{only}.md"
    path.write_text(report)
    print(f"Written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
