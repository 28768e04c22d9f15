"""The packing station's reads: finding an order from a scanned code, and the item check.

The item check changes nothing in the database: which units have been scanned travels with
the page (the `checked` parameter, "index:count,index:count"), so the station works as plain
GET forms and a reload never counts a scan twice.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from fulfillments.models import Fulfillment
from fulfillments.presence import packer_name
from fulfillments.selectors import LineRow, order_rows
from orders.models import ChannelType, LineItem, Order
from orders.selectors import visible_orders

# The packing slip's barcode carries the order number alone: digits are typed the same by a
# scanner on every keyboard layout, and Code 128 packs them two to a symbol.
NUMBER_CODE = re.compile(r"#?\s*(\d{1,18})")
MAX_CODE = 200


def slip_code(order: Order) -> str:
    """What a packing slip's barcode encodes (and what the scan box accepts)."""
    return str(order.number)


def is_counter_sale(order: Order) -> bool:
    """A point-of-sale order with nowhere to ship to: handed over at the counter."""
    return order.channel_type == ChannelType.POS and not order.shipment_address


def pack_queryset() -> QuerySet[Order]:
    """Orders with what pack mode shows (lines, fulfillments with who made them, and their
    lines): fixed queries."""
    fulfillments = Fulfillment.objects.select_related("created_by").prefetch_related("lines")
    return visible_orders().prefetch_related(
        "line_items", Prefetch("fulfillments", queryset=fulfillments)
    )


def order_for_code(code: str, queryset: QuerySet[Order] | None = None) -> Order | None:
    """The order a scanned or typed code names: its number (`12119`, `#12119`, which is also
    what the slip's barcode holds) or its id. None when nothing matches."""
    code = (code or "").strip()
    if not code or len(code) > MAX_CODE:
        return None
    queryset = visible_orders() if queryset is None else queryset
    match = NUMBER_CODE.fullmatch(code)
    if match:
        return queryset.filter(number=int(match.group(1))).first()
    try:
        order_id = uuid.UUID(code)
    except ValueError:
        return None
    return queryset.filter(pk=order_id).first()


def _lookup_code(code: str, field) -> str:
    """`code` as the label checks look it up: stripped; "" when empty or longer than `field`
    holds (nothing can match it)."""
    code = (code or "").strip()
    return code if len(code) <= (field.max_length or 0) else ""


def items_with_sku(code: str) -> QuerySet[LineItem] | None:
    """The line items of any order whose SKU is `code` (case-insensitive, exact: a product's
    barcode scanned where a parcel label belongs), on the SKU's index; None when nothing
    can match."""
    code = _lookup_code(code, LineItem._meta.get_field("sku"))
    return LineItem.objects.filter(sku__iexact=code) if code else None


def parcels_with_label(code: str) -> QuerySet[Fulfillment] | None:
    """The fulfillments of visible orders tracked under `code` (case-insensitive, exact: a
    parcel label scanned where it does not belong), on the tracking number's index; None
    when nothing can match."""
    code = _lookup_code(code, Fulfillment._meta.get_field("tracking_number"))
    if not code:
        return None
    return Fulfillment.objects.filter(tracking_number__iexact=code, order__in=visible_orders())


def item_with_sku(code: str) -> LineItem | None:
    """A line item whose SKU is `code` (items_with_sku), or None. One query."""
    found = items_with_sku(code)
    return None if found is None else found.only("name", "sku").first()


def shipped_with(code: str, *, exclude: int | None = None) -> Fulfillment | None:
    """The latest fulfillment tracked under `code` (parcels_with_label) of an order other than
    number `exclude`, with its order and creator; None when no label matches. One query."""
    found = parcels_with_label(code)
    if found is None:
        return None
    if exclude is not None:
        found = found.exclude(order__number=exclude)
    return found.select_related("order", "created_by").order_by("-date_created").first()


def moment_said(moment) -> str:
    """ "Nov 30 at 14:05": when a parcel shipped, as the station's answers say it."""
    at = timezone.localtime(moment)
    return f"{date_format(at, 'M j')} at {date_format(at, 'H:i')}"


def shipment_said(fulfillment: Fulfillment, user) -> str:
    """ "order #12032 shipped with it on Nov 30 at 14:05, by you": which parcel a label is
    (`fulfillment` from shipped_with, with its order and creator)."""
    by = "you" if fulfillment.created_by_id == user.pk else packer_name(fulfillment.created_by)
    return (
        f"order #{fulfillment.order.number} shipped with it on "
        f"{moment_said(fulfillment.date_created)}, by {by}"
    )


def item_refusal(code: str) -> str:
    """Why one of the order's own SKUs is refused as its tracking number (the station's box
    and the order page's tracking forms)."""
    return f"“{code}” is an item of the order, not a tracking number: scan the parcel label."


