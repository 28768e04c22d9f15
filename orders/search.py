"""Free-text search over orders, one rule for the orders list and the admin: an order number
(digits, optionally after "#") matches exactly, text with "@" is the start of a buyer email,
anything else is part of the billing name. Each match is served by an index of migration 0003.
The list page also looks in tracking numbers, SKUs and product names.
"""

from __future__ import annotations

from django.db.models import F, Q
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, StartsWith

from orders.models import LineItem, Order
from orders.query import filter_q
from orders.selectors import product_names


def order_number_in(text: str) -> int | None:
    """The order number a search means ("10012" or "#10012"), or None."""
    digits = text.strip().removeprefix("#")
    return int(digits) if digits.isdigit() else None


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


# What a search looked in, by the kind of text typed (the page says it under the count).
SEARCHED_NUMBER = "order numbers and tracking numbers"
SEARCHED_EMAIL = "buyer emails"
SEARCHED_TEXT = "buyer names and emails, product names, SKUs and tracking numbers"


def search_q(text: str) -> tuple[Q, str]:
    """Free text, case-insensitively: an order number (digits, optionally after #) or a
    tracking number; an email start; else also the billing name (contains), product names
    (contains, matched against the catalogue, then found through the name index), an exact
    SKU or an exact tracking number. Returns the filter and a sentence saying what it searched."""
    text = text.strip()
    needle = text.lower()
    number = order_number_in(text)
    tracking_number = text if number is None else text.removeprefix("#")
    shipped = Order.objects.filter(fulfillments__tracking_number__iexact=tracking_number)
    tracking = Q(pk__in=shipped.values("pk"))
    if number is not None:
        return Q(number=number) | tracking, f"Searched {SEARCHED_NUMBER} for “{text}”."
    email = email_prefix_q(needle)
    if "@" in needle:
        return email, f"Searched {SEARCHED_EMAIL} for “{text}”."
    names = [name for name in product_names() if needle in name.lower()]
    found = name_contains_q(needle) | email | tracking
    found |= Q(pk__in=LineItem.objects.filter(sku__iexact=text).values("order_id"))
    note = f"Searched {SEARCHED_TEXT} for “{text}”."
    if names:
        found |= filter_q({"lineItems.name": {"$hasSome": names}})
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        note += f" Products matching: {shown}."
    return found, note
