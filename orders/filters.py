"""The orders list's filter bar: quick views, free-text search, filter rows, the advanced JSON
box, sort and paging, all read from the URL and all compiled by `orders.query`.

URL parameters (every one optional, combined with AND):
    view=all|unfulfilled|unpaid|archived        quick view
    q=<text>                                    number (digits) or buyer name / email
    f=<field>&op=<operator>&v=<value>  repeated one triple per filter row; operators without
                                       the $ (eq, ne, hasSome, hasAll, lt, lte, gt, gte,
                                       contains, startsWith); list values comma separated
    filter=<JSON>                               a raw filter in the query language
    sort=[-]number|dateCreated|lastUpdated      default -number
    page=<n>                                    1-based; pages of PAGE_SIZE orders
    after=<number> / before=<number>            keyset cursors for number sorts (next/prev)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import zip_longest
from typing import Any

import django_filters
from django import forms
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Contains, StartsWith
from django.http import QueryDict
from django.utils import timezone

from orders.counting import count_estimated
from orders.forms import PERIODS, FilterRowForm
from orders.models import FulfillmentStatus, LineItem, Order, PaymentStatus
from orders.query import (
    BOOL,
    ENUM,
    FIELDS,
    QueryError,
    build_query,
    filter_q,
    parse_json,
)
from orders.query_plan import page_rows
from orders.selectors import (
    order_list_items,
    order_list_rows,
    product_catalogue,
    product_names,
)

PAGE_SIZE = 50
# Above this many matches the page shows PostgreSQL's estimate ("about 512,300") instead of
# counting every row.
COUNT_CAP = 10_000

QUICK_VIEWS: dict[str, tuple[str, dict[str, Any] | None]] = {
    "all": ("All", None),
    "unfulfilled": (
        "Unfulfilled",
        {
            "fulfillmentStatus": {
                "$hasSome": [FulfillmentStatus.NOT_FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED]
            },
            "archived": False,
        },
    ),
    "unpaid": (
        "Unpaid",
        {
            "paymentStatus": {
                "$hasSome": [
                    PaymentStatus.NOT_PAID,
                    PaymentStatus.PENDING,
                    PaymentStatus.PARTIALLY_PAID,
                ]
            },
            "archived": False,
        },
    ),
    "archived": ("Archived", {"archived": True}),
}

SORTS = {
    "-number": [{"number": "desc"}],
    "number": [{"number": "asc"}],
    "-dateCreated": [{"dateCreated": "desc"}],
    "dateCreated": [{"dateCreated": "asc"}],
    "-lastUpdated": [{"lastUpdated": "desc"}],
    "lastUpdated": [{"lastUpdated": "asc"}],
}
DEFAULT_SORT = "-number"


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
    email = Q(StartsWith(Lower(F("buyer_email")), needle))
    digits = text.removeprefix("#")
    if digits.isdigit() and not buyer_only:
        found = Q(number=int(digits))
        tracked = tracked_orders(digits)
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
    return Q(Contains(Lower(F("billing_full_name")), needle)) | email, (
        f"Searched buyer names and emails for “{text}” (no product name, SKU or tracking "
        "number matched)."
        if not buyer_only
        else f"Searched buyer names and emails for “{text}”."
    )


def tracked_orders(number: str) -> Q | None:
    """Orders with a fulfillment tracked under `number` (case-insensitive, exact)."""
    shipped = Order.objects.filter(fulfillments__tracking_number__iexact=number)
    return _orders_with(shipped, "pk", Q(pk__in=shipped.values("pk")))


class OrderListForm(forms.Form):
    """The filterset's form: also checks paging and the advanced JSON (errors next to it)."""

    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    page = forms.IntegerField(min_value=1, required=False)
    after = forms.IntegerField(required=False)
    before = forms.IntegerField(required=False)

    def clean_filter(self) -> dict[str, Any] | None:
        text = self.cleaned_data.get("filter") or ""
        try:
            spec = parse_json(text, where="filter")
            if spec not in (None, {}):
                filter_q(spec)
        except QueryError as exc:
            raise forms.ValidationError(exc.message) from None
        return spec or None


