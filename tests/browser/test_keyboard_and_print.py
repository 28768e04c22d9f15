"""Keyboard care on the order page (focus after each swap, Escape closes what is open), the
list's tracking boxes selecting their rows, and printing (slips, pick lists, any page)."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from fulfillments.models import Fulfillment
from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow, on_one_line
from tests.factories import make_order


def test_order_page_focus_follows_each_swap_and_escape_closes(live_server, logged_in: Page):
    order = make_order(payment_status="PAID", lines=[{"name": "Mug"}, {"name": "Cap"}])
    page = logged_in
    page.goto(f"{live_server.url}/orders/{order.number}/")
    first = page.locator("#line-1").get_by_label("Tracking number")
    first.focus()
    page.keyboard.type("T-1")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()
    # The next open tracking box has focus.
    expect(page.locator("#line-2").get_by_label("Tracking number")).to_be_focused()

    shipped = Fulfillment.objects.get(order=order)
    # The person reaches for the edit link once the page has settled.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    edit_link = page.locator(f"#edit-{shipped.id}")
    edit_link.focus()
    page.keyboard.press("Enter")
    edit_box = page.locator("form.tracking-edit").get_by_label("Tracking number")
    expect(edit_box).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("form.tracking-edit")).to_have_count(0)
    expect(page.locator(f"#edit-{shipped.id}")).to_be_focused()

    page.locator(f"#delete-{shipped.id}").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yes, delete")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("button", name="Yes, delete")).to_have_count(0)
    expect(page.locator(f"#delete-{shipped.id}")).to_be_focused()
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_ship_all_remaining_with_the_keyboard(live_server, logged_in: Page):
    order = make_order(payment_status="NOT_PAID", lines=[{"quantity": 2}, {"quantity": 1}])
    page = logged_in
    page.goto(f"{live_server.url}/orders/{order.number}/")
    box = page.locator("#ship-all-form").get_by_label("Tracking number")
    box.focus()
    page.keyboard.type("ALL-1")
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Ship anyway")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Everything remaining has shipped.")).to_be_visible()
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "ALL-1"
    assert sorted(shipped.lines.values_list("line_item__index", "quantity")) == [(1, 2), (2, 1)]


def test_escape_out_of_ship_anyway_keeps_the_number_and_the_cursor(live_server, logged_in: Page):
    """The order page's "Ship anyway": Escape ("Don't ship") returns to the tracking box with
    the number and the carrier kept (the cursor used to fall to the page and the number was
    gone); Enter asks again, and ships."""
    order = make_order(payment_status="NOT_PAID", lines=[{"quantity": 2}])
    page = logged_in
    page.goto(f"{live_server.url}/orders/{order.number}/")
    form = page.locator("#ship-all-form")
    form.get_by_label("Carrier", exact=True).select_option("dhl")
    form.get_by_label("Email the buyer the tracking details").uncheck()
    box = form.get_by_label("Tracking number")
    box.focus()
    page.keyboard.type("3318810025")
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Ship anyway")
    expect(confirm).to_be_focused()
    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(box).to_be_focused()
    expect(box).to_have_value("3318810025")
    expect(form.get_by_label("Carrier", exact=True)).to_have_value("dhl")
    expect(form.get_by_label("Email the buyer the tracking details")).not_to_be_checked()
    assert not Fulfillment.objects.filter(order=order).exists()
    assert_accessible(page)
    page.keyboard.press("Enter")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Everything remaining has shipped.")).to_be_visible()
    shipped = Fulfillment.objects.get(order=order)
    assert (shipped.tracking_number, shipped.shipping_provider) == ("3318810025", "dhl")


def test_typing_a_tracking_number_selects_the_row(live_server, logged_in: Page):
    order = make_order(payment_status="PAID")
    page = logged_in
    page.goto(f"{live_server.url}/orders/?view=unfulfilled")
    page.get_by_label(f"Tracking number for order #{order.number}").fill("ROW-1")
    expect(page.get_by_label(f"Select order #{order.number}")).to_be_checked()


def test_slips_print_without_navigation_or_forms(live_server, logged_in: Page):
    first, second = make_order(payment_status="PAID"), make_order(payment_status="PAID")
    page = logged_in
    page.goto(f"{live_server.url}/pack/slips/?view=all")
    expect(page.locator("article.slip")).to_have_count(2)
    expect(page.get_by_role("navigation", name="Main")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    expect(page.locator("header.topbar")).to_be_hidden()
    for form in page.locator("form").all():
        expect(form).to_be_hidden()
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    expect(page.locator("article.slip svg.barcode")).to_have_count(2)
    for slip in page.locator("article.slip").all():
        expect(slip).to_be_visible()
    # One slip per sheet.
    assert (
        page.locator("article.slip").first.evaluate("el => getComputedStyle(el).breakAfter")
        == "page"
    )
    assert first.number != second.number


def test_order_page_prints_without_forms(live_server, logged_in: Page):
    order = make_order(payment_status="PAID")
    page = logged_in
    page.goto(f"{live_server.url}/orders/{order.number}/")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    for form in page.locator("form").all():
        expect(form).to_be_hidden()
    color = page.locator("body").evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(0, 0, 0)"


def test_long_slip_and_pick_list_print_whole_skus_and_name_the_order_on_every_page(
    live_server, logged_in: Page
):
    """A 40-line slip runs over three A4 pages: the column heads repeat with the order's
    number (a loose page still says whose it is), and no SKU breaks over two lines, on the
    slip or on a pick list whose order column is long."""
    lines = [
        {"name": f"Product {i} with a rather long descriptive name", "sku": f"SKU-LONG-{i:03d}"}
        for i in range(40)
    ]
    long = make_order(payment_status="PAID", lines=lines)
    for _ in range(30):
        make_order(payment_status="PAID", lines=[{"name": "Mug", "sku": "MUG-1"}])
    page = logged_in
    page.goto(f"{live_server.url}/orders/{long.number}/slip/")
    assert_accessible(page)
    page.emulate_media(media="print")
    heads = page.locator("article.slip thead tr")
    expect(heads.first).to_have_text(f"Order #{long.number} · Ada Lovelace")
    expect(heads.first).to_be_visible()
    for cell in page.locator("td.sku-cell").all():
        assert on_one_line(cell), cell.text_content()
    # Quantities are what a packer miscounts: bold on paper.
    weight = page.locator("table.slip-lines td.num").first.evaluate(
        "el => getComputedStyle(el).fontWeight"
    )
    assert weight == "700"
    pdf = page.pdf(format="A4")
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) >= 2

    page.emulate_media(media="screen")
    page.goto(f"{live_server.url}/pack/pick-list/?view=all")
    assert_accessible(page)
    mug = page.locator("td.sku-cell", has_text="MUG-1")
    assert on_one_line(mug)
    page.emulate_media(media="print")
    assert on_one_line(mug)
    expect(page.get_by_role("navigation", name="Main")).to_be_hidden()
    # At 320 px (WCAG's reflow width) each SKU is a card: nothing sticks out of the list,
    # no order number is broken, the SKU reads whole.
    page.emulate_media(media="screen")
    page.set_viewport_size({"width": 320, "height": 800})
    assert_no_horizontal_overflow(page)
    fit = page.locator("table.pick-rows").evaluate(
        """t => t.getBoundingClientRect().right
            <= t.closest('.pick-list').getBoundingClientRect().right"""
    )
    assert fit
    assert on_one_line(mug)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.emulate_media(media="print")
    # A printed list says when it was made and by whom (several are printed in a day).
    expect(page.locator(".pick-printed")).to_be_visible()
    expect(page.locator(".pick-printed")).to_contain_text(
        re.compile(r"^Made \w{3} \d{1,2}, \d{4}, \d\d:\d\d by boss$")
    )


def test_escape_backs_out_of_a_money_confirmation(live_server, logged_in: Page):
    """Payments: "Record refund" asks first with the button focused; Escape is "No, go
    back", as on every other confirmation, and nothing is refunded."""
    order = make_order(payment_status="PAID", lines=[{"quantity": 1}])
    page = logged_in
    page.goto(f"{live_server.url}/orders/{order.number}/payments/")
    page.get_by_role("button", name="Record refund").focus()
    page.keyboard.press("Enter")
    yes = page.get_by_role("button", name=re.compile(r"^Yes, refund"))
    expect(yes).to_be_focused()
    expect(page.get_by_role("link", name="No, go back (Esc)")).to_be_visible()
    page.keyboard.press("Escape")
    expect(yes).to_have_count(0)
    expect(page.get_by_role("button", name="Record refund")).to_be_visible()
    assert not order.refunds.exists()


