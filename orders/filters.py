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
from functools import cached_property
from html import escape
from itertools import islice, zip_longest
from typing import Any, cast

import django_filters
from django import forms
from django.core.cache import cache
from django.db import DatabaseError
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from config.errors import statement_timed_out, timeout_message
from orders.counting import count_estimated, count_matches
from orders.forms import PERIODS, BlankTextarea, BlankTextInput, FilterRowForm
from orders.links import QueryLinks
from orders.models import UNPAID_STATUSES, FulfillmentStatus, Order
from orders.query import (
    BOOL,
    ENUM,
    FIELDS,
    MAX_BIGINT,
    MAX_FILTER_NODES,
    MAX_OFFSET,
    QueryError,
    build_query,
    filter_q,
    parse_json,
)
from orders.query_plan import page_rows
from orders.saved_views import NOT_SAVED, view_query
from orders.search import search_q
from orders.selectors import (
    CATALOGUE_SECONDS,
    ListRow,
    list_rows,
    order_list_items,
    order_list_page,
    order_list_rows,
    product_catalogue,
)

PAGE_SIZE = 50
# Limits on the URL (README "Limits"): a search of at most 200 characters, at most
# MAX_FILTER_NODES filter rows, offset pages up to MAX_OFFSET rows deep.
MAX_SEARCH_LENGTH = 200
MAX_PAGE_LABEL = 10_000_000

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
            "paymentStatus": {"$hasSome": list(UNPAID_STATUSES)},
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
# Parameters that order or page the list (or shape its export), not choose its orders.
NOT_FILTER_PARAMS = frozenset({"sort", *NOT_SAVED})


