"""Webhook deliveries per second on this machine, against a local HTTP receiver.

    DJANGO_DEBUG=1 .venv/bin/python bench/webhook_throughput.py [--events 500]

Writes N OrderPaid events (one endpoint) to the dev database, then delivers them twice:
1. the sweeper (`deliver_due`, what `manage.py deliver_webhooks` runs) in this process;
2. the real worker: one task per delivery queued on the database backend, drained by
   `manage.py db_worker --batch` in a subprocess.
Each delivery is claimed, signed (JWT HS256), POSTed over a new connection and recorded.
Everything it creates is deleted afterwards.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from django_tasks_db.models import DBTaskResult  # noqa: E402

from orders.models import Order  # noqa: E402
from orders.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent  # noqa: E402
from orders.webhooks.outbox import EventType, event_emit  # noqa: E402
from orders.webhooks.tasks import deliver_due, delivery_enqueue  # noqa: E402


class Counter(BaseHTTPRequestHandler):
    received = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with Counter.lock:
            Counter.received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def emit(order: Order, count: int) -> None:
    with transaction.atomic():
        for _ in range(count):
            event_emit(order=order, event_type=EventType.ORDER_PAID, actor=None)


def reset(endpoint: WebhookEndpoint) -> None:
    WebhookDelivery.objects.filter(endpoint=endpoint).update(
        status="pending", attempts=0, first_attempt_at=None, next_attempt_at=timezone.now()
    )


def run_worker() -> None:
    command = ["manage.py", "db_worker", "--batch", "--no-reload", "--no-startup-delay"]
    subprocess.run([sys.executable, *command, "--interval", "0", "-v", "0"], cwd=ROOT, check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=500)
    args = parser.parse_args()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/bench"

    order = Order.objects.create(buyer_first_name="Bench", buyer_last_name="Mark")
    endpoint = WebhookEndpoint.objects.create(url=url, events=[EventType.ORDER_PAID])
    existing_tasks = set(DBTaskResult.objects.values_list("pk", flat=True))
    try:
        started = time.perf_counter()
        emit(order, args.events)
        emitted = time.perf_counter() - started
        print(f"events written (outbox, one transaction): {args.events / emitted:,.0f}/s")
        # The commit queued a task per delivery; drop them so the sweeper is measured alone.
        DBTaskResult.objects.exclude(pk__in=existing_tasks).delete()

        started = time.perf_counter()
        attempted = deliver_due()
        elapsed = time.perf_counter() - started
        assert attempted == args.events == Counter.received, (attempted, Counter.received)
        print(
            f"sweeper (deliver_due, one process): {attempted} deliveries in {elapsed:.2f}s "
            f"= {attempted / elapsed:,.0f} deliveries/s"
        )

        reset(endpoint)
        Counter.received = 0
        started = time.perf_counter()
        run_worker()  # nothing queued for it yet: measures the worker's start-up alone
        startup = time.perf_counter() - started
        ids = list(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("pk", flat=True))
        for delivery_id in ids:
            delivery_enqueue(delivery_id=delivery_id)
        started = time.perf_counter()
        run_worker()
        elapsed = time.perf_counter() - started
        delivered = WebhookDelivery.objects.filter(endpoint=endpoint, status="succeeded").count()
        assert delivered == len(ids) == Counter.received, (delivered, Counter.received)
        print(
            f"db_worker --batch (one worker process, incl. its {startup:.2f}s start-up): "
            f"{delivered} deliveries in {elapsed:.2f}s = {delivered / elapsed:,.0f}/s, "
            f"{delivered / (elapsed - startup):,.0f} deliveries/s once running"
        )
    finally:
        DBTaskResult.objects.exclude(pk__in=existing_tasks).delete()
        WebhookEvent.objects.filter(order=order).delete()
        endpoint.delete()
        order.delete()
        server.shutdown()


if __name__ == "__main__":
    main()
