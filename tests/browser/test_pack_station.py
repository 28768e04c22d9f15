"""The packing station in Chromium, keyboard and scanner only: a scanner types its code and
presses Enter, so a scan is typed text plus one Enter. Every key is counted and focus is
asserted after each step."""

from __future__ import annotations

import os
import re

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.test import Client
from playwright.sync_api import Page, expect

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create, fulfillment_ship_remaining
from orders.models import FulfillmentStatus, Order
from orders.services import order_cancel, store_settings_update
from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow, on_one_line
from tests.factories import make_order


class Keys:
    """The keyboard, counting what is pressed."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.scans = 0
        self.pressed: list[str] = []

    def scan(self, code: str) -> None:
        """What a barcode scanner sends: the code's characters, then Enter, whether or not
        the answer to the previous scan is still loading."""
        self.page.keyboard.type(code)
        self.page.keyboard.press("Enter")
        self.scans += 1
        self.pressed.append("Enter")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.pressed.append(key)


class HeldAnswer:
    """Holds the station's next answer on the network (page.route) until released, so keys
    can be typed while it is surely in flight. The route handler marks the page when the
    request has reached it, and `wait()` waits for that mark: no timing guesses.

    Made before the page loads (requests pass until `arm()`): a route added to a page already
    loaded once let the next request through unheld on a busy machine."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.route = None
        self.armed = False
        page.route("**/pack/**", self._handle)

    def arm(self) -> None:
        """Hold the next request of the station from now on."""
        self.armed = True

    def _handle(self, route) -> None:
        if not self.armed or self.route is not None:
            route.continue_()
            return
        self.route = route
        self.page.evaluate("() => document.body.setAttribute('data-test-held', '')")

    def wait(self) -> None:
        expect(self.page.locator("body[data-test-held]")).to_have_count(1)

    def release(self, **fulfil) -> None:
        self.page.evaluate("() => document.body.removeAttribute('data-test-held')")
        if fulfil:
            self.route.fulfill(**fulfil)
        else:
            self.route.continue_()


def four_line_order(**fields) -> Order:
    fields.setdefault("payment_status", "PAID")
    return make_order(
        lines=[
            {"name": "Mug", "sku": "MUG-1", "quantity": 2},
            {"name": "Cap", "sku": "CAP-9"},
            {"name": "Scarf", "sku": "SCF-3"},
            {"name": "Poster", "sku": "PST-7"},
        ],
        **fields,
    )


def test_scan_order_scan_tracking_next_order_without_mouse_or_tab(live_server, logged_in):
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    scan_box = page.locator("#scan")
    expect(scan_box).to_be_focused()
    assert_accessible(page)

    for order, tracking in ((first, "1Z0001"), (second, "1Z0002")):
        keys.scan(str(order.number))
        expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/pack/{order.number}/")
        tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
        expect(tracking_box).to_be_focused()
        if order is first:
            assert_accessible(page)

        keys.scan(tracking)
        expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/pack/")
        expect(scan_box).to_be_focused()
        order.refresh_from_db()
        assert order.fulfillment_status == FulfillmentStatus.FULFILLED
        assert Fulfillment.objects.get(order=order).tracking_number == tracking

    # Two orders: two scans and one Enter each, nothing else (no Tab, no mouse).
    assert keys.scans == 4
    assert keys.pressed == ["Enter"] * 4
    assert_accessible(page)


def test_item_check_then_tracking_with_a_refused_scan(live_server, logged_in):
    owner = User.objects.get(username="boss")
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=owner
    )
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    scan_box = page.locator("#scan")
    expect(scan_box).to_be_focused()
    keys.scan(f"#{order.number}")
    expect(page.get_by_text("0 of 5 checked")).to_be_visible()
    expect(scan_box).to_be_focused()

    keys.scan("SOCK-3")
    expect(page.get_by_role("alert")).to_contain_text(
        f"SOCK-3 is not an item of order #{order.number}. Check every item before the "
        "tracking number: 5 units not scanned."
    )
    expect(scan_box).to_be_focused()
    assert_accessible(page)

    for count, sku in enumerate(("MUG-1", "MUG-1", "CAP-9", "SCF-3"), start=1):
        keys.scan(sku)
        expect(page.get_by_text(f"{count} of 5 checked")).to_be_visible()
        expect(scan_box).to_be_focused()
    keys.scan("MUG-1")
    expect(page.get_by_role("alert")).to_contain_text("Too many: all 2 of Mug (MUG-1)")
    expect(page.get_by_text("4 of 5 checked")).to_be_visible()
    expect(scan_box).to_be_focused()

    keys.scan("PST-7")
    expect(page.get_by_text("5 of 5 checked")).to_be_visible()
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    keys.scan("940011")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(scan_box).to_be_focused()
    assert "Tab" not in keys.pressed
    assert Fulfillment.objects.get(order=order).tracking_number == "940011"