def test_pack_mode_prints_black_on_white_without_its_screen_links(live_server, logged_in: Page):
    """Pack mode printed (Ctrl+P at the bench): the lines and warnings in black on white, not
    the links that only work on screen (Order page, Packing slip, Close)."""
    order = make_order(payment_status="NOT_PAID", lines=[{"quantity": 2, "name": "Mug"}])
    page = logged_in
    page.goto(f"{live_server.url}/pack/{order.number}/")
    page.emulate_media(media="print")
    expect(page.get_by_text("Mug")).to_be_visible()
    warning = page.locator(".pack-warning")
    expect(warning).to_be_visible()
    assert warning.evaluate("el => getComputedStyle(el).color") == "rgb(0, 0, 0)"
    assert warning.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(255, 255, 255)"
    for name in ("Order page", "Packing slip", "Close (Esc)"):
        expect(page.get_by_role("link", name=name)).to_be_hidden()
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_role("link", name="Packing slip")).to_be_hidden()


def test_the_home_pages_minute_refresh_keeps_the_cursor_where_it_was(live_server, logged_in: Page):
    """The figures refresh every minute (the page's clock is run forward a minute): a person
    reading a chart's table by keyboard keeps the cursor on its toggle, or on the link they
    were on, instead of being thrown back to the top of the page."""
    make_order(payment_status="PAID", lines=[{"name": "Mug"}])
    page = logged_in
    page.clock.install()
    page.goto(f"{live_server.url}/")
    figures = page.locator("#figures")
    expect(figures).to_be_visible()

    def a_minute_passes() -> None:
        figures.evaluate("el => { el.dataset.before = 'yes'; }")
        page.clock.run_for(61_000)
        expect(page.locator("#figures:not([data-before])")).to_be_visible()
        expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)

    toggle = page.get_by_text("Show as a table").first
    toggle.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#table-placed")).to_have_attribute("open", "")
    a_minute_passes()
    expect(toggle).to_be_focused()
    expect(page.locator("#table-placed")).to_have_attribute("open", "")
    page.keyboard.press("Shift+Tab")
    backlog = page.locator("#fig-fulfilled-today")
    expect(backlog).to_be_focused()
    a_minute_passes()
    expect(backlog).to_be_focused()
    assert_accessible(page)
