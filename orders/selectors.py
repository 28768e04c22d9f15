"""Reads of orders, shaped for the pages and the API."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, QuerySet, TextField
from django.db.models.expressions import RawSQL
from django.db.models.query import ValuesIterable
from django.http import Http404

from orders.models import (
    SPEC_ACTIVITY_TYPES,
    STORE_SETTINGS_PK,
    Activity,
    LineItem,
    Order,
    StoreSettings,
    buyer_name,
)

LIST_COLUMNS = (
    "id",
    "number",
    "date_created",
    "last_updated",
    "billing_first_name",
    "billing_last_name",
    # buyer_name falls back to these when the billing name is empty.
    "buyer_first_name",
    "buyer_last_name",
    "buyer_email",
    "currency",
    "total",
    "payment_status",
    "fulfillment_status",
    "archived",
)


def visible_orders() -> QuerySet[Order]:
    """Every order the dashboard and the API may show (hidden orders never are)."""
    return Order.objects.filter(hidden=False)


def order_or_404(number: int, queryset: QuerySet[Order] | None = None) -> Order:
    """The page views' one order lookup: the visible order with this number, from `queryset`
    (built on visible_orders(), e.g. with the page's prefetches) or all visible orders;
    Http404 when there is none."""
    order = (visible_orders() if queryset is None else queryset).filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    return order


def order_list_rows() -> QuerySet[Order]:
    return visible_orders().only(*LIST_COLUMNS).order_by("-number")


# How many line items the list's items column names before "+N more".
LIST_ITEMS_SHOWN = 2


def order_list_page(queryset: QuerySet[Order]) -> QuerySet[Order]:
    """The list's rows with their items column read in the same query: `list_lines`, the
    order's line count and its first LIST_ITEMS_SHOWN line items as [name, quantity] (by
    index), as JSON text `[count, [[name, quantity], ...]]`: a COUNT and a LIMIT subquery on
    the (order, index) index, which PostgreSQL evaluates after the sort and the limit, for
    the page's rows only. Written out: built from ORM expressions it cost ~1 ms of Python to
    compile on every page. The LIMIT reads LIST_ITEMS_SHOWN line items instead of all of
    them (one array_agg over the whole order before: 0.88 -> 0.65 ms of PostgreSQL's time
    for a page at 1M orders with ~18 line items an order)."""
    order, line = Order._meta.db_table, LineItem._meta.db_table
    lines = f'FROM {line} li WHERE li.order_id = "{order}".id'
    return queryset.annotate(
        list_lines=RawSQL(
            f"SELECT jsonb_build_array((SELECT COUNT(*) {lines}),"
            " (SELECT COALESCE(jsonb_agg(jsonb_build_array(t.name, t.quantity) ORDER BY t.index),"
            " '[]'::jsonb) FROM (SELECT li.name, li.quantity, li.index"
            f" {lines} ORDER BY li.index LIMIT %s) t))::text",
            (LIST_ITEMS_SHOWN,),
            output_field=TextField(),
        ),
    )


class ListRow:
    """One row of the orders list: the LIST_COLUMNS and the page's annotations as attributes,
    plus what the row shows that the model computes (`pk`, `buyer_name`). Not an Order: a
    model instance costs ~25 us to build (every deferred field of 40 set one by one), half a
    millisecond a page, and the list only reads these values."""

    id: Any

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__.update(values)

    def __getattr__(self, name: str) -> Any:
        # Only for attributes the row does not have: the type checker then accepts the
        # columns and annotations it cannot see.
        raise AttributeError(name)

    @property
    def pk(self) -> Any:
        return self.id

    @property
    def buyer_name(self) -> str:
        return buyer_name(self)


class ListRowIterable(ValuesIterable):
    def __iter__(self) -> Iterator[Any]:
        for values in super().__iter__():
            yield ListRow(values)


def list_rows(queryset: QuerySet[Order]) -> QuerySet[Any]:
    """`queryset` (order_list_rows() with its annotations) read as ListRow objects."""
    rows = queryset.values(*LIST_COLUMNS, *queryset.query.annotation_select)
    rows._iterable_class = ListRowIterable
    return rows


def order_list_items(orders: Sequence[Any]) -> None:
    """Attach `items` ((name, quantity) pairs) and `items_more` (how many are not shown) to
    each row read through order_list_page, from what that query read."""
    for order in orders:
        count, items = json.loads(order.list_lines)
        order.items = [(name, quantity) for name, quantity in items or ()]
        order.items_more = count - len(order.items)


# What `serializers.order_to_dict` and the order page read besides the order row.
ORDER_DETAIL_RELATIONS = ("line_items", "activities", "refunds", "fulfillments__lines")


def order_detail_queryset() -> QuerySet[Order]:
    """Orders with everything `serializers.order_to_dict` and the order page read, in a fixed
    number of queries whatever the number of lines, fulfillments and activities."""
    return visible_orders().prefetch_related(*ORDER_DETAIL_RELATIONS)


# A relation read for JSON only is kept as a plain list in this attribute (`<name>_rows`);
# serializers.related() reads it.
ROWS_SUFFIX = "_rows"


class JsonRow:
    """A related row read for an order's JSON: its columns as attributes, no model instance."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.__dict__ = values

    if TYPE_CHECKING:  # its columns: whatever the query read

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


