"""`make bench`: Packdesk at a million orders, side by side with raw SQL and the Django admin.

Seeds a separate benchmark database (BENCH_ORDERS, default 1,000,000; reused when it already
holds them), then measures warm repeated requests through Django's test client:
- the orders list (HTMX results swap and full page), first page and page 1,000, per filter;
- the same filter through POST /api/stores/v2/orders/query (with totalResults);
- the SQL those requests ran, replayed directly with psycopg (what the database alone needs);
- the project's own Order admin changelist with the equivalent filter or search;
- the order page of a 50-line / 20-fulfillment order, a create-fulfillment request, and a bulk
  create over 100 orders.
Prints one table and writes it to bench/results/.
"""

from __future__ import annotations

import argparse
import json
import os
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
os.environ.setdefault("PACKDESK_PGDATA", str(ROOT / ".pgdata-bench"))
os.environ.setdefault("DATABASE_POOL", "0")

import django  # noqa: E402

django.setup()

import psycopg  # noqa: E402
from django.contrib.auth.models import Group, User  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bench.harness import Timing, measure  # noqa: E402
from orders.management.commands.seed_orders import product_id_for  # noqa: E402
from orders.models import ApiKey, LineItem, Order  # noqa: E402

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
            {"fulfillmentStatus": {"$hasSome": ["NOT_FULFILLED", "PARTIALLY_FULFILLED"]},
             "archived": False},
            {"fulfillment_status__in": "NOT_FULFILLED,PARTIALLY_FULFILLED",
             "archived__exact": "0"},
        ),
        Case(
            "dateCreated one month",
            {"dateCreated": {"$gte": iso(month_start), "$lt": iso(month_end)}},
            {"date_created__gte": month_start.strftime("%Y-%m-%d %H:%M:%S"),
             "date_created__lt": month_end.strftime("%Y-%m-%d %H:%M:%S")},
        ),
        Case("number $gt", {"number": {"$gt": mid_number}}, {"number__gt": str(mid_number)}),
        Case("lineItems.productId $eq popular", {"lineItems.productId": popular}, None),
        Case("lineItems.productId $eq rare", {"lineItems.productId": rare}, None),
        Case("lineItems.productId $hasAll 2", {"lineItems.productId": {"$hasAll": [popular, second]}},
             None),
        Case("lineItems.productId $ne", {"lineItems.productId": {"$ne": popular}}, None),
        Case("fullName $contains", {"billingInfo.address.fullName": {"$contains": "smith"}},
             {"q": "smith"}),
        Case("fullName $startsWith", {"billingInfo.address.fullName": {"$startsWith": "maya"}},
             {"q": "maya"}),
        Case(
            "combined",
            {"paymentStatus": "PAID", "fulfillmentStatus": "NOT_FULFILLED", "archived": False,
             "lineItems.productId": popular},
            None,
        ),
    ]
