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
from django.utils import timezone
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


def open_station(page: Page, live_server) -> None:
    """Open the empty station; the packer scans once the cursor is in the box (Chromium
    focuses an autofocus field a moment after the load event: keys sent before go nowhere)."""
    page.goto(f"{live_server.url}/pack/")
    expect(page.locator("#scan")).to_be_focused()


def pack_mode(page: Page, live_server, order: Order):
    """Open `order` (four_line_order: 5 units) in pack mode; the tracking box has the cursor."""
    page.goto(f"{live_server.url}/pack/{order.number}/")
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    return tracking_box


def require_item_check() -> None:
    """The owner ticks "Packers must scan every item"."""
    owner = User.objects.get(username="boss")
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=owner
    )


def test_scan_order_scan_tracking_next_order_without_mouse_or_tab(live_server, logged_in):
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    open_station(page, live_server)
    scan_box = page.locator("#scan")
    expect(scan_box).to_be_focused()
    assert_accessible(page)

    for order, tracking in ((first, "1Z0001"), (second, "1Z0002")):
        keys.scan(str(order.number))
        expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/pack/{order.number}/")
        # The tab and the history entry name the order, as a reload of the URL would.
        expect(page).to_have_title(f"Packing #{order.number} · Packdesk")
        tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
        expect(tracking_box).to_be_focused()
        if order is first:
            assert_accessible(page)

        keys.scan(tracking)
        expect(page.get_by_text(f"Order #{order.number} shipped")).to_be_visible()
        expect(page).to_have_url(f"{live_server.url}/pack/")
        expect(page).to_have_title("Packing station · Packdesk")
        expect(scan_box).to_be_focused()
        order.refresh_from_db()
        assert order.fulfillment_status == FulfillmentStatus.FULFILLED
        assert Fulfillment.objects.get(order=order).tracking_number == tracking

    # Two orders: two scans and one Enter each, nothing else (no Tab, no mouse).
    assert keys.scans == 4
    assert keys.pressed == ["Enter"] * 4
    assert_accessible(page)