def label_doubt(code: str, *, number: int, user) -> str:
    """Why `code` is most likely not the parcel label of order `number`, so shipping under it
    asks for a confirmation first ("" when nothing says so): a label already on another
    order's parcel (the last parcel's label scanned again, a label stuck on the wrong box;
    two orders in one parcel happens), or a product's SKU (a barcode off an item). The same
    order's earlier parcel under the same label is a second box of one shipment: no doubt.
    Used by the packing station and the order page's tracking forms; at most two queries."""
    if (earlier := shipped_with(code, exclude=number)) is not None:
        return (
            f"would ship with tracking number {earlier.tracking_number}, already used "
            f"({shipment_said(earlier, user)})"
        )
    if (item := item_with_sku(code)) is not None:
        return (
            f"would ship with tracking number {code.strip()}, which is the SKU of {item.name} "
            "(a product's barcode, not a parcel label)"
        )
    return ""


@dataclass
class PackLine:
    """A line of pack mode: what remains to put in the parcel and how much is checked."""

    row: LineRow
    checked: int = 0

    @property
    def item(self):
        return self.row.item

    @property
    def remaining(self) -> int:
        return self.row.remaining

    @property
    def to_check(self) -> int:
        return max(self.remaining - self.checked, 0)

    @property
    def done(self) -> bool:
        return self.checked >= self.remaining


@dataclass
class PackList:
    """Pack mode of one order: lines to pack (physical, units remaining), lines set apart
    (digital, custom amounts, or nothing left), and the item check's counts."""

    order: Order
    to_pack: list[PackLine] = field(default_factory=list)
    apart: list[LineRow] = field(default_factory=list)

    @property
    def units(self) -> int:
        return sum(line.remaining for line in self.to_pack)

    @property
    def checked_units(self) -> int:
        return sum(min(line.checked, line.remaining) for line in self.to_pack)

    @property
    def complete(self) -> bool:
        return all(line.done for line in self.to_pack)

    @property
    def skus(self) -> set[str]:
        return {line.item.sku.strip().lower() for line in self.to_pack if line.item.sku}

    @property
    def all_skus(self) -> set[str]:
        """Every SKU of the order, lines set apart included (one already shipped, say)."""
        rows = [line.row for line in self.to_pack] + self.apart
        return {row.item.sku.strip().lower() for row in rows if row.item.sku}

    def checked_param(self) -> str:
        """The item check's state as the `checked` parameter."""
        return ",".join(
            f"{line.item.index}:{line.checked}" for line in self.to_pack if line.checked
        )

    def expected_param(self) -> str:
        """What is shown as remaining to pack, to compare at shipping (remaining_param)."""
        return remaining_param(line.row for line in self.to_pack)

    def scan(self, code: str) -> tuple[PackLine | None, str]:
        """Count one unit of the line whose SKU is `code`. Returns (line, "") when counted,
        (None, why) when refused: a SKU not in the order or every unit already checked.
        Nothing changes on a refusal."""
        wanted = (code or "").strip().lower()
        matches = [line for line in self.to_pack if line.item.sku.strip().lower() == wanted]
        if not matches:
            shipped = [row for row in self.apart if row.item.sku.strip().lower() == wanted]
            if shipped and wanted:
                row = shipped[0]
                why = "needs no shipping" if not row.shippable else "is already fulfilled"
                return None, f"{row.item.name} ({row.item.sku}) {why}: leave it out of the box."
            return None, f"{code} is not an item of order #{self.order.number}."
        for line in matches:
            if not line.done:
                line.checked += 1
                return line, ""
        line = matches[0]
        total = sum(m.remaining for m in matches)
        return None, (
            f"Too many: all {total} of {line.item.name} ({line.item.sku}) are already checked."
        )

    def undo_param(self, line: PackLine) -> str:
        """The `checked` state before the last unit of `line` was counted."""
        line.checked -= 1
        try:
            return self.checked_param()
        finally:
            line.checked += 1


def remaining_param(rows: Iterable[LineRow]) -> str:
    """The lines a page shows as remaining to ship, "index:quantity,...": posted back with
    "ship everything that remains" (ShownRemainingField), read with counts_parse."""
    return ",".join(f"{row.item.index}:{row.remaining}" for row in rows)


def counts_parse(raw: str) -> dict[int, int]:
    """Parse "index:count,..." (the item check's counts, what a page showed as remaining)
    leniently: malformed parts are ignored, so a mangled value checks nothing off and ships
    nothing it did not show."""
    counts: dict[int, int] = {}
    for part in (raw or "").split(",")[:300]:
        index, _, count = part.partition(":")
        if index.strip().isdigit() and count.strip().isdigit():
            counts[int(index)] = min(int(count), 100_000)
    return counts


def pack_list(order: Order, checked: str = "") -> PackList:
    """Pack mode of an order fetched with `pack_queryset()`; no further queries."""
    line_rows, _ = order_rows(order)
    counts = counts_parse(checked)
    packing = PackList(order=order)
    for row in line_rows:
        if row.shippable and row.remaining > 0:
            packing.to_pack.append(
                PackLine(row=row, checked=min(counts.get(row.item.index, 0), row.remaining))
            )
        else:
            packing.apart.append(row)
    return packing