def test_unpaid_order_takes_one_more_key_and_escape_backs_out(live_server, logged_in):
    order = four_line_order(payment_status="NOT_PAID")
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    expect(page.get_by_text("Careful: this order is not paid")).to_be_visible()
    keys.scan("TRK-1")
    confirm = page.get_by_role("button", name="Ship anyway (Enter)")
    expect(confirm).to_be_focused()
    assert_accessible(page)
    keys.press("Escape")
    # Backing out keeps the scanned number, selected: Enter asks again, a new scan replaces it.
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_value("TRK-1")
    expect(page.get_by_role("status")).to_have_text(
        "Not shipped. Tracking number TRK-1 is kept: correct it, or press Enter to be asked again."
    )
    assert tracking_box.evaluate("el => [el.selectionStart, el.selectionEnd]") == [0, 5]
    assert not Fulfillment.objects.filter(order=order).exists()
    assert_accessible(page)

    keys.press("Enter")
    expect(confirm).to_be_focused()
    keys.press("Escape")
    expect(tracking_box).to_have_value("TRK-1")
    expect(tracking_box).to_be_focused()
    keys.scan("TRK-2")
    expect(confirm).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    assert Fulfillment.objects.get(order=order).tracking_number == "TRK-2"
    assert keys.pressed == ["Enter", "Enter", "Escape", "Enter", "Escape", "Enter", "Enter"]


def test_unknown_code_clears_and_refocuses_the_box(live_server, logged_in):
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan("NOT-AN-ORDER")
    expect(page.get_by_role("alert")).to_contain_text("No order matches “NOT-AN-ORDER”")
    expect(page.locator("#scan")).to_be_focused()
    expect(page.locator("#scan")).to_have_value("")
    assert_accessible(page)


def test_shipped_canceled_and_archived_orders_are_announced(live_server, logged_in):
    """Scanning the slip of an order that must not go out (again): a spoken, beeping
    message, and the cursor where the next scan goes."""
    shipped, canceled, archived = four_line_order(), four_line_order(), four_line_order()
    fulfillment_ship_remaining(order=shipped, tracking=None, actor=shipped_by())
    order_cancel(order=canceled, actor=shipped_by())
    Order.objects.filter(pk=archived.pk).update(archived=True)
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")

    keys.scan(str(shipped.number))
    expect(page.get_by_role("alert")).to_have_text(
        f"Nothing left to ship on order #{shipped.number}: it is already fulfilled. "
        "Do not send a parcel for it."
    )
    expect(page.locator("#scan")).to_be_focused()
    assert_accessible(page)

    keys.scan(str(canceled.number))
    expect(page.get_by_role("alert")).to_have_text("This order is canceled: do not ship it.")
    expect(page.locator("#scan")).to_be_focused()
    expect(page.get_by_label("Scan the tracking number", exact=False)).to_have_count(0)

    keys.scan(str(archived.number))
    expect(page.get_by_role("alert")).to_contain_text("this order is archived")
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
    assert_accessible(page)
    # A refused scan on it: the refusal is the one thing announced (the warning stays shown).
    keys.scan(str(archived.number))
    expect(page.get_by_role("alert")).to_have_count(1)
    expect(page.get_by_role("alert")).to_contain_text("is the order number, not a tracking number")
    expect(page.get_by_text("Careful: this order is archived")).to_be_visible()
    assert keys.pressed == ["Enter"] * 4


