"""The order page in Chromium: add tracking to one line, fulfil several lines, edit tracking,
delete a fulfillment (htmx swaps, as a person does it)."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from playwright.sync_api import Page, expect

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import FulfillmentStatus, Order
from tests.browser.a11y import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_touch_targets,
)
from tests.factories import make_order


def open_order(page: Page, live_server, order: Order) -> None:
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()


def test_add_tracking_to_one_line_with_enter(live_server, logged_in: Page):
    order = make_order(lines=[{"quantity": 2, "name": "Mug"}, {"quantity": 1, "name": "Cap"}])
    page = logged_in
    open_order(page, live_server, order)
    row = page.locator("#line-1")
    expect(row.get_by_label("Quantity")).to_have_value("2")
    row.get_by_label("Carrier", exact=True).select_option("fedex")
    # A barcode scanner types the number and presses Enter.
    row.get_by_label("Tracking number").fill("7946 123")
    row.get_by_label("Tracking number").press("Enter")
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()
    expect(page.locator("#line-1 [data-remaining]")).to_have_text("0")
    expect(page.locator("#fulfillment-status")).to_have_text("Partially Fulfilled")
    link = page.locator("a.tracking-link")
    expect(link).to_have_text("7946 123")
    expect(link).to_have_attribute(
        "href", "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=7946%20123"
    )
    assert Fulfillment.objects.get(order=order).tracking_number == "7946 123"


def test_fulfil_several_lines(live_server, logged_in: Page):
    order = make_order(lines=[{"quantity": 2, "name": "Mug"}, {"quantity": 3, "name": "Cap"}])
    page = logged_in
    open_order(page, live_server, order)
    form = page.locator("#multi-fulfil")
    form.get_by_role("checkbox", name="1. Mug").check()
    form.get_by_role("checkbox", name="2. Cap").check()
    form.get_by_label("Quantity of line 2").fill("3")
    form.get_by_label("Carrier", exact=True).select_option("ups")
    form.get_by_label("Tracking number").fill("1Z42")
    form.get_by_role("button", name="Fulfil selected lines").click()
    expect(page.get_by_text("Lines 1 and 2 fulfilled.")).to_be_visible()
    expect(page.locator("#fulfillment-status")).to_have_text("Fulfilled")
    assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


def test_edit_tracking_inline(live_server, logged_in: Page):
    order = make_order(lines=1)
    page = logged_in
    open_order(page, live_server, order)
    page.locator("#line-1").get_by_label("Tracking number").fill("111")
    page.locator("#line-1").get_by_role("button", name="Add tracking").click()
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()
    page.get_by_role("link", name="Edit tracking").click()
    edit = page.locator("form.tracking-edit")
    expect(edit.get_by_label("Tracking number")).to_have_value("111")
    edit.get_by_label("Carrier", exact=True).select_option("dhl")
    edit.get_by_label("Tracking number").fill("222")
    edit.get_by_role("button", name="Save tracking").click()
    expect(page.get_by_text("Tracking updated.")).to_be_visible()
    expect(page.locator("a.tracking-link")).to_have_attribute(
        "href", "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id=222"
    )


def test_delete_fulfillment_after_confirmation(live_server, logged_in: Page):
    order = make_order(lines=1)
    page = logged_in
    open_order(page, live_server, order)
    page.locator("#line-1").get_by_role("button", name="Add tracking").click()
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_text("Delete this fulfillment?")).to_be_visible()
    assert Fulfillment.objects.filter(order=order).count() == 1
    page.get_by_role("button", name="Yes, delete").click()
    expect(page.get_by_text("Fulfillment deleted.")).to_be_visible()
    expect(page.get_by_text("Nothing fulfilled yet.")).to_be_visible()
    expect(page.locator("#fulfillment-status")).to_have_text("Not Fulfilled")
    assert not Fulfillment.objects.filter(order=order).exists()


def test_other_carrier_fields_show_only_for_other(live_server, logged_in: Page):
    order = make_order(lines=[{"quantity": 1, "name": "Lamp"}])
    page = logged_in
    open_order(page, live_server, order)
    row = page.locator("#line-1")
    expect(row.get_by_label("Other carrier's name")).to_be_hidden()
    row.get_by_label("Carrier", exact=True).select_option("other")
    expect(row.get_by_label("Other carrier's name")).to_be_visible()
    row.get_by_label("Other carrier's name").fill("Local courier")
    row.get_by_label("Tracking link (other carrier)").fill("https://courier.example/t/55")
    row.get_by_label("Tracking number").fill("55")
    row.get_by_label("Tracking number").press("Enter")
    expect(page.locator("a.tracking-link")).to_have_attribute(
        "href", "https://courier.example/t/55"
    )
    assert Fulfillment.objects.get(order=order).shipping_provider == "Local courier"


def test_action_links_are_thumb_sized_on_a_phone(live_server, logged_in: Page):
    """At 390 px the links that act (edit, delete, the payments page, the station's Close)
    are 44 px tall and apart, like the buttons beside them."""
    order = make_order(payment_status="PAID")
    fulfillment_create(
        order=order, lines=[(1, None)], tracking={"trackingNumber": "1Z1"}, actor=None
    )
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    open_order(page, live_server, order)
    assert_touch_targets(page, ".order-page .actions a, .order-links a, #edit-email, #edit-address")
    assert_no_horizontal_overflow(page)
    page.get_by_role("link", name="Edit shipping address").click()
    cancel = page.locator("#addresses a[data-escape]")
    expect(cancel).to_be_visible()
    # Buttons are 2.5rem (40 px) tall everywhere; Cancel beside "Save address" matches them.
    assert_touch_targets(page, "#addresses a[data-escape], #addresses button", minimum=40)
    page.goto(f"{live_server.url}/orders/{order.number}/payments/")
    assert_touch_targets(page, ".action-link")
    page.goto(f"{live_server.url}/pack/{order.number}/")
    assert_touch_targets(page, ".pack-order-head a")
    assert_accessible(page)


def test_from_the_order_page_to_the_station_and_the_slip_by_keyboard(live_server, logged_in: Page):
    """The order page links its packing slip and, while something is left to ship, pack
    mode: Tab from the top reaches them, Enter opens the station with the cursor in the
    tracking box. At 390 px they are thumb-sized and the page stays axe clean."""
    order = make_order(lines=[{"quantity": 2, "name": "Mug"}], payment_status="PAID")
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    open_order(page, live_server, order)
    links = page.locator(".order-links a")
    expect(links).to_have_text(["Packing slip", "Pack at the station", "Payments and refunds"])
    assert_touch_targets(page, ".order-links a")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    slip = page.get_by_role("link", name="Packing slip")
    for _ in range(20):  # the skip link, the header's links, then the order's
        page.keyboard.press("Tab")
        if slip.evaluate("el => el === document.activeElement"):
            break
    expect(slip).to_be_focused()
    expect(slip).to_have_attribute("href", f"/orders/{order.number}/slip/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Pack at the station")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()
    expect(page.get_by_label("Scan the tracking number to ship 2 units")).to_be_focused()

    # Shipped in full: no station link, the slip stays (a reprint).
    fulfillment_create(order=order, lines=[(1, None)], tracking=None, actor=None)
    open_order(page, live_server, order)
    expect(page.locator(".order-links a")).to_have_text(["Packing slip", "Payments and refunds"])


def test_archive_and_unarchive_with_the_keyboard(live_server, logged_in: Page):
    order = make_order(lines=1)
    page = logged_in
    open_order(page, live_server, order)
    archive = page.get_by_role("button", name=f"Archive order #{order.number}")
    archive.focus()
    expect(archive).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Order archived: it no longer shows")).to_be_visible()
    expect(page.locator(".order-badges .badge.archived")).to_have_text("Archived")
    unarchive = page.get_by_role("button", name=f"Unarchive order #{order.number}")
    # The focus stays on the control, now the way back.
    expect(unarchive).to_be_focused()
    assert Order.objects.get(pk=order.pk).archived
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_horizontal_overflow(page)
    expect(unarchive).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Order unarchived")).to_be_visible()
    expect(page.get_by_role("button", name=f"Archive order #{order.number}")).to_be_focused()
    expect(page.locator(".order-badges .badge.archived")).to_have_count(0)
    assert not Order.objects.get(pk=order.pk).archived


def test_a_used_label_or_a_sku_asks_before_shipping_by_keyboard(
    live_server, logged_in: Page, support
):
    """A line's tracking box and the edit form ask "Ship anyway?" / "Save anyway?" for a label
    already on another order's parcel or a product's SKU, as the station does: the question
    has the cursor, Escape brings back the box with the number, Enter asks again and ships.
    At 390 px, axe clean and nothing wider than the screen."""
    other = make_order(payment_status="PAID", lines=[{"name": "Lamp", "sku": "LAMP-7"}])
    fulfillment_create(
        order=other,
        lines=[(1, 1)],
        tracking={"shippingProvider": "ups", "trackingNumber": "1Z-OLD"},
        actor=support,
    )
    order = make_order(payment_status="PAID", lines=[{"name": "Mug"}, {"name": "Cap"}])
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    open_order(page, live_server, order)
    box = page.locator("#line-1").get_by_label("Tracking number")
    box.focus()
    expect(box).to_be_focused()
    page.keyboard.type("1Z-OLD")
    page.keyboard.press("Enter")
    confirm = page.get_by_role("button", name="Ship anyway")
    expect(confirm).to_be_focused()
    expect(page.get_by_role("alert").filter(has_text="already used")).to_contain_text(
        f"order #{other.number} shipped with it"
    )
    assert_accessible(page)
    assert_no_horizontal_overflow(page)

    page.keyboard.press("Escape")
    expect(confirm).to_have_count(0)
    expect(box).to_be_focused()
    expect(box).to_have_value("1Z-OLD")
    assert not Fulfillment.objects.filter(order=order).exists()

    page.keyboard.press("Enter")
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()
    expect(page.locator("#line-2").get_by_label("Tracking number")).to_be_focused()
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "1Z-OLD"

    # Its own number kept by an edit saves without asking; a product's SKU asks.
    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    page.locator(f"#edit-{shipped.id}").focus()
    expect(page.locator(f"#edit-{shipped.id}")).to_be_focused()
    page.keyboard.press("Enter")
    edit_box = page.locator("form.tracking-edit").get_by_label("Tracking number")
    expect(edit_box).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Tracking updated.")).to_be_visible()
    expect(page.get_by_role("button", name="Save anyway")).to_have_count(0)

    expect(page.locator(".htmx-request, .htmx-swapping, .htmx-settling")).to_have_count(0)
    page.locator(f"#edit-{shipped.id}").focus()
    page.keyboard.press("Enter")
    expect(edit_box).to_be_focused()
    edit_box.select_text()
    page.keyboard.type("lamp-7")
    page.keyboard.press("Enter")
    save = page.get_by_role("button", name="Save anyway")
    expect(save).to_be_focused()
    expect(page.get_by_role("alert").filter(has_text="SKU")).to_contain_text("SKU of Lamp")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    page.keyboard.press("Escape")
    expect(save).to_have_count(0)
    expect(edit_box).to_be_focused()
    expect(edit_box).to_have_value("lamp-7")
    shipped.refresh_from_db()
    assert shipped.tracking_number == "1Z-OLD"
    page.keyboard.press("Enter")
    expect(save).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Tracking updated.")).to_be_visible()
    shipped.refresh_from_db()
    assert shipped.tracking_number == "lamp-7"
