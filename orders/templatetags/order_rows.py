"""`{% order_rows orders can_bulk %}`: the list's table rows (orders/list_table.py)."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from orders.list_table import order_rows_html

register = template.Library()


@register.simple_tag
def order_rows(orders, can_bulk) -> SafeString:
    return order_rows_html(orders, can_bulk=bool(can_bulk))
