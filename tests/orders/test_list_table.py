"""The list's rows built in Python (orders/list_table.py) print what the row template printed."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.template import engines

from orders.list_table import order_rows_html
from orders.models import FulfillmentStatus, PaymentStatus
from orders.selectors import order_list_items, order_list_page, order_list_rows

# The list's table body as templates/orders/list.html had it before the rows moved to Python,
# fed the same values the template got then (the order's fields, its display labels).
ROW_TEMPLATE = (Path(__file__).parent / "list_rows_before.html").read_text()


@pytest.mark.parametrize("can_bulk", [True, False])
def test_rows_print_what_the_row_template_printed(order_factory, can_bulk):
    order_factory(
        first_name='<b>Zoë & "Co"</b>',
        last_name="O'Neil",
        lines=[{"name": "Tea <i>&</i> 'cups'", "quantity": 3}, {}, {}, {}],
        currency="EUR",
    )
    order_factory(
        lines=1,
        archived=True,
        payment_status=PaymentStatus.PAID,
        fulfillment_status=FulfillmentStatus.FULFILLED,
    )
    order_factory(lines=2, fulfillment_status=FulfillmentStatus.PARTIALLY_FULFILLED)
    order_factory(lines=0)  # no line item: an empty items column
    orders = list(order_list_page(order_list_rows()))
    order_list_items(orders)
    expected = (
        engines["django"].from_string(ROW_TEMPLATE).render({"rows": orders, "can_bulk": can_bulk})
    )
    html = order_rows_html(orders, can_bulk=can_bulk)
    assert html == expected
    assert "&lt;b&gt;Zoë &amp; &quot;Co&quot;&lt;/b&gt; O&#x27;Neil" in html
    assert "3 \N{MULTIPLICATION SIGN} Tea &lt;i&gt;&amp;&lt;/i&gt; &#x27;cups&#x27;</li>" in html
    assert '<li class="more">+2 more</li>' in html
    assert html.count('<span class="badge">Archived</span>') == 1
    assert html.count("row-tracking") == (3 if can_bulk else 0)
    assert '<ul class="items"></ul>' in html