def shipped_by() -> User:
    return User.objects.get_or_create(username="other-packer")[0]


def test_undo_from_the_keyboard_without_tab(live_server, logged_in):
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    scan_box = page.locator("#scan")
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    undone = page.get_by_text(f"Undone: order #{order.number} is open again")

    keys.scan(str(order.number))
    expect(tracking_box).to_be_focused()
    keys.scan("WRONG-LABEL")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(page.get_by_text("Keys: Ctrl+Z, or scan or type UNDO.")).to_be_visible()
    expect(scan_box).to_be_focused()

    # Ctrl+Z in the empty scan box: the parcel is taken back, the tracking box is ready.
    keys.press("Control+z")
    expect(undone).to_be_visible()
    expect(tracking_box).to_be_focused()
    assert not Fulfillment.objects.filter(order=order).exists()

    keys.scan("ALSO-WRONG")
    expect(scan_box).to_be_focused()
    # A scanner cannot send Ctrl+Z: scanning UNDO offers the undo, Enter takes it.
    keys.scan("UNDO")
    undo_button = page.get_by_role("button", name=f"Undo shipping #{order.number}")
    expect(undo_button).to_be_focused()
    expect(page.get_by_text("Enter undoes it; Escape keeps it.")).to_be_visible()
    assert_accessible(page)
    keys.press("Escape")
    expect(scan_box).to_be_focused()
    assert Fulfillment.objects.filter(order=order).exists()
    keys.scan("undo")
    expect(undo_button).to_be_focused()
    keys.press("Enter")
    expect(undone).to_be_visible()
    expect(tracking_box).to_be_focused()
    assert not Fulfillment.objects.filter(order=order).exists()

    keys.scan("1Z-RIGHT")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(scan_box).to_be_focused()
    assert Fulfillment.objects.get(order=order).tracking_number == "1Z-RIGHT"
    assert (
        keys.pressed == ["Enter", "Enter", "Control+z", "Enter", "Enter", "Escape"] + ["Enter"] * 3
    )
    assert "Tab" not in keys.pressed


def test_nothing_to_undo_is_said_and_the_box_refocused(live_server, logged_in):
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan("UNDO")
    expect(page.get_by_role("alert")).to_contain_text("Nothing to undo")
    expect(page.locator("#scan")).to_be_focused()
    expect(page.locator("#scan")).to_have_value("")


def test_scans_typed_while_the_answer_loads_arrive_whole(live_server, logged_in):
    """The scanner does not wait for the screen: the tracking number and the next order are
    typed while the first scan's answer is held back on the network, and each lands whole
    in the box it was meant for."""
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    held = HeldAnswer(page)
    page.goto(f"{live_server.url}/pack/")
    held.arm()
    refusals = []

    def note_refusal(response):
        if response.status == 400:
            refusals.append(response.url)

    page.on("response", note_refusal)
    scan_box = page.locator("#scan")
    expect(scan_box).to_be_focused()

    keys.scan(str(first.number))
    held.wait()  # the answer is loading
    keys.press("Enter")  # a scanner's double Enter carries no scan: it submits nothing
    keys.scan("1Z-FIRST")
    keys.scan(f"#{second.number}")
    # Nothing typed into the old box meanwhile, and still nothing answered.
    expect(scan_box).to_have_value(str(first.number))
    held.release()

    expect(page.get_by_role("heading", name=f"Packing order #{second.number}")).to_be_visible()
    expect(page.get_by_text(f"Order #{first.number} shipped")).to_be_visible()
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_value("")
    assert Fulfillment.objects.get(order=first).tracking_number == "1Z-FIRST"

    keys.scan("1Z-SECOND")
    keys.scan("NO-SUCH-ORDER")
    expect(page.get_by_role("alert")).to_contain_text("No order matches “NO-SUCH-ORDER”")
    expect(scan_box).to_be_focused()
    assert Fulfillment.objects.get(order=second).tracking_number == "1Z-SECOND"
    assert keys.pressed == ["Enter"] * 6
    assert not refusals  # the double Enter never sent an empty tracking number


