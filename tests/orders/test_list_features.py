"""The orders list for people: items column, wide search that says what it searched, product
picker and "contains" on product names, dates by day and period, human errors, paging past the
end, and no bulk controls for those who cannot use them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillments.services import fulfillment_create
from orders.forms import period_range

LIST = "/orders/"


def shown(response) -> list[int]:
    return [int(n) for n in re.findall(r'<a href="/orders/(\d+)/">#', response.content.decode())]


def url(*pairs: tuple[str, str]) -> str:
    return f"{LIST}?{urlencode(pairs)}"


@pytest.fixture
def shop(order_factory, owner):
    boots = order_factory(
        first_name="Ann",
        last_name="Lee",
        lines=[
            {"name": "Hiking boots", "sku": "BOOT-42", "quantity": 1},
            {"name": "Wool socks", "quantity": 3},
            {"name": "Laces", "quantity": 2},
            {"name": "Insoles", "quantity": 1},
        ],
    )
    mug = order_factory(first_name="Bob", last_name="Stone", lines=[{"name": "Blue mug"}])
    shipped = order_factory(first_name="Cy", last_name="Park", lines=[{"name": "Tea"}])
    fulfillment_create(
        order=shipped,
        lines=[(1, 1)],
        tracking={"trackingNumber": "1Z999AA1", "shippingProvider": "ups"},
        actor=owner,
    )
    return {"boots": boots, "mug": mug, "shipped": shipped}


def test_items_column_names_first_items_and_how_many_more(owner_client, shop):
    html = owner_client.get(LIST).content.decode()
    row = html.split(f">#{shop['boots'].number}</a>")[1].split("</tr>")[0]
    assert "1 \N{MULTIPLICATION SIGN} Hiking boots" in row
    assert "3 \N{MULTIPLICATION SIGN} Wool socks" in row
    assert "+2 more" in row and "Laces" not in row


def test_items_column_costs_one_query(
    owner_client, shop, order_factory, django_assert_max_num_queries
):
    owner_client.get(LIST)

    with CaptureQueriesContext(connection) as few:
        owner_client.get(LIST)
    for _ in range(10):
        order_factory(lines=5)
    with django_assert_max_num_queries(len(few)):
        owner_client.get(LIST)


@pytest.mark.parametrize(
    ("text", "expected", "searched"),
    [
        ("boots", "boots", "Searched product names for “boots”: Hiking boots."),
        ("WOOL", "boots", "Searched product names for “WOOL”: Wool socks."),
        ("boot-42", "boots", "Found the SKU “boot-42”."),
        ("1z999aa1", "shipped", "Found the tracking number “1z999aa1”."),
        ("stone", "mug", "Searched buyer names and emails for a word starting with “stone”"),
        ("buyer:lee", "boots", "Searched buyer names and emails for a word starting with “lee”."),
    ],
)
def test_search_finds_products_skus_tracking_and_says_so(
    owner_client, shop, text, expected, searched
):
    response = owner_client.get(url(("q", text)))
    assert shown(response) == [shop[expected].number]
    assert searched in response.content.decode()


def test_search_by_number_also_finds_a_tracking_number(owner_client, order_factory, owner):
    order = order_factory(lines=1)
    other = order_factory(lines=1)
    fulfillment_create(
        order=other, lines=[(1, 1)], tracking={"trackingNumber": str(order.number)}, actor=owner
    )
    response = owner_client.get(url(("q", f"#{order.number}")))
    assert sorted(shown(response)) == sorted([order.number, other.number])
    assert "Searched order numbers and tracking numbers" in response.content.decode()


def test_search_with_no_match_says_what_it_searched(owner_client, shop):
    html = owner_client.get(url(("q", "zebra"))).content.decode()
    assert "No orders match." in html
    assert (
        "Searched buyer names and emails for a word starting with “zebra” (no product name, SKU"
        in html
    )


def test_product_name_contains_is_the_default_and_uses_the_catalogue(owner_client, shop):
    # No operator given: a product name row means "contains".
    response = owner_client.get(url(("f", "lineItems.name"), ("op", ""), ("v", "MUG")))
    assert shown(response) == [shop["mug"].number]
    response = owner_client.get(url(("f", "lineItems.name"), ("op", "contains"), ("v", "sock")))
    assert shown(response) == [shop["boots"].number]
    response = owner_client.get(url(("f", "lineItems.name"), ("op", "contains"), ("v", "zzz")))
    assert shown(response) == []
    html = response.content.decode()
    # The picker: catalogue names, and product ids labelled by name.
    assert '<datalist id="values-lineItems.name">' in html
    assert '<option value="Hiking boots">' in html
    product = shop["mug"].line_items.get().product_id
    assert f'<option value="{product}" label="Blue mug">' in html


def test_billing_name_defaults_to_contains(owner_client, shop):
    response = owner_client.get(url(("f", "billingInfo.address.fullName"), ("v", "ton")))
    assert shown(response) == [shop["mug"].number]


def test_field_menu_puts_internal_ids_under_more(owner_client, shop):
    html = owner_client.get(LIST).content.decode()
    menu = html.split('name="f"')[1].split("</select>")[0]
    main, more = menu.split('<optgroup label="More (internal ids)">')
    assert "Payment status" in main and "Product</option>" in main
    assert "Order id" in more and "Buyer id" in more and "Entered by" in more
    assert "Order id" not in main


def test_date_day_and_period_rows(owner_client, order_factory, settings):
    settings.TIME_ZONE = "America/New_York"
    zone = ZoneInfo("America/New_York")
    late = order_factory(lines=1, date_created=datetime(2026, 11, 20, 23, 30, tzinfo=zone))
    next_day = order_factory(lines=1, date_created=datetime(2026, 11, 21, 0, 30, tzinfo=zone))
    on_day = url(("f", "dateCreated"), ("op", "eq"), ("v", "2026-11-20"))
    assert shown(owner_client.get(on_day)) == [late.number]
    after = url(("f", "dateCreated"), ("op", "gt"), ("v", "2026-11-20"))
    assert shown(owner_client.get(after)) == [next_day.number]
    before = url(("f", "dateCreated"), ("op", "lt"), ("v", "2026-11-21"))
    assert shown(owner_client.get(before)) == [late.number]
    today = order_factory(lines=1, date_created=timezone.now())
    during = url(("f", "dateCreated"), ("op", "during"), ("v", "today"))
    assert shown(owner_client.get(during)) == [today.number]
    # "during" is the date rows' default operator.
    assert shown(owner_client.get(url(("f", "dateCreated"), ("v", "last 7 days")))) == [
        today.number
    ]


def test_period_ranges_in_the_store_time_zone(settings):
    settings.TIME_ZONE = "Europe/Berlin"
    zone = ZoneInfo("Europe/Berlin")
    timezone.activate(zone)
    try:
        now = datetime(2026, 3, 2, 0, 30, tzinfo=zone)  # still March 1 in UTC
        start, end = period_range("today", now)
        assert (start, end) == (
            datetime(2026, 3, 2, tzinfo=zone),
            datetime(2026, 3, 3, tzinfo=zone),
        )
        assert period_range("yesterday", now)[0] == datetime(2026, 3, 1, tzinfo=zone)
        assert period_range("last 7 days", now)[0] == datetime(2026, 2, 24, tzinfo=zone)
        assert period_range("this month", now) == (
            datetime(2026, 3, 1, tzinfo=zone),
            datetime(2026, 4, 1, tzinfo=zone),
        )
        assert period_range("last month", now) == (
            datetime(2026, 2, 1, tzinfo=zone),
            datetime(2026, 3, 1, tzinfo=zone),
        )
        assert start.astimezone(UTC) == datetime(2026, 3, 1, 23, tzinfo=UTC)
    finally:
        timezone.deactivate()


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ((("f", "dateCreated"), ("op", "gte"), ("v", "yesterdayish")), "Date created needs a date"),
        ((("f", "dateCreated"), ("op", "during"), ("v", "soon")), "Choose a period: today"),
        ((("f", "number"), ("op", "gt"), ("v", "ten")), "Number needs a whole number"),
        ((("f", "paymentStatus"), ("op", "eq"), ("v", "maybe")), "Payment status is one of: "),
        ((("f", "id"), ("op", "eq"), ("v", "nope")), "Order id needs an id like"),
    ],
)
def test_row_errors_speak_human(owner_client, shop, pairs, message):
    html = owner_client.get(url(*pairs)).content.decode()
    error = re.search(r'id="error-row-0" role="alert">([^<]*)<', html).group(1)
    assert error.startswith(message)
    assert "$" not in error and "ISO" not in error
    # The controls point at the message that exists.
    assert 'aria-describedby="error-row-0"' in html and 'aria-invalid="true"' in html


def test_page_past_the_end_says_so_and_links_to_the_last(owner_client, order_factory, monkeypatch):
    monkeypatch.setattr("orders.filters.PAGE_SIZE", 2)
    for _ in range(5):
        order_factory(lines=1)
    html = owner_client.get(url(("page", "999"))).content.decode()
    assert "Page 999 is past the end of these results (3 pages)." in html
    assert re.search(r'href="\?page=3">Go to the last page</a>', html)


def test_pager_and_bulk_bar_top_and_bottom(owner_client, order_factory, monkeypatch):
    monkeypatch.setattr("orders.filters.PAGE_SIZE", 2)
    for _ in range(3):
        order_factory(lines=1)
    html = owner_client.get(LIST).content.decode()
    assert html.count('<nav class="pager"') == 2
    assert html.count('rel="next"') == 2
    assert html.count(">Fulfil selected</button>") == 2


def test_viewer_gets_no_checkboxes_or_bulk_controls(viewer_client, shop):
    html = viewer_client.get(LIST).content.decode()
    assert shown(viewer_client.get(LIST))
    assert 'name="order"' not in html and "data-select-all" not in html
    assert "Fulfil selected" not in html and "row-tracking" not in html


def test_live_region_announces_only_the_count(owner_client, shop):
    html = owner_client.get(LIST, headers={"HX-Request": "true"}).content.decode()
    status = '<p id="result-status" class="visually-hidden" role="status" hx-swap-oob="true">'
    assert f"{status}3 orders</p>" in html
    assert "aria-live" not in html.split('id="results"')[1].split(">")[0]


@pytest.mark.parametrize("op", ["gt", "$gt"])
def test_the_operator_menu_shows_the_operator_of_the_url_either_way(owner_client, shop, op):
    """`op=$gt` (the query language's spelling, which the form accepts) shows "after / more
    than" chosen, as `op=gt` does; the menu is the same markup both times."""
    html = owner_client.get(url(("f", "number"), ("op", op), ("v", "1"))).content.decode()
    menu = re.search(r'<select name="op".*?</select>', html, re.S)
    assert menu is not None
    chosen = re.findall(r"<option value=\"(\w+)\" selected", menu.group(0))
    assert chosen == ["gt"]
