"""Free-text search over orders, one rule for the orders list and the admin: an order number
(digits, optionally after "#") matches exactly, text with "@" is the start of a buyer email,
anything else is words that each start a word of the buyer's names or email (before the "@").
The number and email are served by indexes of migration 0003, the buyer's words by the GIN
index of migration 0016 (PostgreSQL's own full-text search, no extension). The list page's
search also looks in SKUs, tracking numbers and product names, each on its own index.
"""

from __future__ import annotations

import re

from django.contrib.postgres.search import SearchQueryField, SearchVectorField
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.functions import Lower, Trim
from django.db.models.lookups import Contains, Exact, StartsWith

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


class BuyerWords(Func):
    """The words of an order's buyer (the name the list shows: the billing name, else the
    buyer's; the email before the "@"), lower-cased, accents dropped, punctuation a word
    break: migration 0016's function, and exactly the expression its GIN index is built on."""

    function = "orders_search_words"
    output_field = SearchVectorField()

    def __init__(self) -> None:
        super().__init__(
            F("billing_full_name"), F("buyer_first_name"), F("buyer_last_name"), F("buyer_email")
        )


class WordStarts(Func):
    """What someone typed as "every word is the start of a word" (a tsquery, by the same rule
    as BuyerWords; null when it has no letter or digit). Evaluated once, when the query is
    planned."""

    function = "orders_search_prefixes"
    output_field = SearchQueryField()


class Matches(Lookup):
    """tsvector @@ tsquery."""

    lookup_name = "matches"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} @@ {rhs}", (*lhs_params, *rhs_params)


class BuyerText(Func):
    """The billing name and the email of an order, as stored, in one string."""

    template = "(%(expressions)s)"
    arg_joiner = " || ' ' || "
    output_field = TextField()

    def __init__(self) -> None:
        super().__init__(F("billing_full_name"), F("buyer_email"))


class NotAscii(Func):
    """True when the text has a character outside ASCII (more bytes than characters)."""

    template = "octet_length(%(expressions)s) <> length(%(expressions)s)"
    output_field = BooleanField()


def likely_q(text: str) -> Q:
    """A test every match of buyer_words_q(text) passes, several times cheaper per row than
    computing the row's words: each typed word appears in the stored billing name or email
    (lower-case), unless the order has no billing name (its words are the buyer's name) or an
    apostrophe or a non-ASCII letter (where its words differ from the text). For a common
    name the planner walks the list's order and checks row after row; this test spares the
    words of the many rows that cannot match. For ASCII text only (otherwise, and for text
    without a word: Q())."""
    words = re.findall(r"[a-z0-9]+", text.lower().replace("'", "")) if text.isascii() else []
    if not words:
        return Q()
    stored = BuyerText()
    return (
        Q(*(Contains(Lower(stored), word) for word in words))
        | Q(Contains(stored, "'"))
        | Q(NotAscii(stored))
        | Q(Exact(Trim("billing_full_name"), ""))
    )


def buyer_words_q(text: str) -> Q:
    """Orders whose buyer has, for every word of `text`, a word starting with it: in the
    billing name (else the buyer's first and last name) or the email before the "@", in any
    order. Case and accents do not matter, and neither does punctuation: "smi" finds Smith,
    "john smi" John Smith, "jones" Smith-Jones, "obrien", "o'brien" and "brien" O'Brien. Text
    without a letter or digit matches nothing. The GIN index answers "no such word" at once."""
    return likely_q(text) & Q(Matches(BuyerWords(), WordStarts(Value(text))))


def words_said(text: str) -> str:
    """How the searched words read in the page's sentence."""
    words = [f"“{word}”" for word in text.split()] or [f"“{text}”"]
    if len(words) == 1:
        return f"a word starting with {words[0]}"
    return f"words starting with {', '.join(words[:-1])} and with {words[-1]}"


def order_search_q(text: str) -> Q:
    """The admin's search: the number, else an email start, else the buyer's words."""
    number = order_number_in(text)
    if number is not None:
        return Q(number=number)
    needle = text.strip().lower()
    return email_prefix_q(needle) if "@" in needle else buyer_words_q(text)


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
    then through the name index), and last the buyer's words (buyer_words_q: each word the
    start of a word of the buyer's names or email).
    `buyer:` before the text searches only buyer names and emails. Returns the filter and a
    sentence saying what was searched."""
    text = text.strip()
    buyer_only = text.lower().startswith("buyer:")
    if buyer_only:
        text = text[len("buyer:") :].strip()
        if not text:
            return Q(), "Type a name or an email after “buyer:” to search buyers."
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
    searched = f"Searched buyer names and emails for {words_said(text)}"
    return buyer_words_q(text), (
        f"{searched} (no product name, SKU or tracking number matched)."
        if not buyer_only
        else f"{searched}."
    )


def tracked_orders(number: str) -> Q | None:
    """Orders with a fulfillment tracked under `number` (case-insensitive, exact)."""
    shipped = Order.objects.filter(fulfillments__tracking_number__iexact=number)
    return _orders_with(shipped, "pk", Q(pk__in=shipped.values("pk")))