def _json_rows(queryset: QuerySet, fields: Sequence[str], key: str) -> dict[Any, list[JsonRow]]:
    """`queryset`'s rows as JsonRows, grouped by their `key` column (in the queryset's order)."""
    grouped: dict[Any, list[JsonRow]] = defaultdict(list)
    for values in queryset.values(*fields):
        grouped[values[key]].append(JsonRow(values))
    return grouped


def _rows_by(
    model: Any, key: str, ids: list, *, using: str, sort: Sequence[str], fields=None, **where
) -> dict[Any, list[JsonRow]]:
    """`model`'s rows whose `key` column is in `ids` (and match `where`), sorted by key and
    `sort`, as JsonRows of `fields` (every column by default) grouped by key."""
    columns = fields or [field.attname for field in model._meta.concrete_fields]
    queryset = model._default_manager.using(using).filter(**{f"{key}__in": ids}, **where)
    return _json_rows(queryset.order_by(key, *sort), columns, key)


def attach_json_rows(orders: Sequence[Order], *, using: str) -> None:
    """Read what serializers.order_to_dict shows of `orders`' line items, activities, refunds,
    fulfillments and fulfillment lines (one statement each, on database `using`) and keep them
    as `<relation>_rows` lists of JsonRows, in the order the relations' models sort them."""
    # The fulfillments app's models, reached through the relations (orders never imports it).
    fulfillment = Order._meta.get_field("fulfillments").related_model
    ids = [order.pk for order in orders]
    by_order = {
        "line_items": _rows_by(LineItem, "order_id", ids, using=using, sort=["index"]),
        "activities": _rows_by(
            Activity,
            "order_id",
            ids,
            using=using,
            sort=["timestamp", "id"],
            fields=["order_id", "type", "timestamp"],
            type__in=SPEC_ACTIVITY_TYPES,
        ),
        "refunds": _rows_by(
            Order._meta.get_field("refunds").related_model,
            "order_id",
            ids,
            using=using,
            sort=["date_created", "id"],
        ),
        "fulfillments": _rows_by(
            fulfillment, "order_id", ids, using=using, sort=["date_created", "id"]
        ),
    }
    shipped = [row for rows in by_order["fulfillments"].values() for row in rows]
    lines = (
        _rows_by(
            fulfillment._meta.get_field("lines").related_model,
            "fulfillment_id",
            [row.id for row in shipped],
            using=using,
            sort=["line_item__index"],
            fields=["fulfillment_id", "line_item_id", "quantity"],
        )
        if shipped
        else {}
    )
    for row in shipped:
        row.lines_rows = lines.get(row.id, [])
    for order in orders:
        for name, rows in by_order.items():
            setattr(order, name + ROWS_SUFFIX, rows.get(order.pk, []))


class OrderJsonQuerySet(QuerySet):
    """Orders that, once fetched, carry their related rows for serializers.order_to_dict
    (attach_json_rows)."""

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        rows = self._result_cache
        if fresh and rows and isinstance(rows[0], Order):
            attach_json_rows(cast(list[Order], rows), using=self.db)


def order_json_queryset() -> QuerySet[Order]:
    """Orders for `serializers.order_to_dict` only (the query API's pages): the same relations
    as order_detail_queryset(), kept as plain lists (`line_items_rows`, ...) of plain rows
    (attach_json_rows), and of the activities and fulfillment lines only what the JSON shows.
    prefetch_related builds a model instance per related row, and with `.all()` a filtered
    queryset per order and relation: for a page of 50 busy orders (2,700 related rows) those
    were most of the query API's CPU."""
    return OrderJsonQuerySet(Order, query=visible_orders().query)


# An order read with notify_default_column() carries the store's notify-buyer default here.
NOTIFY_DEFAULT_COLUMN = "notify_buyer_default_setting"


def notify_default_sql() -> tuple[str, list]:
    """The store's "notify the buyer" default as an SQL expression and its parameters (the
    model's default before the settings row exists), written out so a page can read it in a
    statement it runs anyway."""
    default = StoreSettings._meta.get_field("notify_buyer_default").get_default()
    sql = f"SELECT notify_buyer_default FROM {StoreSettings._meta.db_table} WHERE id = %s"
    return f"COALESCE(({sql}), %s)", [STORE_SETTINGS_PK, default]


def notify_default_column() -> RawSQL:
    """notify_default_sql() as an annotation (annotate it as NOTIFY_DEFAULT_COLUMN)."""
    sql, params = notify_default_sql()
    return RawSQL(sql, params, output_field=BooleanField())


def store_settings_get() -> StoreSettings:
    """The store's settings row, created with the defaults the first time it is read."""
    row, _ = StoreSettings.objects.get_or_create(pk=STORE_SETTINGS_PK)
    return row


# The product catalogue (distinct line item names and product ids) feeds the list's product
# picker and its name search. Read by skipping through the (name, order) and (product, order)
# indexes, one probe per distinct value, and kept for a minute per process.
CATALOGUE_MAX = 5000
CATALOGUE_SECONDS = 60

_DISTINCT_NAMES = """
WITH RECURSIVE names AS (
    (SELECT name FROM orders_lineitem ORDER BY name LIMIT 1)
    UNION ALL
    SELECT (SELECT l.name FROM orders_lineitem l WHERE l.name > names.name
            ORDER BY l.name LIMIT 1)
    FROM names WHERE names.name IS NOT NULL
)
SELECT name FROM names WHERE name IS NOT NULL LIMIT %s
"""

_DISTINCT_PRODUCTS = """
WITH RECURSIVE products AS (
    (SELECT product_id FROM orders_lineitem WHERE product_id IS NOT NULL
     ORDER BY product_id LIMIT 1)
    UNION ALL
    SELECT (SELECT l.product_id FROM orders_lineitem l WHERE l.product_id > products.product_id
            ORDER BY l.product_id LIMIT 1)
    FROM products WHERE products.product_id IS NOT NULL
)
SELECT p.product_id::text,
       (SELECT l.name FROM orders_lineitem l WHERE l.product_id = p.product_id LIMIT 1)
FROM products p WHERE p.product_id IS NOT NULL LIMIT %s
"""


def _catalogue_read() -> tuple[list[str], list[tuple[str, str]]]:
    with connection.cursor() as cursor:
        cursor.execute(_DISTINCT_NAMES, [CATALOGUE_MAX])
        names = [row[0] for row in cursor.fetchall()]
        cursor.execute(_DISTINCT_PRODUCTS, [CATALOGUE_MAX])
        products = sorted(((pid, name) for pid, name in cursor.fetchall()), key=lambda p: p[1])
    return names, products


def product_catalogue() -> tuple[list[str], list[tuple[str, str]]]:
    """(distinct line item names, [(product id, a name it was sold under)]), both sorted."""
    catalogue = cache.get_or_set("packdesk:product-catalogue", _catalogue_read, CATALOGUE_SECONDS)
    return cast(tuple[list[str], list[tuple[str, str]]], catalogue)


def product_names() -> list[str]:
    return product_catalogue()[0]
