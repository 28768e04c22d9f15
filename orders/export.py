"""CSV export of the orders list's current view: every matching order (not just the page), one
row per order or per line item, streamed through a PostgreSQL server-side cursor so memory
stays flat whatever the number of orders."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.db import transaction
from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from orders.models import LineItem, Order

# Rows fetched from the server-side cursor at a time.
CHUNK = 2000

ORDER_COLUMNS = [
    "number",
    "date_created",
    "buyer_name",
    "buyer_email",
    "payment_status",
    "fulfillment_status",
    "archived",
    "items",
    "total_quantity",
    "total",
    "currency",
]
LINE_COLUMNS = [
    "number",
    "date_created",
    "buyer_name",
    "buyer_email",
    "payment_status",
    "fulfillment_status",
    "line",
    "item",
    "sku",
    "quantity",
    "price",
    "line_total",
    "currency",
]


class _Echo:
    """A file-like object whose write returns the text, for csv.writer in a generator."""

    def write(self, value: str) -> str:
        return value


def _items_summary() -> Subquery:
    # "2 x Shoe; 1 x Watch" (with a multiplication sign) for the order's line items in order,
    # joined by PostgreSQL.
    per_order = (
        LineItem.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(
            summary=StringAgg(
                Concat(Cast("quantity", CharField()), Value(" \N{MULTIPLICATION SIGN} "), "name"),
                delimiter=Value("; "),
                order_by="index",
            )
        )
        .values("summary")
    )
    return Subquery(per_order, output_field=CharField())


def _when(value) -> str:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else ""


def order_rows(orders: QuerySet[Order]) -> Iterator[list[Any]]:
    rows = orders.annotate(items_summary=_items_summary()).values_list(
        "number",
        "date_created",
        "billing_first_name",
        "billing_last_name",
        "buyer_email",
        "payment_status",
        "fulfillment_status",
        "archived",
        "items_summary",
        "total_quantity",
        "total",
        "currency",
    )
    for number, created, first, last, email, paid, fulfilled, archived, *rest in rows.iterator(
        chunk_size=CHUNK
    ):
        name = f"{first} {last}".strip()
        yield [number, _when(created), name, email, paid, fulfilled, archived, *rest]


def line_rows(orders: QuerySet[Order], sort: str) -> Iterator[list[Any]]:
    """One row per line item of `orders`, in the list's `sort` (e.g. "-number")."""
    sign, field = ("-", sort[1:]) if sort.startswith("-") else ("", sort)
    rows = (
        LineItem.objects.filter(order__in=orders.order_by().values("pk"))
        .order_by(f"{sign}order__{_COLUMNS[field]}", "order_id", "index")
        .values_list(
            "order__number",
            "order__date_created",
            "order__billing_first_name",
            "order__billing_last_name",
            "order__buyer_email",
            "order__payment_status",
            "order__fulfillment_status",
            "index",
            "name",
            "sku",
            "quantity",
            "price",
            "total_price",
            "order__currency",
        )
    )
    for number, created, first, last, email, *rest in rows.iterator(chunk_size=CHUNK):
        yield [number, _when(created), f"{first} {last}".strip(), email, *rest]


_COLUMNS = {"number": "number", "dateCreated": "date_created", "lastUpdated": "last_updated"}


def csv_stream(orders: QuerySet[Order], *, per_line: bool, sort: str) -> Iterator[str]:
    """The CSV text, a header then one row at a time, inside one transaction so the
    server-side cursor needs no WITH HOLD copy of the whole result."""
    writer = csv.writer(_Echo())
    yield writer.writerow(LINE_COLUMNS if per_line else ORDER_COLUMNS)
    with transaction.atomic():
        rows = line_rows(orders, sort) if per_line else order_rows(orders)
        for row in rows:
            yield writer.writerow(row)


def export_query_check(orders: QuerySet[Order]) -> None:
    """Read the first matching order's id, in the export's order, before the download starts:
    a statement timeout (a lock held elsewhere) or the database being away then fails the
    request with the 503 page instead of breaking a download that started with 200. No
    transaction is left open (the stream opens its own when it is read)."""
    list(orders.values_list("pk", flat=True)[:1])