def test_a_confirmation_is_never_answered_by_a_key_typed_before_it_showed(live_server, logged_in):
    unpaid = four_line_order(payment_status="NOT_PAID")
    page = logged_in
    keys = Keys(page)
    held = HeldAnswer(page)
    page.goto(f"{live_server.url}/pack/{unpaid.number}/")
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
    held.arm()
    keys.scan("TRK-9")
    held.wait()
    keys.press("Enter")  # typed ahead: must not ship an unpaid order unseen
    held.release()
    confirm = page.get_by_role("button", name="Ship anyway (Enter)")
    expect(confirm).to_be_focused()
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(confirm).to_be_focused()
    assert not Fulfillment.objects.filter(order=unpaid).exists()


def test_station_and_printed_pages_fit_a_phone(live_server, logged_in):
    order = make_order(
        payment_status="PAID",
        lines=[
            {"name": "Hoodie", "sku": "14:691;5:361385-32954066607#XL-BLACK", "quantity": 2},
            {"name": "Mug", "sku": "MUG-1"},
        ],
    )
    four_line_order()
    page = logged_in
    keys = Keys(page)
    page.set_viewport_size({"width": 390, "height": 844})
    url = live_server.url

    def gates() -> None:
        assert_no_horizontal_overflow(page)
        assert_accessible(page)

    page.goto(f"{url}/pack/")
    expect(page.locator("#scan")).to_be_focused()
    gates()
    keys.scan("X" * 120)
    expect(page.get_by_role("alert")).to_contain_text("No order matches")
    gates()
    keys.scan(str(order.number))
    tracking_box = page.get_by_label("Scan the tracking number to ship 3 units")
    expect(tracking_box).to_be_focused()
    gates()
    keys.scan("1Z-PHONE")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    gates()
    keys.press("Control+z")
    expect(tracking_box).to_be_focused()

    for path in (
        f"/orders/{order.number}/slip/",
        "/pack/pick-list/?view=unfulfilled",
        "/pack/slips/?view=unfulfilled",
    ):
        page.goto(url + path)
        expect(page.locator("main")).to_contain_text("MUG-1")
        gates()
        assert on_one_line(page.locator("td.sku-cell", has_text="MUG-1").first)
        page.emulate_media(media="print")
        assert_no_horizontal_overflow(page)
        page.emulate_media(media="screen")


def test_pickup_order_two_steps_and_a_scan_never_presses_a_button(live_server, logged_in):
    pickup = four_line_order(
        shipping_info={
            "deliveryOption": "Pickup at the shop",
            "pickupDetails": {"pickupInstructions": "Back door, ring twice."},
        }
    )
    other = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    scan_box = page.locator("#scan")

    keys.scan(str(pickup.number))
    expect(page.get_by_text("Back door, ring twice.")).to_be_visible()
    ready = page.get_by_role("button", name="Ready for pickup: email the buyer")
    expect(ready).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_text(f"Order #{pickup.number} is ready for pickup")).to_be_visible()
    picked_up = page.get_by_role("button", name="Picked up: hand over 5 units")
    expect(picked_up).to_be_focused()

    # The buyer has not come yet; the packer scans the next order. Its Enter must not press
    # "Picked up": the code goes to the scan box and opens that order.
    keys.scan(str(other.number))
    expect(page.get_by_role("heading", name=f"Packing order #{other.number}")).to_be_visible()
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
    pickup.refresh_from_db()
    assert pickup.fulfillment_status == FulfillmentStatus.NOT_FULFILLED

    keys.press("Escape")
    expect(scan_box).to_be_focused()
    keys.scan(f"#{pickup.number}")
    expect(picked_up).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_text(f"Order #{pickup.number} picked up.")).to_be_visible()
    expect(scan_box).to_be_focused()
    pickup.refresh_from_db()
    assert pickup.fulfillment_status == FulfillmentStatus.FULFILLED
    assert Fulfillment.objects.get(order=pickup).tracking_number in ("", None)
    assert keys.pressed == ["Enter", "Enter", "Enter", "Escape", "Enter", "Enter"]


