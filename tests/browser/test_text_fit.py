"""Text that must be whole on the orders list and the order page, at a phone, a tablet and a
desk width: the search placeholder, buyer emails, totals; and the list's Print box looks like
its other boxes."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.a11y import assert_no_horizontal_overflow
from tests.factories import make_order

# Demo-length addresses (31 to 33 characters) and a four-digit total.
EMAILS = [
    "jennifer.thompson14@example.com",
    "elizabeth.hernandez20@example.com",
    "john.smith@example.com",
]

# How many lines the text of each element matching the selector takes (a character's top edge
# per line); with `email` only its text nodes holding an "@" count.
LINES = """([selector, email]) => [...document.querySelectorAll(selector)].map(element => {
    const tops = new Set();
    const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (email && !node.data.includes("@")) continue;
        for (let i = 0; i < node.length; i++) {
            if (!node.data[i].trim()) continue;
            const range = document.createRange();
            range.setStart(node, i);
            range.setEnd(node, i + 1);
            const rect = range.getClientRects()[0];
            if (rect) tops.add(Math.round(rect.top));
        }
    }
    return tops.size;
})"""


@pytest.fixture
def orders(transactional_db):
    return [
        make_order(
            buyer_email=email,
            lines=[{"name": "Canvas tote bag", "price": Decimal("1266.09")}],
        )
        for email in EMAILS
    ]


@pytest.mark.parametrize("width", [390, 1100, 1440])
def test_orders_list_keeps_placeholder_emails_and_totals_whole(
    live_server, logged_in: Page, orders, width
):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/orders/")
    expect(page.locator("[data-count]")).to_have_text(str(len(EMAILS)))

    room = page.locator("#id_q").evaluate(
        """input => {
            const style = getComputedStyle(input);
            const context = document.createElement("canvas").getContext("2d");
            context.font = style.font;
            return {
                text: context.measureText(input.placeholder).width,
                box: input.clientWidth - parseFloat(style.paddingLeft)
                    - parseFloat(style.paddingRight),
            };
        }"""
    )
    assert room["text"] <= room["box"], room

    expect(page.locator(".orders td.total")).to_have_text(["1266.09 USD"] * len(EMAILS))
    assert page.evaluate(LINES, [".orders .buyer-email", True]) == [1] * len(EMAILS)
    assert page.evaluate(LINES, [".orders td.total", False]) == [1] * len(EMAILS)
    assert_no_horizontal_overflow(page)


@pytest.mark.parametrize("width", [390, 1440])
def test_orders_list_print_box_looks_like_the_bulk_box(live_server, logged_in: Page, orders, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/orders/")
    looks = """box => {
        const style = getComputedStyle(box);
        return [style.borderTopStyle, style.borderTopColor, style.borderTopLeftRadius,
            style.backgroundColor, style.paddingTop, style.paddingLeft,
            getComputedStyle(box.querySelector("legend")).fontWeight];
    }"""
    bulk = page.locator(".bulk-actions").evaluate(looks)
    assert bulk[0] == "solid" and bulk[2] == "8px"
    assert page.locator(".print-actions").evaluate(looks) == bulk


@pytest.mark.parametrize("width", [390, 1440])
def test_order_page_keeps_buyer_emails_whole(live_server, logged_in: Page, orders, width):
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    order = orders[1]
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.locator("#buyer-email")).to_have_text(order.buyer_email)
    # The buyer's email, and the billing and shipping addresses', which end with it.
    assert page.evaluate(LINES, ["#buyer-email, #addresses address", True]) == [1, 1, 1]
    assert_no_horizontal_overflow(page)


@pytest.mark.parametrize("width", [390, 600, 768, 800, 900, 1024, 1100, 1280, 1440])
def test_order_page_has_no_sideways_scroll_at_tablet_and_laptop_widths(
    live_server, logged_in: Page, orders, width
):
    """The line items' table with its tracking forms fits every width between a phone and a
    desk, not only the phone's and the desk's."""
    page = logged_in
    page.set_viewport_size({"width": width, "height": 900})
    # A SKU as the demo store's (nine characters, never wrapped) and an item with options.
    order = make_order(
        lines=[
            {
                "name": "Watch",
                "sku": "SKU-10111",
                "options": [{"option": "Size", "selection": "Large"}],
            },
            {"name": "Wool beanie", "sku": "SKU-10481", "quantity": 4},
        ]
    )
    page.goto(f"{live_server.url}/orders/{order.number}/")
    table = page.locator("table.line-items")
    expect(table).to_be_visible()
    assert_no_horizontal_overflow(page)
    # Nor does the table stick out of its column into the side column beside it.
    fit = table.evaluate(
        """table => [table.getBoundingClientRect().right,
            table.parentElement.getBoundingClientRect().right]"""
    )
    assert fit[0] <= fit[1] + 0.5, fit
