"""CSV export of the orders list's current view: every matching order (not just the page), one
row per order or per line item, streamed through a PostgreSQL server-side cursor so memory
stays flat whatever the number of orders."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator
from typing import Any

from django.db import DatabaseError, transaction
from django.db.models import CharField, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from orders.models import LineItem, Order

logger = logging.getLogger(__name__)

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


def _order_values(orders: QuerySet[Order]) -> QuerySet:
    return orders.annotate(items_summary=_items_summary()).values_list(
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


def order_rows(orders: QuerySet[Order]) -> Iterator[list[Any]]:
    rows = _order_values(orders)
    for number, created, first, last, email, paid, fulfilled, archived, *rest in rows.iterator(
        chunk_size=CHUNK
    ):
        name = f"{first} {last}".strip()
        yield [number, _when(created), name, email, paid, fulfilled, archived, *rest]


def _line_values(orders: QuerySet[Order], sort: str) -> QuerySet:
    sign, field = ("-", sort[1:]) if sort.startswith("-") else ("", sort)
    return (
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


def line_rows(orders: QuerySet[Order], sort: str) -> Iterator[list[Any]]:
    """One row per line item of `orders`, in the list's `sort` (e.g. "-number")."""
    rows = _line_values(orders, sort)
    for number, created, first, last, email, *rest in rows.iterator(chunk_size=CHUNK):
        yield [number, _when(created), f"{first} {last}".strip(), email, *rest]


_COLUMNS = {"number": "number", "dateCreated": "date_created", "lastUpdated": "last_updated"}


def csv_stream(orders: QuerySet[Order], *, per_line: bool, sort: str) -> Iterator[str]:
    """The CSV text, a header then one row at a time, inside one transaction so the
    server-side cursor needs no WITH HOLD copy of the whole result.

    Run export_query_check() first. Should a later statement still fail (the database
    restarted, the connection was cut, a read past the statement timeout), the file ends with
    a row saying it is incomplete, where a spreadsheet user sees it, and the error is raised
    into the server, which aborts the response: the browser marks the download failed."""
    writer = csv.writer(_Echo())
    yield writer.writerow(LINE_COLUMNS if per_line else ORDER_COLUMNS)
    written = 0
    try:
        with transaction.atomic(using=orders.db):
            for row in line_rows(orders, sort) if per_line else order_rows(orders):
                yield writer.writerow(row)
                written += 1
    except DatabaseError as error:
        logger.error("CSV export stopped after %d rows: %s", written, error)
        yield writer.writerow([INCOMPLETE.format(rows=written)])
        raise ExportIncomplete(written) from error


INCOMPLETE = (
    "EXPORT INCOMPLETE: the database stopped answering after {rows} rows; the rows after "
    "this one are missing. Download the export again."
)


class ExportIncomplete(Exception):
    """Raised into the server mid-download: the export stopped after `rows` rows."""

    def __init__(self, rows: int) -> None:
        super().__init__(f"The CSV export stopped after {rows} rows")
        self.rows = rows


def export_query_check(orders: QuerySet[Order], *, per_line: bool, sort: str) -> None:
    """Run the export's own query for its first row before the download starts: a statement
    timeout (a lock held elsewhere, on the orders or on their line items; a scan too slow
    for the timeout) or the database being away then fails the request with the 503 page
    instead of breaking a download that started with 200. No transaction is left open (the
    stream opens its own when it is read)."""
    rows = _line_values(orders, sort) if per_line else _order_values(orders)
    list(rows[:1])
