"""Create-fulfillment request latency and the order page's query count.

    DJANGO_DEBUG=1 .venv/bin/python bench/fulfillment_timing.py [--requests 200]

Against the dev database, through Django's full request stack (middleware, API-key auth,
JSON, the service's transaction and row lock, the response's order JSON):
1. p50/p95 of `POST /api/stores/v2/orders/{id}/fulfillments` fulfilling one unit of a
   10-line order (so every request also reads back a growing order);
2. the SQL queries of the order page `/orders/<number>/` for a 5-line/2-fulfillment and a
   50-line/20-fulfillment order (they must be equal).
Everything it creates is deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.contrib.auth.models import User  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from bench.fixtures import order_make, order_with_fulfillments  # noqa: E402
from bench.harness import measure  # noqa: E402
from orders.models import ApiKey, Order  # noqa: E402

HOST = "localhost"


def page_queries(client: Client, order: Order) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/orders/{order.number}/", HTTP_HOST=HOST)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()

    user = User.objects.create_superuser(username="bench-fulfil", password=None)
    _, raw_key = ApiKey.generate(user=user, name="bench")
    created: list[Order] = []
    try:
        target = order_make(quantities=[100_000] * 10)
        created.append(target)
        api = Client(HTTP_AUTHORIZATION=raw_key, HTTP_HOST=HOST)
        body = json.dumps(
            {
                "fulfillment": {
                    "lineItems": [{"index": 1, "quantity": 1}],
                    "trackingInfo": {"shippingProvider": "fedex", "trackingNumber": "1234"},
                }
            }
        )
        url = f"/api/stores/v2/orders/{target.id}/fulfillments"

        def create() -> None:
            response = api.post(url, body, content_type="application/json")
            assert response.status_code == 200, response.content

        timing = measure(create, repeat=args.requests, warmup=5)
        print(
            f"create-fulfillment (Stores v2 API, {args.requests} requests): "
            f"p50 {timing.median:.1f} ms, p95 {timing.p95:.1f} ms, "
            f"{timing.queries} queries per request"
        )

        small = order_with_fulfillments(5, 2)
        big = order_with_fulfillments(50, 20)
        created += [small, big]
        page = Client(HTTP_HOST=HOST)
        page.force_login(user)
        page_queries(page, small)  # warm caches (session, content types)
        counts = {name: page_queries(page, o) for name, o in (("5/2", small), ("50/20", big))}
        print(
            "order page queries: 5 lines/2 fulfillments "
            f"{counts['5/2']}, 50 lines/20 fulfillments {counts['50/20']}"
        )
        page_timing = measure(lambda: page.get(f"/orders/{big.number}/", HTTP_HOST=HOST), repeat=30)
        print(
            f"order page (50 lines/20 fulfillments): p50 {page_timing.median:.1f} ms, "
            f"p95 {page_timing.p95:.1f} ms"
        )
    finally:
        Order.objects.filter(pk__in=[o.pk for o in created]).delete()
        user.delete()


if __name__ == "__main__":
    main()
