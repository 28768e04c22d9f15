"""`make loadtest`: Packdesk under load over real HTTP, served as `make serve` serves it.

Uses the benchmark database (.pgdata-bench/, seeded with BENCH_ORDERS orders as `make bench`
does), starts `python -m config.ops.serve` (gunicorn, the tasks worker, the sweeper) on a free port
with the stock Django admin mounted as a baseline (bench/loadtest_settings.py), and runs
locust headless (bench/locustfile.py) at 8, 32 and 64 concurrent users, LOADTEST_SECONDS each:
1. the realistic mix: packers (order page, create fulfillment), owners (list with filters,
   name search, page 2, order page) and an API client (query, bulk create of 25 orders);
2. the baseline: the Packdesk list page and the stock admin changelist read alike.
With `--list-only`, only the list page (ListOnly: full pages and HTMX swaps, back to back, or
at `--rate` pages/s in all), written to bench/results/loadtest-list-<orders>.md.
Prints requests/s and p50/p95/p99 per request type and the errors, the CPU time the server
(gunicorn's processes) and PostgreSQL spent per request (what other work on a shared machine does
not change, unlike the rates), checks afterwards in the
database that no line item is over-fulfilled, and writes bench/results/loadtest-<orders>.md
(locust's CSV files and the server's log, a line per request as in production, go to
bench/results/loadtest-csv/, git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.calibrate import calibration_ms  # noqa: E402
from config.ops.serve import SECRET_FILE, secret_key  # noqa: E402

os.environ.setdefault("PACKDESK_PGDATA", str(ROOT / ".pgdata-bench"))
CALLER_DATABASE_POOL = os.environ.get("DATABASE_POOL")
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.loadtest_settings"
os.environ.pop("DJANGO_DEBUG", None)
os.environ.setdefault("DJANGO_SECRET_KEY", secret_key(SECRET_FILE))
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
if not os.environ.get("DATABASE_URL"):
    from config.database import embedded_database_url

    # One embedded server for this script and every served process.
    os.environ["DATABASE_URL"] = embedded_database_url(ROOT)

import django  # noqa: E402
import psutil  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils.crypto import get_random_string  # noqa: E402

from orders.models import ApiKey, LineItem, Order  # noqa: E402

RESULTS = ROOT / "bench" / "results"
USER_COUNTS = (8, 32, 64)
MIX = ["Packer", "Owner", "ApiClient"]
BASELINE = ["ListReader", "StockAdminReader"]
ROLES = {"packer": ("Fulfillment staff", False), "owner": ("Owner", True)}
SESSIONS_PER_ROLE = 4
ORDER_POOL = 3000
# Idle use above this (CPU seconds per second) means the processes were not idle.
IDLE_BUSY = 0.1
IDLE_SECONDS = 5
OVER_FULFILLED_SQL = """
SELECT count(*) FROM (
  SELECT li.id FROM orders_lineitem li
  JOIN fulfillments_fulfillmentlineitem fl ON fl.line_item_id = li.id
  GROUP BY li.id, li.quantity, li.refunded_quantity
  HAVING sum(fl.quantity) > li.quantity - li.refunded_quantity
) over_fulfilled
"""


def login_sessions(user: User, count: int) -> list[str]:
    """Session keys of logged-in sessions, made without hashing a password under load."""
    keys = []
    for _ in range(count):
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


def prepare(path: Path) -> dict:
    sessions = {}
    for role, (group, staff) in ROLES.items():
        user, _ = User.objects.get_or_create(
            username=f"loadtest-{role}", defaults={"is_staff": staff}
        )
        user.groups.add(Group.objects.get(name=group))
        sessions[role] = login_sessions(user, SESSIONS_PER_ROLE)
    _, api_key = ApiKey.generate(user=User.objects.get(username="loadtest-owner"), name="loadtest")
    open_orders = (
        Order.objects.filter(hidden=False, archived=False, fulfillment_status="NOT_FULFILLED")
        .order_by("-number")
        .values_list("pk", "number")[:ORDER_POOL]
    )
    numbers = dict(open_orders)
    first_lines = dict(
        LineItem.objects.filter(
            order_id__in=numbers, index=1, line_item_type="PHYSICAL"
        ).values_list("order_id", "line_id")
    )
    data = {
        "sessions": sessions,
        "csrf": get_random_string(32),
        "api_key": api_key,
        "orders": [
            {"id": str(pk), "number": numbers[pk], "line_id": str(line_id)}
            for pk, line_id in first_lines.items()
        ],
    }
    path.write_text(json.dumps(data))
    return data


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int, log: Path) -> subprocess.Popen:
    """`make serve` on `port`, logging as in production (a line per request, INFO) to `log`."""
    env = dict(os.environ)
    # bench/run.py (imported for the seeding) turns the pool off for its in-process timings;
    # the server runs as `make serve` does: DATABASE_POOL as the caller set it, else the pool.
    env.pop("DATABASE_POOL", None)
    if CALLER_DATABASE_POOL is not None:
        env["DATABASE_POOL"] = CALLER_DATABASE_POOL
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "config.ops.serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--settings",
            "bench.loadtest_settings",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 600  # collectstatic and migrate first; slow on a busy machine
    while time.monotonic() < deadline:
        if server.poll() is not None:
            print(log.read_text()[-4000:], file=sys.stderr)
            raise SystemExit(f"the server exited while starting (its log: {log})")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):
                return server
        except OSError:
            time.sleep(0.5)
    server.terminate()
    raise SystemExit("the server did not answer /healthz within 600 s")


def tree_cpu(pid: int) -> float:
    """CPU seconds of process `pid` and its descendants, including their exited children."""
    try:
        root = psutil.Process(pid)
        processes = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system + times.children_user + times.children_system
    return total


def postgres_pid() -> int:
    pgdata = Path(connection.settings_dict["HOST"] or os.environ["PACKDESK_PGDATA"])
    for candidate in (pgdata, pgdata.parent, Path(os.environ["PACKDESK_PGDATA"])):
        pid_file = candidate / "postmaster.pid"
        if pid_file.exists():
            return int(pid_file.read_text().split()[0])
    return 0


def warm_up(base: str, session: str, requests: int = 240) -> None:
    """Every worker process compiles its templates, fills its caches and opens its database
    connections on its first requests: do that before anything is measured."""
    from concurrent.futures import ThreadPoolExecutor

    def fetch(index: int) -> None:
        headers = {"Cookie": f"sessionid={session}"}
        if index % 2:
            headers["HX-Request"] = "true"
        request = urllib.request.Request(f"{base}/orders/", headers=headers)
        with urllib.request.urlopen(request, timeout=60) as response:
            response.read()

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fetch, range(requests)))


def run_locust(
    base: str, users: int, seconds: int, classes: list[str], prefix: Path, rate: float = 0
) -> list[dict]:
    env = {**os.environ, "LOADTEST_RATE": str(rate), "LOADTEST_USERS": str(users)}
    subprocess.run(
        [
            sys.executable,
            "-m",
            "locust",
            "-f",
            str(ROOT / "bench" / "locustfile.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--reset-stats",
            "--host",
            base,
            "--csv",
            str(prefix),
            "--only-summary",
            "--loglevel",
            "WARNING",
            *classes,
        ],
        check=False,
        cwd=ROOT,
        env=env,
    )
    with open(f"{prefix}_stats.csv") as handle:
        return list(csv.DictReader(handle))


def table(rows: list[dict]) -> list[str]:
    out = [
        "| request | requests | failures | req/s | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        name = row["Name"] if row["Type"] else "**all**"
        out.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} |"
            f" {float(row['Requests/s']):.1f} | {row['50%']} | {row['95%']} | {row['99%']} |"
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=int(os.environ.get("BENCH_ORDERS", 100_000)))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("LOADTEST_SECONDS", 15)))
    parser.add_argument("--users", default=",".join(map(str, USER_COUNTS)))
    parser.add_argument("--list-only", action="store_true", help="only the list page (ListOnly)")
    parser.add_argument("--rate", type=float, default=0, help="list pages/s in all (--list-only)")
    args = parser.parse_args()
    phases = (
        [("list only", ["ListOnly"])] if args.list_only else [("mix", MIX), ("baseline", BASELINE)]
    )
    from bench.run import ensure_data

    ensure_data(args.orders)
    csv_dir = RESULTS / "loadtest-csv"
    csv_dir.mkdir(parents=True, exist_ok=True)
    data_file = Path(tempfile.mkstemp(prefix="packdesk-loadtest-", suffix=".json")[1])
    data = prepare(data_file)
    os.environ["LOADTEST_DATA"] = str(data_file)
    connection.close()
    port = free_port()
    server_log = csv_dir / "server.log"
    server = start_server(port, server_log)
    print(f"The server logs to {server_log}", flush=True)
    pg_pid = postgres_pid()
    base = f"http://127.0.0.1:{port}"
    warm_up(base, data["sessions"]["owner"][0])
    # What the idle processes (the tasks worker and the sweeper polling, PostgreSQL's own
    # background work) spend anyway, taken off each phase's CPU.
    # The median of one-second samples, so a stray burst (a worker's garbage collection, the
    # sweeper's round) does not count as the idle rate.
    samples = []
    for _ in range(IDLE_SECONDS):
        start = time.monotonic(), tree_cpu(server.pid), tree_cpu(pg_pid)
        time.sleep(1)
        seconds = time.monotonic() - start[0]
        samples.append(
            ((tree_cpu(server.pid) - start[1]) / seconds, (tree_cpu(pg_pid) - start[2]) / seconds)
        )
    idle_app = statistics.median(app for app, _ in samples)
    idle_db = statistics.median(db for _, db in samples)
    busy = max(idle_app, idle_db) > IDLE_BUSY
    if busy:
        # Something was still running (a migration's aftermath, another program's load on
        # PostgreSQL): taking that off would understate, even negate, every phase's figure.
        print(
            f"Not idle before the run ({idle_app * 1000:.0f} and {idle_db * 1000:.0f} ms/s):"
            " CPU per request is reported without taking idle use off.",
            flush=True,
        )
        idle_app = idle_db = 0.0
    report = [
        f"# Packdesk load test, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "",
        f"{args.orders:,} orders; `make serve` (gunicorn workers:"
        f" {os.environ.get('WEB_CONCURRENCY', '2 x CPUs + 1')}) and locust {args.seconds} s"
        f" per point on the same {os.cpu_count()}-CPU machine;"
        f" {len(data['orders'])} open orders in the packers' pool. Times in ms.",
        "",
        f"Machine speed before the run: {calibration_ms():.1f} ms of CPU for bench/calibrate.py's"
        " fixed work (lower is faster; this VM's speed changes by the hour).",
    ]
    failures = 0
    try:
        for users in map(int, args.users.split(",")):
            for phase, classes in phases:
                print(f"- {users} users, {phase}", flush=True)
                prefix = csv_dir / f"{users}-{phase.replace(' ', '-')}"
                started, app_before, db_before = (
                    time.monotonic(),
                    tree_cpu(server.pid),
                    tree_cpu(pg_pid),
                )
                rows = run_locust(base, users, args.seconds, classes, prefix, args.rate)
                elapsed = time.monotonic() - started
                app_cpu = tree_cpu(server.pid) - app_before - idle_app * elapsed
                db_cpu = tree_cpu(pg_pid) - db_before - idle_db * elapsed
                served = sum(int(r["Request Count"]) for r in rows if not r["Type"])
                failures += sum(int(r["Failure Count"]) for r in rows if r["Type"])
                report += [
                    "",
                    f"## {users} users: {phase} ({', '.join(classes)})"
                    + (f", at most {args.rate:g} requests/s" if args.rate else ""),
                    "",
                    *table(rows),
                    "",
                    f"CPU per request: {app_cpu * 1000 / max(served, 1):.1f} ms in the server"
                    f" (gunicorn's processes), {db_cpu * 1000 / max(served, 1):.1f} ms in"
                    " PostgreSQL ("
                    + (
                        "idle use not taken off: not idle before the run"
                        if busy
                        else f"idle use taken off: {idle_app * 1000:.0f} and"
                        f" {idle_db * 1000:.0f} ms/s"
                    )
                    + f"); load average {os.getloadavg()[0]:.1f}"
                    " at the end.",
                ]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
        data_file.unlink(missing_ok=True)
    with connection.cursor() as cursor:
        cursor.execute(OVER_FULFILLED_SQL)
        over = cursor.fetchone()[0]
    report += [
        "",
        f"Failed requests: {failures}. Over-fulfilled line items afterwards: {over}.",
        "",
    ]
    text = "\n".join(report)
    print(text)
    name = f"loadtest-list-{args.orders}" if args.list_only else f"loadtest-{args.orders}"
    if args.rate:
        name += f"-rate{args.rate:g}"
    path = RESULTS / f"{name}.md"
    path.write_text(text)
    print(f"Written to {path.relative_to(ROOT)}")
    if over:
        raise SystemExit("over-fulfilled line items found")


if __name__ == "__main__":
    main()