class OrderFilterSet(django_filters.FilterSet):
    view = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in QUICK_VIEWS.items()],
        method="filter_view",
        empty_label=None,
    )
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Number, name, email, product, SKU or tracking number",
                "aria-describedby": "search-hint",
            }
        ),
    )
    filter = django_filters.CharFilter(
        method="filter_advanced",
        label="Filter JSON",
        widget=forms.Textarea(
            attrs={"rows": 3, "placeholder": '{"paymentStatus": {"$hasSome": ["PAID"]}}'}
        ),
    )

    class Meta:
        model = Order
        fields: list[str] = []
        form = OrderListForm

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        # The form also holds sort and paging fields, which are not filters.
        for name, filter_ in self.filters.items():
            queryset = filter_.filter(queryset, self.form.cleaned_data.get(name))
        return queryset

    def filter_view(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        spec = QUICK_VIEWS[value][1]
        return queryset if spec is None else queryset.filter(filter_q(spec))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        found, self.search_note = search_q(value)
        return queryset.filter(found)

    def filter_advanced(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        # The form validated the JSON (clean_filter); order_listing hands it to build_query
        # with the filter rows, so the engine sees the whole filter when it plans the sort.
        return queryset


def filter_rows(params: QueryDict) -> list[FilterRowForm]:
    """One bound form per (f, op, v) triple in the URL, then a blank row to add one more."""
    triples = zip_longest(params.getlist("f"), params.getlist("op"), params.getlist("v"))
    rows = [
        FilterRowForm(
            data={"f": f or "", "op": op or "", "v": v or ""}, auto_id=f"id_row{i}_%s", row=i
        )
        for i, (f, op, v) in enumerate(triples)
        if f or v
    ]
    rows.append(FilterRowForm(auto_id=f"id_row{len(rows)}_%s", row=len(rows)))
    return rows


@dataclass
class OrderListing:
    filterset: OrderFilterSet
    rows: list[FilterRowForm]
    sort: str = DEFAULT_SORT
    view: str = "all"
    orders: list[Order] = field(default_factory=list)
    count: int = 0
    count_exact: bool = True
    page: int = 1
    has_next: bool = False
    next_after: int | None = None
    prev_before: int | None = None
    errors: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def search_note(self) -> str:
        return getattr(self.filterset, "search_note", "")

    @property
    def filter_count(self) -> int:
        """Filter rows in use, plus one for an advanced JSON filter."""
        rows = sum(1 for row in self.rows if row.is_bound and row.data.get("f"))
        return rows + bool(self.filterset.form.data.get("filter"))

    @property
    def filters_open(self) -> bool:
        """The filter box starts open when it holds a filter or an error."""
        return bool(self.filter_count) or any(row.errors for row in self.rows if row.is_bound)

    @property
    def out_of_range(self) -> bool:
        """A page past the last one (a stale link or a typed URL)."""
        return self.page > 1 and not self.orders

    @property
    def count_label(self) -> str:
        return f"{self.count:,}" if self.count_exact else f"about {self.count:,}"

    @property
    def pages(self) -> int | None:
        if not self.count_exact:
            return None
        return max(1, -(-self.count // PAGE_SIZE))

    @property
    def sort_links(self) -> dict[str, dict[str, str]]:
        """Per sortable column: the sort its header link sets and the current direction."""
        links = {}
        for name in ("number", "dateCreated", "lastUpdated"):
            current = self.sort.lstrip("-") == name
            descending = self.sort.startswith("-")
            links[name] = {
                "sort": name if current and descending else f"-{name}",
                "state": ("descending" if descending else "ascending") if current else "none",
            }
        return links

    @property
    def value_lists(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """Suggestions (value, label) for the value input: enum and boolean values, date
        periods, and the product catalogue by name."""
        lists = [
            (name, [(c, "") for c in (f.choices if f.type == ENUM else ("yes", "no"))])
            for name, f in FIELDS.items()
            if f.type in (ENUM, BOOL)
        ]
        names, products = product_catalogue()
        lists.append(("periods", [(label, "") for label in PERIODS.values()]))
        lists.append(("lineItems.name", [(name, "") for name in names]))
        lists.append(("lineItems.productId", products))
        return lists

    @property
    def views(self) -> list[tuple[str, str]]:
        return [(key, label) for key, (label, _) in QUICK_VIEWS.items()]


def listing_query(params: QueryDict) -> tuple[OrderListing, QuerySet[Order] | None]:
    """The listing's state read from the URL and the filtered, sorted (unpaged) queryset of
    every matching order, or None with `listing.errors` saying why. The list page and the
    CSV export share it, so an export holds exactly the orders the page shows."""
    filterset = OrderFilterSet(params, queryset=order_list_rows())
    rows = filter_rows(params)
    listing = OrderListing(filterset=filterset, rows=rows)
    form = filterset.form
    rows_valid = all(row.is_valid() for row in rows if row.is_bound)
    if not filterset.is_valid() or not rows_valid:
        for name in ("view", "sort", "page", "after", "before"):
            listing.errors += [f"{name}: {error}" for error in form.errors.get(name, [])]
        if not listing.errors:
            listing.errors.append("Fix the highlighted filter to see orders.")
        return listing, None
    data = form.cleaned_data
    listing.sort = data.get("sort") or DEFAULT_SORT
    listing.view = data.get("view") or "all"
    listing.page = data.get("page") or 1
    specs = [row.spec for row in rows if row.spec]
    if data.get("filter"):
        specs.append(data["filter"])
    try:
        query = build_query(
            filter={"$and": specs} if specs else None,
            sort=SORTS[listing.sort],
            limit=PAGE_SIZE,
            offset=0,
            base=filterset.qs,
        )
    except QueryError as exc:
        listing.errors.append(exc.message)
        return listing, None
    return listing, query.queryset


def order_listing(params: QueryDict) -> OrderListing:
    """Everything the list page shows for these URL parameters, in two queries (a capped
    count and the page), or the errors that stop it."""
    listing, queryset = listing_query(params)
    if queryset is None:
        return listing
    data = listing.filterset.form.cleaned_data
    listing.orders, listing.has_next = _page(queryset, listing, data)
    if listing.page == 1 and not listing.has_next and not data.get("before"):
        # Everything fits on the first page: its rows are the count, no estimate needed.
        listing.count, listing.count_exact = len(listing.orders), True
    else:
        listing.count, listing.count_exact = count_estimated(queryset, exact_up_to=COUNT_CAP)
    _label_dates(listing.orders)
    order_list_items(listing.orders)
    if listing.orders and listing.sort.lstrip("-") == "number":
        listing.next_after = listing.orders[-1].number
        listing.prev_before = listing.orders[0].number if listing.page > 2 else None
    return listing


def _label_dates(orders: list[Order]) -> None:
    """Format the rows' dates once in Python: the template's date filter, called four times per
    row, was the largest single cost of rendering a page."""
    zone = timezone.get_current_timezone()
    for order in orders:
        for name in ("date_created", "last_updated"):
            value = getattr(order, name).astimezone(zone)
            setattr(order, f"{name}_iso", value.isoformat())
            setattr(order, f"{name}_label", f"{value:%b} {value.day}, {value:%Y %H:%M}")


def _page(queryset: QuerySet[Order], listing: OrderListing, data: dict) -> tuple[list, bool]:
    """One page of orders and whether another follows. Number sorts page by keyset (`after`
    / `before` cursors: an index range whatever the depth); other sorts by offset."""
    after, before = data.get("after"), data.get("before")
    descending = listing.sort.startswith("-")
    if listing.sort.lstrip("-") == "number" and (after is not None or before is not None):
        if after is not None:
            lookup = "number__lt" if descending else "number__gt"
            rows = page_rows(queryset.filter(**{lookup: after}), 0, PAGE_SIZE + 1)
            return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
        lookup = "number__gt" if descending else "number__lt"
        rows = page_rows(queryset.filter(**{lookup: before}).reverse(), 0, PAGE_SIZE)
        rows.reverse()
        return rows, True
    offset = (listing.page - 1) * PAGE_SIZE
    rows = page_rows(queryset, offset, offset + PAGE_SIZE + 1)
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE
