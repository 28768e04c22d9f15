"""Reads of orders, shaped for the pages and the API."""

from __future__ import annotations

from django.db.models import QuerySet

from orders.models import STORE_SETTINGS_PK, Order, StoreSettings

LIST_COLUMNS = (
    "id",
    "number",
    "date_created",
    "last_updated",
    "billing_first_name",
    "billing_last_name",
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


def order_list_rows() -> QuerySet[Order]:
    return visible_orders().only(*LIST_COLUMNS).order_by("-number")


# What `serializers.order_to_dict` and the order page read besides the order row.
ORDER_DETAIL_RELATIONS = ("line_items", "activities", "refunds", "fulfillments__lines")


def order_detail_queryset() -> QuerySet[Order]:
    """Orders with everything `serializers.order_to_dict` and the order page read, in a fixed
    number of queries whatever the number of lines, fulfillments and activities."""
    return visible_orders().prefetch_related(*ORDER_DETAIL_RELATIONS)


def store_settings_get() -> StoreSettings:
    """The store's settings row, created with the defaults the first time it is read."""
    row, _ = StoreSettings.objects.get_or_create(pk=STORE_SETTINGS_PK)
    return row
