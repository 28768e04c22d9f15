"""Reads for the order page: the order with everything it shows, in a fixed number of
queries, and per-line fulfilled / remaining quantities computed from the prefetched rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet

from fulfillments.models import Fulfillment
from orders.models import Activity, LineItem, Order
from orders.selectors import visible_orders


def order_page_queryset() -> QuerySet[Order]:
    return visible_orders().prefetch_related(
        "line_items",
        "refunds",
        Prefetch("activities", queryset=Activity.objects.select_related("actor")),
        Prefetch(
            "fulfillments",
            queryset=Fulfillment.objects.select_related("created_by").prefetch_related("lines"),
        ),
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