def test_another_packer_ships_part_of_the_order_meanwhile(live_server, logged_in):
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()

    # Someone else ships the cap (line 2) from the order page.
    other = User.objects.create_user(username="other-packer")
    fulfillment_create(order=order, lines=[(2, None)], tracking=None, actor=other)

    keys.scan("1Z-MINE")
    expect(page.get_by_role("alert")).to_contain_text(
        f"Order #{order.number} changed while you were packing it"
    )
    tracking_box = page.get_by_label("Scan the tracking number to ship 4 units")
    expect(tracking_box).to_be_focused()
    assert not Fulfillment.objects.filter(order=order, tracking_number="1Z-MINE").exists()
    assert_accessible(page)

    keys.scan("1Z-MINE")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    mine = Fulfillment.objects.get(order=order, tracking_number="1Z-MINE")
    assert sorted(line.line_item.index for line in mine.lines.all()) == [1, 3, 4]
    assert keys.pressed == ["Enter"] * 3


def test_second_packer_on_the_same_order_hears_one_clear_message(live_server, logged_in):
    """Two packers open the same order; the other ships it first. The second one's label
    scan ships nothing and they hear one alert saying so, with the cursor in the scan box."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()

    fulfillment_ship_remaining(
        order=order, tracking={"trackingNumber": "TRK-FIRST"}, actor=shipped_by()
    )

    keys.scan("TRK-SECOND")
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_have_text(
        f"Someone else shipped order #{order.number} while you were packing it: nothing was "
        "shipped twice. Take this parcel apart, or scan the next order."
    )
    expect(page.locator("#scan")).to_be_focused()
    assert list(
        Fulfillment.objects.filter(order=order).values_list("tracking_number", flat=True)
    ) == ["TRK-FIRST"]
    assert_accessible(page)


def test_header_with_a_long_username_fits_a_phone(live_server, page: Page):
    """The header's username (often an email address) wraps instead of widening the page."""
    user = User.objects.create_superuser(
        username="fulfilment.team.lead.nightshift@northwind-warehouse.example.com",
        password="pass-long",
    )
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    order = four_line_order()
    for width in (360, 390):
        page.set_viewport_size({"width": width, "height": 844})
        for path in ("/pack/", f"/pack/{order.number}/", f"/orders/{order.number}/slip/", "/"):
            page.goto(live_server.url + path)
            expect(page.get_by_text(user.username)).to_be_visible()
            assert_no_horizontal_overflow(page)


def test_a_failed_answer_drops_what_was_typed_ahead(live_server, logged_in):
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    held = HeldAnswer(page)
    page.goto(f"{live_server.url}/pack/")
    held.arm()
    scan_box = page.locator("#scan")
    keys.scan(str(order.number))
    held.wait()
    keys.scan("1Z-LOST")
    held.release(status=500, body="boom")
    expect(page.get_by_role("alert")).to_contain_text("The server could not do that (error 500)")
    expect(scan_box).to_be_focused()
    expect(scan_box).to_have_value(str(order.number))
    assert page.evaluate("() => document.getSelection().toString()") == str(order.number)

    keys.press("Enter")  # try again
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
    assert not Fulfillment.objects.filter(order=order).exists()


