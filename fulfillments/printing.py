"""What packing slips and pick lists print: which orders, and their lines to ship.

Both take either chosen orders (repeated `order` ids, from the list's checkboxes) or the
list's current filter (its URL parameters), up to a stated limit.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum
from django.http import QueryDict

from fulfillments.models import FulfillmentLineItem
from fulfillments.packing import pack_list, slip_code
from orders.filters import filtered_orders
from orders.models import FulfillmentStatus, LineItem, LineItemType, Order

MAX_SLIPS = 200
MAX_PICK_ORDERS = 2000
OPEN_STATUSES = [FulfillmentStatus.NOT_FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED]


class PrintRequestError(Exception):
    """The request names no orders, or ones that cannot be read."""


def chosen_ids(params: QueryDict) -> list[uuid.UUID]:
    ids = []
    for value in params.getlist("order"):
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise PrintRequestError(f"Not an order id: {value[:60]!r}.") from None
    return list(dict.fromkeys(ids))


def orders_to_print(
    params: QueryDict,
    *,
    base: QuerySet[Order],
    limit: int,
    open_only: bool = False,
    chosen: bool = False,
) -> tuple[QuerySet[Order], bool]:
    """The chosen orders (by number) or, without a choice, the list's current filter
    (`open_only`: only orders with something left to fulfil), at most `limit` of them.
    `chosen`: the request came from the checkboxes, so an empty choice is an error.
    Returns the queryset and whether more matched than the limit."""
    ids = chosen_ids(params)
    if chosen and not ids:
        raise PrintRequestError("Tick at least one order, or print the whole filter.")
    if ids:
        if len(ids) > limit:
            raise PrintRequestError(f"Choose at most {limit} orders at once.")
        return base.filter(pk__in=ids).order_by("number"), False
    filtered = filtered_orders(params)
    if filtered is None:
        raise PrintRequestError("The list's filter is not valid: fix it on the orders list.")
    if open_only:
        filtered = filtered.filter(fulfillment_status__in=OPEN_STATUSES)
    numbers = list(filtered.values_list("number", flat=True)[: limit + 1])
    return base.filter(number__in=numbers[:limit]).order_by("number"), len(numbers) > limit


@dataclass
class Slip:
    order: Order
    code: str
    lines: list[Any]
    shipped_already: bool
    address: dict[str, Any]
    pickup: dict[str, Any] | None
    barcode: str = ""


def slips_for(orders: Iterable[Order]) -> list[Slip]:
    """A slip per order (fetched with `pack_queryset()`): the lines still to ship, or every
    physical line when all has shipped (a reprint)."""
    slips = []
    for order in orders:
        packing = pack_list(order)
        shipping = order.shipping_info if isinstance(order.shipping_info, dict) else {}
        details = shipping.get("shipmentDetails")
        address = details.get("address") if isinstance(details, dict) else None
        pickup = shipping.get("pickupDetails")
        lines = [(line.item, line.remaining) for line in packing.to_pack]
        shipped_already = not lines
        if shipped_already:
            lines = [
                (row.item, row.item.fulfillable_quantity)
                for row in packing.apart
                if row.shippable and row.item.fulfillable_quantity > 0
            ]
        slips.append(
            Slip(
                order=order,
                code=slip_code(order),
                lines=lines,
                shipped_already=shipped_already,
                address=address if isinstance(address, dict) else {},
                pickup=pickup if isinstance(pickup, dict) else None,
            )
        )
    return slips


@dataclass
class PickRow:
    sku: str
    name: str
    options: list[dict[str, Any]]
    quantity: int = 0
    numbers: list[int] = field(default_factory=list)


def pick_list(order_ids: list[Any]) -> list[PickRow]:
    """What to take from the shelves for these orders: per SKU (and name and options), the
    units still to ship across them and the order numbers that need it, sorted by SKU.
    Three queries whatever the number of orders."""
    lines = list(
        LineItem.objects.filter(order_id__in=order_ids, line_item_type=LineItemType.PHYSICAL)
        .values_list(
            "pk", "order__number", "sku", "name", "options", "quantity", "refunded_quantity"
        )
        .order_by()
    )
    fulfilled = dict(
        FulfillmentLineItem.objects.filter(line_item__order_id__in=order_ids)
        .values_list("line_item_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    rows: dict[tuple[str, str, str], PickRow] = {}
    for pk, number, sku, name, options, quantity, refunded in lines:
        remaining = quantity - refunded - fulfilled.get(pk, 0)
        if remaining <= 0:
            continue
        options = options if isinstance(options, list) else []
        key = (sku, name, json.dumps(options, sort_keys=True))
        row = rows.get(key)
        if row is None:
            row = rows[key] = PickRow(sku=sku, name=name, options=options)
        row.quantity += remaining
        row.numbers.append(number)
    for row in rows.values():
        row.numbers = sorted(set(row.numbers))
    # SKU first (lines without one last), then name: the order of the shelves.
    return sorted(rows.values(), key=lambda r: (not r.sku, shelf_order(r.sku), r.name.lower()))


DIGITS = re.compile(r"(\d+)")


def shelf_order(sku: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that reads a SKU's numbers as numbers, as shelves and bins are labelled:
    A-2, A-9, A-10, B-1 (a plain text sort walks A-10 before A-2)."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part)
        for part in DIGITS.split(sku.strip().lower())
        if part
    )
