"""The orders list's table rows as HTML, built in Python: the list page's hottest loop.

Through the template engine, 50 rows cost ~1,000 variable lookups, ~100 `{% if %}` and 51
`{% for %}` renders per page: most of the page's Python time and the first limit on how many
list pages a server answers per second. Here a row is one f-string over values read once; only
the values that can hold markup (names, email, item names, currency, labels) are escaped. The
markup is the template's, byte for byte (the list's tests compare them): change it here and in
nothing else. templates/orders/list.html prints it with `{% order_rows listing can_bulk %}`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from django.db.models import TextChoices
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString

from orders.models import FulfillmentStatus, Order, PaymentStatus

# Orders that still have something to ship get a tracking box in their row.
OPEN_STATUSES = frozenset({FulfillmentStatus.NOT_FULFILLED, FulfillmentStatus.PARTIALLY_FULFILLED})

# strftime("%b") in the C locale Python runs in, without strftime's 20 us per call.
MONTH_ABBR = (
    "",
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)

# The whitespace between and inside rows is what the template's loop printed.
ROW_START = "\n        <tr>\n          "
ROW_END = "\n          \n        </tr>\n        "


def date_label(value: datetime) -> str:
    """ "Nov 29, 2026 13:05", as people read a row's date."""
    return f"{MONTH_ABBR[value.month]} {value.day}, {value.year} {value.hour:02}:{value.minute:02}"


def _labels(choices: type[TextChoices]) -> dict[str, str]:
    """Escaped labels by value, as get_<field>_display() shows them (in the request's language)."""
    return {value: escape(str(label)) for value, label in choices.choices}


def order_rows_html(orders: Sequence[Order], *, can_bulk: bool) -> SafeString:
    """The `<tr>` of every order of a page (read through selectors.order_list_page, their
    `items` attached by selectors.order_list_items); `can_bulk` adds the selection checkbox
    and the tracking box of the list's bulk fulfil."""
    zone = timezone.get_current_timezone()
    payment = _labels(PaymentStatus)
    fulfillment = _labels(FulfillmentStatus)
    # One reverse() for the page (it costs ~50 us): the number is the pattern's only argument.
    head, _, tail = reverse("orders:detail", args=[0]).rpartition("0")
    parts: list[str] = []
    for order in orders:
        pk, number = order.pk, order.number
        created = order.date_created.astimezone(zone)
        updated = order.last_updated.astimezone(zone)
        items = "".join(
            f"<li>{quantity} \N{MULTIPLICATION SIGN} {escape(name)}</li>"
            for name, quantity in order.items
        )
        if order.items_more:
            items += f'<li class="more">+{order.items_more} more</li>'
        pay, ful = order.payment_status, order.fulfillment_status
        select = (
            f'<td class="select"><input type="checkbox" name="order" value="{pk}"'
            f' aria-label="Select order #{number}"></td>'
            if can_bulk
            else ""
        )
        tracking = ""
        if can_bulk:
            box = (
                f'<input type="text" name="tracking-{pk}" class="row-tracking" size="14"'
                ' autocomplete="off" placeholder="Tracking #"'
                f' aria-label="Tracking number for order #{number}">'
                if ful in OPEN_STATUSES
                else ""
            )
            tracking = f'\n          \n          <td class="tracking">{box}</td>'
        archived = ' <span class="badge">Archived</span>' if order.archived else ""
        parts.append(
            f"{ROW_START}{select}\n"
            f'          <td class="number"><a href="{head}{number}{tail}">#{number}</a>'
            f"{archived}</td>\n"
            f'          <td class="date"><time datetime="{created.isoformat()}">'
            f"{date_label(created)}</time></td>\n"
            f'          <td class="updated"><time datetime="{updated.isoformat()}">'
            f"{date_label(updated)}</time></td>\n"
            f'          <td class="buyer">{escape(order.buyer_name)}<br>'
            f'<span class="buyer-email">{escape(order.buyer_email)}</span></td>\n'
            f'          <td class="items"><ul class="items">{items}</ul></td>\n'
            # As the template printed a Decimal (no grouping: USE_THOUSAND_SEPARATOR is off).
            f'          <td class="num total">{order.total:f} {escape(order.currency)}</td>\n'
            f'          <td class="statuses"><span class="badge {escape(pay.lower())}">'
            f"{payment.get(pay) or escape(pay)}</span>"
            f' <span class="badge {escape(ful.lower())}">{fulfillment.get(ful) or escape(ful)}'
            f"</span></td>{tracking}{ROW_END}"
        )
    return SafeString("".join(parts))