def test_wrong_code_in_the_tracking_box_is_refused_or_ships_with_a_warning(live_server, logged_in):
    """The next order's slip scanned into the tracking box: refused loudly next to the box,
    nothing shipped, the box focused with the bad code selected so the next scan replaces it.
    A UPS label whose check digit fails ships with a loud warning and Undo focused; then the
    right label ships."""
    order, next_order = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/{order.number}/")
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    # What a screen reader says on arriving in the box: which order the parcel is for.
    expect(tracking_box).to_have_accessible_name(
        f"Scan the tracking number to ship 5 units of #{order.number}"
    )

    keys.scan(str(next_order.number))
    error = page.get_by_role("alert").filter(has_text=f"is order #{next_order.number}'s number")
    expect(error).to_contain_text(f"order #{order.number} is not shipped yet")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_attribute("aria-invalid", "true")
    selected = "() => [document.activeElement.selectionStart, document.activeElement.selectionEnd]"
    assert page.evaluate(selected) == [0, len(str(next_order.number))]
    assert_accessible(page)

    # UPS's sample number with its last digit misread: it ships (a label the check does not
    # know must never stop the bench), the station says so aloud with Undo focused, and Enter
    # takes the parcel back.
    keys.scan("1Z999AA10123456785")
    expect(page.get_by_role("alert").filter(has_text="check digit does not match")).to_be_visible()
    undo = page.get_by_role("button", name=f"Undo shipping #{order.number}")
    expect(undo).to_be_focused()
    assert_accessible(page)
    for width, height in ((390, 844), (1440, 900)):  # the warning fits a phone and a desk
        page.set_viewport_size({"width": width, "height": height})
        assert_no_horizontal_overflow(page)
    expect(undo).to_be_focused()
    assert Fulfillment.objects.get(order=order).tracking_number == "1Z999AA10123456785"
    keys.press("Enter")
    expect(page.get_by_text(f"Undone: order #{order.number} is open again")).to_be_visible()
    expect(tracking_box).to_be_focused()
    assert not Fulfillment.objects.filter(order=order).exists()

    keys.scan("1Z999AA10123456784")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    # The packer's carrier was USPS; a 1Z label is UPS's, and ships as UPS (a working link).
    expect(page.get_by_text("with tracking 1Z999AA10123456784 (UPS)")).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "1Z999AA10123456784"
    assert shipped.shipping_provider == "ups"
    assert shipped.tracking_link.startswith("https://wwwapps.ups.com/")
    assert keys.pressed == ["Enter"] * 4


def test_a_long_order_keeps_its_top_in_view_with_the_tracking_box(live_server, logged_in):
    """A 40-line order at the bench (1280 x 900): the tracking box is focused and on screen,
    and so are the order's number, its warning and the buyer's note (the box used to scroll
    them all out of view)."""
    order = make_order(
        lines=[{"name": f"Item {i}", "sku": f"SKU-X-{i:03d}"} for i in range(40)],
        payment_status="PAID",
        archived=True,
        buyer_note="Gift: wrap it and leave out the invoice.",
    )
    page = logged_in
    page.set_viewport_size({"width": 1280, "height": 900})
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    tracking_box = page.get_by_label("Scan the tracking number to ship 40 units")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("heading", name=f"#{order.number} · Ada Lovelace")).to_be_in_viewport()
    expect(page.get_by_role("alert").filter(has_text="archived")).to_be_in_viewport(ratio=1)
    expect(page.get_by_text("Gift: wrap it and leave out the invoice.")).to_be_in_viewport(ratio=1)
    # Nothing under the box's bar: it covers list lines, never the focused box.
    assert page.evaluate(
        """() => { const box = document.activeElement.getBoundingClientRect();
            const hit = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
            return hit === document.activeElement; }"""
    )
    assert_accessible(page)

    # At the end of the list the bar sits in its place, under the last line.
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    last = page.locator(".pack-line").last
    expect(last).to_be_in_viewport(ratio=1)
    assert last.evaluate(
        """line => { const r = line.getBoundingClientRect();
            return line.contains(document.elementFromPoint(r.x + 20, r.y + r.height / 2)); }"""
    )
    keys.scan("TRK-40")
    expect(page.get_by_role("button", name="Ship anyway (Enter)")).to_be_focused()
    expect(page.get_by_role("button", name="Ship anyway (Enter)")).to_be_in_viewport(ratio=1)


def test_a_long_pickup_order_shows_its_instructions_with_the_buttons(live_server, logged_in):
    """A 12-line pickup order at the bench: the pickup instructions stay on screen with the
    focused button, uncovered, and the order's number is in view too."""
    order = make_order(
        lines=[{"name": f"Item {i}", "sku": f"SKU-P-{i:02d}"} for i in range(12)],
        payment_status="PAID",
        shipping_info={
            "deliveryOption": "Pickup at the shop",
            "pickupDetails": {"pickupInstructions": "Back door, ring twice."},
        },
    )
    page = logged_in
    page.set_viewport_size({"width": 1280, "height": 800})
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    ready = page.get_by_role("button", name="Ready for pickup: email the buyer")
    expect(ready).to_be_focused()
    expect(ready).to_be_in_viewport(ratio=1)
    instructions = page.get_by_text("Back door, ring twice.")
    expect(instructions).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("heading", name=f"#{order.number} · Ada Lovelace")).to_be_in_viewport()
    for shown in (instructions, ready):
        assert shown.evaluate(
            """el => { const r = el.getBoundingClientRect();
                return el.contains(document.elementFromPoint(r.x + 5, r.y + r.height / 2)); }"""
        )
    assert_accessible(page)