class OrderListForm(forms.Form):
    """What the list page reads besides the filterset's quick view and search: the advanced
    JSON filter (checked here, errors next to it; order_listing hands it to build_query with
    the filter rows, so the engine sees the whole filter when it plans the sort), sort and
    paging."""

    filter = forms.CharField(
        required=False,
        label="Filter JSON",
        widget=BlankTextarea(
            attrs={"rows": 3, "placeholder": '{"paymentStatus": {"$hasSome": ["PAID"]}}'}
        ),
    )
    sort = forms.ChoiceField(choices=[(key, key) for key in SORTS], required=False)
    # With a cursor the page number is only a label; without one it is bounded by MAX_OFFSET.
    page = forms.IntegerField(min_value=1, max_value=MAX_PAGE_LABEL, required=False)
    after = forms.IntegerField(min_value=-MAX_BIGINT, max_value=MAX_BIGINT, required=False)
    before = forms.IntegerField(min_value=-MAX_BIGINT, max_value=MAX_BIGINT, required=False)

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
    """The quick view and the free-text search."""

    view = django_filters.ChoiceFilter(
        choices=[(key, label) for key, (label, _) in QUICK_VIEWS.items()],
        method="filter_view",
        empty_label=None,
    )
    q = django_filters.CharFilter(
        method="filter_search",
        label="Search",
        max_length=MAX_SEARCH_LENGTH,
        widget=BlankTextInput(
            attrs={
                "type": "search",
                # Short enough for a 360 px phone and the 18rem column on desks; the hint
                # under the box (search-hint) says it in full.
                "placeholder": "Number, buyer, item, SKU, tracking",
                "aria-describedby": "search-hint",
            }
        ),
    )
    # What the search looked in (set by filter_search), shown under the count.
    search_note = ""
    _form_class: type[forms.Form]

    class Meta:
        model = Order
        fields: list[str] = []

    def get_form_class(self) -> type[forms.Form]:
        """django-filter's form class, built once per process instead of on every request
        (a new class and a form field per filter each time: ~0.4 ms of CPU a list page). Its
        fields are the same for every request; each form instance copies them."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            cls._form_class = super().get_form_class()
        return cls._form_class

    def filter_view(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        spec = QUICK_VIEWS[value][1]
        return queryset if spec is None else queryset.filter(filter_q(spec))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        found, self.search_note = search_q(value)
        return queryset.filter(found)


def filter_rows(params: QueryDict) -> list[FilterRowForm]:
    """One bound form per (f, op, v) triple in the URL, then a blank row to add one more."""
    triples = list(
        islice(
            zip_longest(params.getlist("f"), params.getlist("op"), params.getlist("v")),
            MAX_FILTER_NODES + 1,
        )
    )
    rows = [
        FilterRowForm(
            data={"f": f or "", "op": op or "", "v": v or ""}, auto_id=f"id_row{i}_%s", row=i
        )
        for i, (f, op, v) in enumerate(triples)
        if f or v
    ]
    # Numbered after every submitted row, blank ones included, so its ids are its own.
    rows.append(FilterRowForm(auto_id=f"id_row{len(triples)}_%s", row=len(triples)))
    return rows


@dataclass
class OrderListing:
    filterset: OrderFilterSet
    form: OrderListForm
    rows: list[FilterRowForm]
    sort: str = DEFAULT_SORT
    view: str = "all"
    orders: list[ListRow] = field(default_factory=list)
    count: int = 0
    count_exact: bool = True
    page: int = 1
    has_next: bool = False
    next_after: int | None = None
    prev_before: int | None = None
    errors: list[str] = field(default_factory=list)
    page_extra: dict[str, Any] = field(default_factory=dict)
    links: QueryLinks = field(default_factory=lambda: QueryLinks(QueryDict()))

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def filter_key(self) -> str:
        """The URL's parameters that choose which orders match (not their order, the page or
        the export's rows), as a saved view writes them: the count's estimate is kept under it."""
        # The form was bound to the request's QueryDict (listing_query).
        return view_query(cast(QueryDict, self.form.data), leave_out=NOT_FILTER_PARAMS)

    @property
    def search_note(self) -> str:
        return self.filterset.search_note

    @property
    def filter_count(self) -> int:
        """Filter rows in use, plus one for an advanced JSON filter."""
        rows = sum(1 for row in self.rows if row.is_bound and row.data.get("f"))
        return rows + bool(self.form.data.get("filter"))

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
            sort = name if current and descending else f"-{name}"
            links[name] = {
                "sort": sort,
                "state": ("descending" if descending else "ascending") if current else "none",
                "link": self.links(sort=sort, page=None, after=None, before=None),
            }
        return links

    @property
    def value_lists(self) -> list[tuple[str, SafeString]]:
        """Suggestions for the value input, per field as its datalist's `<option value label>`
        elements: enum and boolean values, date periods, and the product catalogue by name.
        Joined in Python because 200-odd options through the template's loop cost 1.5 ms a
        page, and kept as markup as long as the catalogue is (CATALOGUE_SECONDS): every full
        list page shows the same lists."""
        lists: list[tuple[str, str]] = (
            cache.get_or_set(VALUE_LISTS_KEY, _value_lists_markup, CATALOGUE_SECONDS) or []
        )
        # Safe: _value_lists_markup escapes every value and label.
        return [(name, mark_safe(markup)) for name, markup in lists]

    @property
    def views(self) -> list[tuple[str, str, str]]:
        """(key, label, link) per quick view; a view starts again at the first page."""
        return [
            (key, label, self.links(view=key, page=None, after=None, before=None))
            for key, (label, _) in QUICK_VIEWS.items()
        ]

    @cached_property
    def prev_link(self) -> str:
        if self.page == 2:
            return self.links(page=None, after=None, before=None)
        return self.links(page=self.page - 1, before=self.prev_before, after=None)

    @cached_property
    def next_link(self) -> str:
        return self.links(page=self.page + 1, after=self.next_after, before=None)


VALUE_LISTS_KEY = "packdesk:list-value-lists"


def _value_lists_markup() -> list[tuple[str, str]]:
    lists = [
        (name, [(c, "") for c in (f.choices if f.type == ENUM else ("yes", "no"))])
        for name, f in FIELDS.items()
        if f.type in (ENUM, BOOL)
    ]
    names, products = product_catalogue()
    lists.append(("periods", [(label, "") for label in PERIODS.values()]))
    lists.append(("lineItems.name", [(name, "") for name in names]))
    lists.append(("lineItems.productId", products))
    return [(name, str(_datalist_options(values))) for name, values in lists]


def _datalist_options(values: list[tuple[str, str]]) -> SafeString:
    # Safe: every value and label goes through html.escape (what Django's escape calls).
    return mark_safe(
        "".join(
            f'<option value="{escape(value)}"'
            + (f' label="{escape(label)}"' if label else "")
            + "></option>"
            for value, label in values
        )
    )


def listing_query(params: QueryDict) -> tuple[OrderListing, QuerySet[Order] | None]:
    """The listing's state read from the URL and the filtered, sorted (unpaged) queryset of
    every matching order, or None with `listing.errors` saying why. The list page and the
    CSV export share it, so an export holds exactly the orders the page shows."""
    filterset = OrderFilterSet(params, queryset=order_list_rows())
    form = OrderListForm(params)
    rows = filter_rows(params)
    listing = OrderListing(filterset=filterset, form=form, rows=rows, links=QueryLinks(params))
    rows_valid = all(row.is_valid() for row in rows if row.is_bound)
    if len(rows) > MAX_FILTER_NODES:
        listing.errors.append(f"At most {MAX_FILTER_NODES} filter rows.")
        return listing, None
    # Both forms validate (and so show their errors) even when one of them fails.
    forms_valid = [filterset.is_valid(), form.is_valid()]
    if not all(forms_valid) or not rows_valid:
        errors = {**filterset.form.errors, **form.errors}
        for name in ("view", "q", "sort", "page", "after", "before"):
            listing.errors += [f"{name}: {error}" for error in errors.get(name, [])]
        if not listing.errors:
            listing.errors.append("Fix the highlighted filter to see orders.")
        return listing, None
    data = form.cleaned_data
    listing.sort = data.get("sort") or DEFAULT_SORT
    listing.view = filterset.form.cleaned_data.get("view") or "all"
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
    except DatabaseError as exc:
        # The free-text search looks up SKUs and tracking numbers while the filter is built.
        if not statement_timed_out(exc):
            raise
        listing.errors.append(timeout_message())
        return listing, None
    return listing, query.queryset


def order_listing(params: QueryDict, *, page_extra: dict[str, Any] | None = None) -> OrderListing:
    """Everything the list page shows for these URL parameters, in two queries (a capped
    count and the page), or the errors that stop it. `page_extra`: annotations read with the
    page's rows (uncorrelated subqueries the page needs once: PostgreSQL runs each once)."""
    listing, queryset = listing_query(params)
    if queryset is None:
        return listing
    if page_extra:
        listing.page_extra = page_extra
    try:
        _listing_read(listing, queryset, listing.form.cleaned_data)
    except DatabaseError as exc:
        if not statement_timed_out(exc):
            raise
        listing.orders, listing.count = [], 0
        listing.errors.append(timeout_message())
    return listing


