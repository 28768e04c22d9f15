"""Reads for the order page: the order with everything it shows, in a fixed number of
queries, and per-line fulfilled / remaining quantities computed from the prefetched rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.models import Activity, LineItem, Order
from orders.selectors import NOTIFY_DEFAULT_COLUMN, notify_default_column, visible_orders


def order_page_queryset() -> QuerySet[Order]:
    """The order page's order: its relations prefetched and the store's notify-buyer default
    read in the order's own statement (as NOTIFY_DEFAULT_COLUMN)."""
    return (
        visible_orders()
        .annotate(**{NOTIFY_DEFAULT_COLUMN: notify_default_column()})
        .prefetch_related(
            "line_items",
            "refunds",
            Prefetch("activities", queryset=Activity.objects.select_related("actor")),
            Prefetch(
                "fulfillments",
                queryset=Fulfillment.objects.select_related("created_by").prefetch_related("lines"),
            ),
        )
    )


def line_items_fulfilled() -> QuerySet[LineItem]:
    """Line items, each with `fulfilled_total`: the quantity fulfilled so far."""
    fulfilled_sum = (
        FulfillmentLineItem.objects.filter(line_item=OuterRef("pk"))
        .values("line_item")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return LineItem.objects.annotate(
        fulfilled_total=Coalesce(Subquery(fulfilled_sum), Value(0), output_field=IntegerField())
    )


@dataclass
class LineRow:
    item: LineItem
    fulfilled: int
    remaining: int
    # Set by the order page (fulfillments/pages.py): the line's bound "add tracking" form
    # with errors, or whether to write out a blank one.
    form: Any = None
    blank_form: bool = False
    # Whether its blank form's tracking box takes focus (the next line to ship after a change).
    autofocus: bool = False

    @property
    def shippable(self) -> bool:
        return self.item.is_shippable


@dataclass
class FulfillmentRow:
    fulfillment: Fulfillment
    lines: list[tuple[LineItem, int]]
    # Set by the order page (fulfillments/pages.py): the open tracking form, or the
    # delete confirmation.
    edit_form: Any = None
    confirming: bool = False


def line_rows_of(number: int) -> list[LineRow]:
    """The line rows of the visible order `number` (empty when there is none), from its line
    items with what is fulfilled, in one query: what a form of the order page needs without
    reading the whole page."""
    items = line_items_fulfilled().filter(order__number=number, order__hidden=False)
    return [
        LineRow(
            item=item,
            fulfilled=item.fulfilled_total,  # type: ignore[attr-defined]
            remaining=max(item.fulfillable_quantity - item.fulfilled_total, 0),  # type: ignore[attr-defined]
        )
        for item in items.order_by("index")
    ]


def order_rows(order: Order) -> tuple[list[LineRow], list[FulfillmentRow]]:
    """Line rows (ordered / fulfilled / remaining) and fulfillment rows (their line items),
    from an order fetched with `order_page_queryset()`; no further queries."""
    items = list(order.line_items.all())
    by_pk = {item.pk: item for item in items}
    fulfilled: dict[int, int] = {}
    fulfillment_rows = []
    for fulfillment in order.fulfillments.all():
        lines = []
        for line in fulfillment.lines.all():
            fulfilled[line.line_item_id] = fulfilled.get(line.line_item_id, 0) + line.quantity
            lines.append((by_pk[line.line_item_id], line.quantity))
        lines.sort(key=lambda pair: pair[0].index)
        fulfillment_rows.append(FulfillmentRow(fulfillment=fulfillment, lines=lines))
    line_rows = [
        LineRow(
            item=item,
            fulfilled=fulfilled.get(item.pk, 0),
            remaining=max(item.fulfillable_quantity - fulfilled.get(item.pk, 0), 0),
        )
        for item in items
    ]
    return line_rows, fulfillment_rows