def test_item_check_then_tracking_with_a_refused_scan(live_server, logged_in):
    require_item_check()
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)

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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
    keys.scan(str(order.number))
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()

    fulfillment_ship_remaining(
        order=order, tracking={"trackingNumber": "TRK-FIRST"}, actor=shipped_by()
    )
    at = timezone.localtime(Fulfillment.objects.get(order=order).date_created)

    keys.scan("TRK-SECOND")
    alert = page.get_by_role("alert")
    expect(alert).to_have_count(1)
    expect(alert).to_have_text(
        f"other-packer shipped order #{order.number} on {at.strftime('%b')} {at.day} at "
        f"{at.strftime('%H:%M')} while you were packing it: nothing was shipped twice. Take "
        "this parcel apart, or scan the next order."
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
    open_station(page, live_server)
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
    tracking_box = pack_mode(page, live_server, order)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    require_item_check()
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    open_station(page, live_server)
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
    open_station(page, live_server)
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
    open_station(page, live_server)
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


def spoken(page: Page) -> list[str]:
    """What the screen reader is handed after a swap: the text of each status and alert on
    the page (a region inside another counts on its own, so a message said twice shows)."""
    return page.evaluate(
        """() => [...document.querySelectorAll('[role=status], [role=alert]')]
            .filter((el) => !el.closest('[hidden]') && el.textContent.trim())
            .map((el) => el.getAttribute('role') + ': '
                + el.textContent.replace(/\\s+/g, ' ').trim())"""
    )


def test_the_last_parcels_label_scanned_again_is_caught_and_said_once(live_server, logged_in):
    """A packer ships an order, then scans the same label again: into the empty scan box (the
    scanner fired twice) it names the order that label shipped; into the next order's
    tracking box it ships nothing until confirmed (Escape backs out with the number selected,
    so the right label replaces it). The shipped parcel's confirmation is said once, when it
    shipped; a misread label's warning is said once, by its alert alone."""
    first, second = four_line_order(), four_line_order()
    page = logged_in
    keys = Keys(page)
    page.goto(f"{live_server.url}/pack/{first.number}/")
    scan_box = page.locator("#scan")
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()

    keys.scan("1Z999AA10123456784")
    expect(scan_box).to_be_focused()
    assert spoken(page) == [
        f"status: Order #{first.number} shipped with tracking 1Z999AA10123456784 (UPS)."
    ]

    keys.scan("1Z999AA10123456784")
    refusal = page.get_by_role("alert")
    expect(refusal).to_contain_text(
        f"“1Z999AA10123456784” is a tracking number: order #{first.number} shipped with it on "
    )
    expect(refusal).to_contain_text("by you. Scan the packing slip of the next order.")
    expect(scan_box).to_be_focused()
    expect(scan_box).to_have_value("")
    # One thing said: the refusal. The parcel's confirmation stays on screen, unannounced.
    assert len(spoken(page)) == 1
    expect(page.get_by_text(f"Order #{first.number} shipped", exact=True)).to_be_visible()
    assert_accessible(page)

    keys.scan(str(second.number))
    expect(tracking_box).to_be_focused()
    keys.scan("1Z999AA10123456784")
    confirm = page.get_by_role("button", name="Ship anyway (Enter)")
    expect(confirm).to_be_focused()
    expect(page.get_by_role("alert")).to_have_text(
        re.compile(
            rf"Order #{second.number} would ship with tracking number 1Z999AA10123456784, "
            rf"already used \(order #{first.number} shipped with it on .*, by you\): confirm "
            "to ship it anyway."
        )
    )
    assert len(spoken(page)) == 1
    assert not Fulfillment.objects.filter(order=second).exists()
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_no_horizontal_overflow(page)
    expect(confirm).to_be_focused()

    keys.press("Escape")
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_value("1Z999AA10123456784")
    assert tracking_box.evaluate("el => [el.selectionStart, el.selectionEnd]") == [0, 18]
    # The right label replaces it; it fails its check digit, so it ships with one warning.
    keys.scan("1Z999AA10123456785")
    undo = page.get_by_role("button", name=f"Undo shipping #{second.number}")
    expect(undo).to_be_focused()
    said = spoken(page)
    assert [text for text in said if "check digit does not match" in text] == [
        text for text in said if text.startswith("alert: Check the label:")
    ]
    assert len([text for text in said if "check digit does not match" in text]) == 1
    assert f"status: Order #{second.number} shipped with tracking 1Z999AA10123456785 (UPS)." in said
    assert_accessible(page)
    assert Fulfillment.objects.get(order=second).tracking_number == "1Z999AA10123456785"
    assert keys.pressed == ["Enter"] * 4 + ["Escape", "Enter"]


def test_a_parcel_whose_answer_was_lost_ships_once_and_enter_says_so(live_server, logged_in):
    """The network drops after the server shipped the parcel: the station shows the error
    with the scanned number selected; Enter sends it again, and the station says the first
    try went through (not that someone else shipped it), with the cursor ready for the next
    order."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    lost = []

    def lose_the_answer(route) -> None:
        if lost:
            route.continue_()
            return
        lost.append(route.fetch())  # the server ships the parcel ...
        route.abort("connectionreset")  # ... and its answer never arrives

    page.route("**/ship/", lose_the_answer)
    tracking_box = pack_mode(page, live_server, order)

    keys.scan("TRK-LOST-1")
    expect(page.get_by_role("alert")).to_contain_text("The network seems to be down")
    expect(tracking_box).to_be_focused()
    assert tracking_box.evaluate("el => [el.selectionStart, el.selectionEnd]") == [0, 10]
    assert lost[0].status == 200
    assert Fulfillment.objects.filter(order=order).count() == 1

    keys.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        f"Order #{order.number} had already shipped with tracking TRK-LOST-1: your scan went "
        "through before the connection dropped. Nothing was shipped twice."
    )
    expect(page.locator("#scan")).to_be_focused()
    expect(page).to_have_url(f"{live_server.url}/pack/")
    expect(page.get_by_role("alert")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Undo shipping #{order.number}")).to_be_visible()
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert_accessible(page)
    assert keys.pressed == ["Enter", "Enter"]


def test_undo_with_the_item_check_required_goes_back_to_the_tracking_box(live_server, logged_in):
    """With the item check required, a parcel shipped under the wrong label and taken back
    is still packed and checked: Undo reopens the order with its units checked and the
    cursor in the tracking box (not back to scanning every item), and the right label ships
    it. Each answer says one thing (one status or one alert), never the last one again."""
    require_item_check()
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    open_station(page, live_server)
    scan_box = page.locator("#scan")

    def says(text: str) -> None:
        expect(page.get_by_role("status").filter(has_text=text)).to_have_count(1)
        assert len(spoken(page)) == 1, spoken(page)

    keys.scan(str(order.number))
    expect(page.get_by_text("0 of 5 checked")).to_be_visible()
    assert spoken(page) == []
    for count, sku in enumerate(("MUG-1", "MUG-1", "CAP-9", "SCF-3"), start=1):
        keys.scan(sku)
        expect(page.get_by_text(f"{count} of 5 checked")).to_be_visible()
        expect(scan_box).to_be_focused()
    says("Scarf: 1 of 1 checked.")
    keys.scan("PST-7")
    tracking_box = page.get_by_label("Scan the tracking number to ship 5 units")
    expect(tracking_box).to_be_focused()
    says("Poster: 1 of 1 checked.")

    keys.scan("TRK-WRONG-1")
    expect(scan_box).to_be_focused()
    says(f"Order #{order.number} shipped with tracking TRK-WRONG-1 (USPS).")
    keys.press("Control+z")
    expect(tracking_box).to_be_focused()
    expect(page.get_by_text("5 of 5 checked")).to_be_visible()
    says(f"Undone: order #{order.number} is open again; scan the right tracking number.")
    assert not Fulfillment.objects.filter(order=order).exists()
    assert_accessible(page)

    keys.scan("TRK-RIGHT-2")
    expect(scan_box).to_be_focused()
    says(f"Order #{order.number} shipped with tracking TRK-RIGHT-2 (USPS).")
    assert Fulfillment.objects.get(order=order).tracking_number == "TRK-RIGHT-2"
    assert keys.pressed == ["Enter"] * 7 + ["Control+z", "Enter"]


def log_in_again_in_another_tab(page: Page, live_server) -> None:
    """The packer signs in once more in a second tab (the session ended there, say): Django
    gives the browser a new CSRF token, and the station's tab still holds the old one."""
    other = page.context.new_page()
    other.goto(f"{live_server.url}/accounts/login/")
    other.get_by_label("Username").fill("boss")
    other.get_by_label("Password").fill("pass-boss")
    other.get_by_label("Password").press("Enter")
    expect(other).not_to_have_url(re.compile(r"/accounts/login/"))
    other.close()


def test_a_station_opened_before_logging_in_again_still_ships(live_server, logged_in):
    """Signing in again in another tab changes the CSRF token: the station's tab, opened
    before, ships the next parcel all the same (it sends the current token), instead of
    refusing it as a form out of date and putting that page inside the station."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    tracking_box = pack_mode(page, live_server, order)
    token = {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"]

    log_in_again_in_another_tab(page, live_server)
    assert {c["name"]: c["value"] for c in page.context.cookies()}["csrftoken"] != token
    page.bring_to_front()
    tracking_box.focus()
    keys.scan("TRK-AGAIN-1")
    expect(page.get_by_text(f"Order #{order.number} shipped", exact=True)).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    expect(page.locator("header.topbar")).to_have_count(1)
    assert Fulfillment.objects.get(order=order).tracking_number == "TRK-AGAIN-1"


def test_a_request_refused_as_a_whole_keeps_the_station_and_the_cursor(live_server, logged_in):
    """The packer loses the right to ship mid-shift (an owner changed their role): the scan
    is refused with a message at the top, and the station stays as it was, not replaced by
    the refusal page with a second header; the cursor stays in the tracking box with the
    code selected, and nothing ships."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    tracking_box = pack_mode(page, live_server, order)
    User.objects.filter(username="boss").update(is_superuser=False)

    keys.scan("TRK-REFUSED")
    expect(page.get_by_role("alert")).to_contain_text("You are not allowed to do that (error 403).")
    expect(page.locator("header.topbar")).to_have_count(1)
    expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_value("TRK-REFUSED")
    assert page.evaluate("() => document.getSelection().toString()") == "TRK-REFUSED"
    assert not Fulfillment.objects.filter(order=order).exists()
    assert_accessible(page)


def test_escape_dismisses_a_network_error_and_keeps_the_order_open(live_server, logged_in):
    """The label scan does not reach the server (the network is down): Escape dismisses the
    message and leaves the packer in the tracking box with the code (it does not close the
    order, whose Close is Escape too); Enter then ships it."""
    order = four_line_order()
    page = logged_in
    keys = Keys(page)
    offline = [True]
    page.route(
        "**/ship/",
        lambda route: route.abort("internetdisconnected") if offline else route.continue_(),
    )
    tracking_box = pack_mode(page, live_server, order)

    keys.scan("TRK-OFFLINE")
    failed = page.get_by_role("alert").filter(has_text="The network seems to be down")
    expect(failed).to_be_visible()
    expect(tracking_box).to_be_focused()
    keys.press("Escape")
    expect(failed).to_be_hidden()
    expect(tracking_box).to_be_focused()
    expect(tracking_box).to_have_value("TRK-OFFLINE")
    expect(page).to_have_url(f"{live_server.url}/pack/{order.number}/")
    expect(page.get_by_role("heading", name=f"Packing order #{order.number}")).to_be_visible()

    offline.clear()
    keys.press("Enter")
    expect(page.get_by_text(f"Order #{order.number} shipped", exact=True)).to_be_visible()
    expect(page.locator("#scan")).to_be_focused()
    assert Fulfillment.objects.get(order=order).tracking_number == "TRK-OFFLINE"
    assert keys.pressed == ["Enter", "Escape", "Enter"]


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


def test_an_order_left_at_its_question_is_named_when_the_next_one_opens(live_server, logged_in):
    """The packer scans an unpaid order's label, and the next order's slip while the station
    asks "Ship anyway?": the slip opens the next order (a scan never answers a question), and
    the station says the first one was left unshipped, with the way back to it, rather than
    leaving its labelled parcel on the bench unnoticed."""
    unpaid, following = four_line_order(payment_status="NOT_PAID"), four_line_order()
    page = logged_in
    keys = Keys(page)
    pack_mode(page, live_server, unpaid)
    keys.scan("TRK-ASKED")
    expect(page.get_by_role("button", name="Ship anyway (Enter)")).to_be_focused()

    keys.scan(str(following.number))
    expect(page.get_by_role("heading", name=f"Packing order #{following.number}")).to_be_visible()
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
    expect(page.get_by_role("status")).to_have_text(
        re.compile(
            rf"^Left order #{unpaid.number}: nothing of it was shipped \(5 units still to "
            rf"pack\)\.\s+Back to #{unpaid.number}$"
        )
    )
    assert not Fulfillment.objects.filter(order=unpaid).exists()
    assert_accessible(page)
    page.get_by_role("link", name=f"Back to #{unpaid.number}").focus()
    keys.press("Enter")
    expect(page.get_by_role("heading", name=f"Packing order #{unpaid.number}")).to_be_visible()
    expect(page.get_by_label("Scan the tracking number to ship 5 units")).to_be_focused()