def _listing_read(listing: OrderListing, queryset: QuerySet[Order], data: dict) -> None:
    """The page of orders, the count and the cursors (the part that reads the database)."""
    cursor = data.get("after") is not None or data.get("before") is not None
    offset = (listing.page - 1) * PAGE_SIZE
    if offset and not cursor:
        # An offset page (typed, or a date sort's Next link) counts first (at most
        # COUNT_EXACT_UP_TO rows): a page past the end of an exact count then reads no row
        # (the page says so and links to the last one) instead of walking every match, and a
        # page deeper than MAX_OFFSET rows, which PostgreSQL would skip one by one, is refused.
        listing.count, listing.count_exact = count_estimated(
            queryset, estimate_key=listing.filter_key
        )
        if listing.count_exact and offset >= listing.count:
            return
        if offset > MAX_OFFSET:
            listing.errors.append(
                f"Pages past {MAX_OFFSET // PAGE_SIZE + 1} are reached with the Next link "
                "(sorted by number) or a narrower filter."
            )
            return
        listing.orders, listing.has_next = _page(queryset, listing, data)
    else:
        listing.orders, listing.has_next = _page(queryset, listing, data)
        listing.count, listing.count_exact = count_matches(
            queryset,
            page_rows=len(listing.orders),
            first_page=listing.page == 1 and not data.get("before"),
            more=listing.has_next,
            estimate_key=listing.filter_key,
        )
    order_list_items(listing.orders)
    if listing.orders and listing.sort.lstrip("-") == "number":
        listing.next_after = listing.orders[-1].number
        listing.prev_before = listing.orders[0].number if listing.page > 2 else None


def _page(queryset: QuerySet[Order], listing: OrderListing, data: dict) -> tuple[list, bool]:
    """One page of orders and whether another follows. Number sorts page by keyset (`after`
    / `before` cursors: an index range whatever the depth); other sorts by offset."""
    after, before = data.get("after"), data.get("before")
    queryset = order_list_page(queryset)
    if listing.page_extra:
        queryset = queryset.annotate(**listing.page_extra)
    queryset = list_rows(queryset)
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


def filtered_orders(params: QueryDict) -> QuerySet[Order] | None:
    """Every order the list shows for these URL parameters, in its sort and unpaged (for
    printing slips and pick lists); None when the parameters are not valid."""
    return listing_query(params)[1]