def test_an_ended_session_opens_the_log_in_page_and_comes_back(live_server, logged_in):
    """Logged out elsewhere mid-shift: the next scan opens the log-in page as a page (not
    nested in the station under a stale header), and logging in returns to the station."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    expect(page.locator("#scan")).to_be_focused()
    Session.objects.all().delete()

    keys.scan(str(order.number))
    expect(page).to_have_url(f"{live_server.url}/accounts/login/?next=%2Fpack%2F")
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.get_by_text("Your session ended; sign in again to continue.")).to_be_visible()
    expect(page).to_have_title("Session ended · Log in · Packdesk")
    expect(page.get_by_label("Username")).to_be_focused()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_horizontal_overflow(page)
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type("boss")
    keys.press("Tab")
    page.keyboard.type("pass-boss")
    keys.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/pack/")
    expect(page.locator("#scan")).to_be_focused()
    keys.scan(str(order.number))
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()


def test_scanning_another_slip_mid_check_says_what_was_left(live_server, logged_in):
    """Item check on, two units of order A checked, then B's slip scanned (the wrong slip,
    or the next order too early): B opens and the station says A was left half checked with
    nothing shipped, with a link back that keeps A's checks."""
    owner = User.objects.get(username="boss")
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=owner
    )
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    scan_box = page.locator("#scan")
    keys.scan(str(first.number))
    keys.scan("MUG-1")
    expect(page.get_by_text("1 of 5 checked")).to_be_visible()
    keys.scan("CAP-9")
    expect(page.get_by_text("2 of 5 checked")).to_be_visible()

    keys.scan(str(second.number))
    expect(page.get_by_role("heading", name=f"Packing order #{second.number}")).to_be_visible()
    left = page.get_by_role("status").filter(has_text=f"Left order #{first.number}")
    expect(left).to_have_text(
        f"Left order #{first.number} with 2 of 5 units checked: nothing of it was shipped. "
        f"Back to #{first.number}"
    )
    expect(scan_box).to_be_focused()
    assert_accessible(page)

    back = page.get_by_role("link", name=f"Back to #{first.number}")
    keys.press("Tab")
    keys.press("Tab")
    expect(back).to_be_focused()
    keys.press("Enter")
    expect(page.get_by_role("heading", name=f"Packing order #{first.number}")).to_be_visible()
    expect(page.get_by_text("2 of 5 checked")).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    assert not Fulfillment.objects.exists()


def test_a_second_packer_is_told_at_once_who_has_the_order_and_what_shipped(live_server, logged_in):
    """Another packer has the order open and shipped the cap already: scanning its slip
    says both at once (not at the label scan), the cursor still in the tracking box; the
    warnings fit a phone and pass axe."""
    order = four_line_order()
    other = User.objects.create_superuser(username="other-packer", password="x")
    colleague = Client()
    colleague.force_login(other)
    fulfillment_create(
        order=order, lines=[(2, None)], tracking={"trackingNumber": "T-CAP"}, actor=other
    )
    assert colleague.get(f"/pack/{order.number}/").status_code == 200

    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    open_elsewhere = page.get_by_role("alert").filter(has_text="other-packer (since")
    expect(open_elsewhere).to_contain_text(
        "also has this order open at the packing station. Only one of you should pack it."
    )
    shipped = page.locator("#pack-shipped-before")
    expect(shipped).to_contain_text("Part of this order has already shipped")
    expect(shipped.get_by_role("listitem")).to_contain_text(["1 unit by other-packer"])
    expect(shipped).to_contain_text("T-CAP")
    tracking_box = page.get_by_label("Scan the tracking number to ship 4 units")
    expect(tracking_box).to_be_focused()
    assert_accessible(page)
    for width, height in ((390, 844), (1440, 900)):
        page.set_viewport_size({"width": width, "height": height})
        assert_no_horizontal_overflow(page)
    expect(tracking_box).to_be_focused()

    # The shipped cap's SKU scanned into the tracking box is refused (it is no label), and
    # the answer is about that scan alone.
    keys.scan("CAP-9")
    refusal = page.get_by_role("alert")
    expect(refusal).to_have_count(1)
    expect(refusal).to_contain_text("“CAP-9” is an item of the order, not a tracking number")
    expect(tracking_box).to_be_focused()
    assert Fulfillment.objects.filter(order=order).count() == 1

    # The colleague closes the order (back to the empty scan box): opening it again is quiet
    # about them, and still lists what shipped.
    colleague.get("/pack/")
    keys.press("Escape")
    expect(page.locator("#scan")).to_be_focused()
    keys.scan(str(order.number))
    expect(tracking_box).to_be_focused()
    expect(shipped).to_contain_text("1 unit by other-packer")
    expect(page.locator("#pack-others")).to_have_count(0)
    assert keys.pressed == ["Enter", "Enter", "Escape", "Enter"]


