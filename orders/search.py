"""Free-text search over orders, one rule for the orders list and the admin: an order number
(digits, optionally after "#") matches exactly, text with "@" is the start of a buyer email,
anything else is part of the billing name. Each match is served by an index of migration 0003.
The list page's search also looks in SKUs, tracking numbers and product names, each on its own
index.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, StartsWith

from orders.models import LineItem, Order
from orders.query import filter_q
from orders.selectors import product_names

# An order number is a bigint: a longer run of digits can only be a tracking number.
MAX_NUMBER_DIGITS = 18


def order_number_in(text: str) -> int | None:
    """The order number a search means ("10012" or "#10012"), or None."""
    digits = text.strip().removeprefix("#")
    return int(digits) if digits.isdigit() and len(digits) <= MAX_NUMBER_DIGITS else None


def email_prefix_q(needle: str) -> Q:
    """Buyer emails starting with `needle` (lower-case), on the lower(buyer_email) index."""
    return Q(StartsWith(Lower(F("buyer_email")), needle))


def name_contains_q(needle: str) -> Q:
    """Billing names containing `needle` (lower-case): lower(...) LIKE '%needle%', which the
    trigram index serves where pg_trgm exists (elsewhere one scan, under a second at a
    million orders)."""
    return Q(Contains(Lower(F("billing_full_name")), needle))


def order_search_q(text: str) -> Q:
    """The admin's search: the number, else an email start, else part of the name."""
    number = order_number_in(text)
    if number is not None:
        return Q(number=number)
    needle = text.strip().lower()
    return email_prefix_q(needle) if "@" in needle else name_contains_q(needle)


# At most this many orders are collected by id for an exact SKU or tracking number (an index
# lookup each); past it the search walks the orders in list order and checks each one instead,
# which finds a page of a common SKU quickly.
SEARCH_ID_CAP = 1000


def _orders_with(rows: QuerySet, column: str, per_order: Q) -> Q | None:
    """A filter on the orders that `rows` (rows with an order id `column`) name, or None when
    there are none. `per_order` is the same test written from the order's side."""
    ids = list(rows.values_list(column, flat=True)[: SEARCH_ID_CAP + 1])
    if not ids:
        return None
    if len(ids) > SEARCH_ID_CAP:
        return per_order
    return Q(pk__in=ids)


def _shown(names: list[str]) -> str:
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    return ", ".join(names[:3]) + more


def search_q(text: str) -> tuple[Q, str]:
    """Free text, case-insensitively, in the first place that has it, so each kind of search
    runs on its own index: digits (optionally after #) are an order number or a tracking
    number; text with @ is the start of an email; otherwise an exact SKU, then an exact
    tracking number, then product names containing the text (matched against the catalogue,
    then through the name index), and last the billing name (contains) or email start.
    `buyer:` before the text searches only buyer names and emails. Returns the filter and a
    sentence saying what was searched."""
    text = text.strip()
    buyer_only = text.lower().startswith("buyer:")
    if buyer_only:
        text = text[len("buyer:") :].strip()
    needle = text.lower()
    email = email_prefix_q(needle)
    number = order_number_in(text)
    if number is not None and not buyer_only:
        found = Q(number=number)
        tracked = tracked_orders(text.removeprefix("#"))
        if tracked is not None:
            found |= tracked
        return found, f"Searched order numbers and tracking numbers for “{text}”."
    if "@" in needle:
        return email, f"Searched buyer emails for “{text}”."
    if not buyer_only:
        by_sku = _orders_with(
            LineItem.objects.filter(sku__iexact=text),
            "order_id",
            Q(Exists(LineItem.objects.filter(order=OuterRef("pk"), sku__iexact=text))),
        )
        if by_sku is not None:
            return by_sku, f"Found the SKU “{text}”."
        tracked = tracked_orders(text)
        if tracked is not None:
            return tracked, f"Found the tracking number “{text}”."
        names = [name for name in product_names() if needle in name.lower()]
        if names:
            return filter_q({"lineItems.name": {"$hasSome": names}}), (
                f"Searched product names for “{text}”: {_shown(names)}. "
                f"Type “buyer:{text}” to search buyer names instead."
            )
    return name_contains_q(needle) | email, (
        f"Searched buyer names and emails for “{text}” (no product name, SKU or tracking "
        "number matched)."
        if not buyer_only
        else f"Searched buyer names and emails for “{text}”."
    )


def tracked_orders(number: str) -> Q | None:
    """Orders with a fulfillment tracked under `number` (case-insensitive, exact)."""
    shipped = Order.objects.filter(fulfillments__tracking_number__iexact=number)
    return _orders_with(shipped, "pk", Q(pk__in=shipped.values("pk")))