def test_the_order_page_names_the_packer_who_has_the_order_open(live_server, logged_in):
    order = four_line_order()
    colleague = Client()
    colleague.force_login(User.objects.create_superuser(username="other-packer", password="x"))
    assert colleague.get(f"/pack/{order.number}/").status_code == 200
    page = logged_in
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/orders/{order.number}/")
    note = page.locator("#at-station")
    expect(note).to_contain_text("other-packer has this order open at the packing station")
    assert_accessible(page)
    assert_no_horizontal_overflow(page)


def test_a_long_order_shows_who_else_has_it_and_what_shipped_with_the_tracking_box(
    live_server, logged_in
):
    """A 40-line order someone else has open, with four earlier shipments, at 1280 x 900:
    both warnings and the order's heading are on screen with the focused tracking box."""
    order = make_order(
        lines=[{"name": f"Item {i}", "sku": f"SKU-X-{i:03d}", "quantity": 2} for i in range(40)],
        payment_status="PAID",
        archived=True,
    )
    other = User.objects.create_superuser(username="other-packer", password="x")
    for index in range(1, 5):
        fulfillment_create(
            order=order, lines=[(index, 1)], tracking={"trackingNumber": f"T{index}"}, actor=other
        )
    colleague = Client()
    colleague.force_login(other)
    assert colleague.get(f"/pack/{order.number}/").status_code == 200
    page = logged_in
    page.set_viewport_size({"width": 1280, "height": 900})
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    keys.scan(str(order.number))
    tracking_box = page.get_by_label("Scan the tracking number to ship 76 units")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_be_in_viewport(ratio=1)
    expect(page.get_by_role("heading", name=f"#{order.number} · Ada Lovelace")).to_be_in_viewport()
    expect(page.locator("#pack-others")).to_be_in_viewport(ratio=1)
    shipped = page.locator("#pack-shipped-before")
    expect(shipped).to_be_in_viewport(ratio=1)
    expect(shipped.get_by_role("listitem")).to_have_text(
        [
            re.compile(r"^1 unit by other-packer, .* \(tracking T4\)$"),
            re.compile(r"\(tracking T3\)$"),
            re.compile(r"\(tracking T2\)$"),
            "and 1 earlier shipment",
        ]
    )
    assert_accessible(page)


def test_a_scan_with_nothing_focused_goes_to_the_box_the_station_would_focus(
    live_server, logged_in
):
    """Focus on nothing (the page still loading when the scanner fires, a click on blank
    space): a scan's first character used to land on the page itself and the rest in the box
    once it took focus ("3991" for #13991, a real failure under load). Now a key typed with
    nothing focused goes to the box the station focuses: the scan box, or the tracking box
    once an order is open."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/")
    expect(page.locator("#scan")).to_be_focused()
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.activeElement === document.body")
    keys.scan(str(order.number))
    expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()

    page.evaluate("document.activeElement.blur()")
    keys.scan("1Z0009")
    expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    assert Fulfillment.objects.get(order=order).tracking_number == "1Z0009"
    assert keys.pressed == ["Enter", "Enter"]
