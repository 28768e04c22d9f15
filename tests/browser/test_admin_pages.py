"""Support's and owners' Django admin as they meet it in Chromium: every page they use passes
axe-core (WCAG 2.2 A/AA), fits a 390 px phone without the page scrolling sideways (a wide
table scrolls inside its own box) and shows where the keyboard focus is, and an order is found
and opened with the keyboard alone."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from fulfillments.services import fulfillment_create
from orders.models import PaymentStatus
from orders.services import order_refund
from orders.webhooks.models import WebhookEndpoint, WebhookEventType
from tests.browser.a11y import (
    assert_accessible,
    assert_descriptions_exist,
    assert_errors_by_their_fields,
    assert_focus_visible,
    assert_no_horizontal_overflow,
)
from tests.browser.test_accessibility import DESK, PHONE, log_in
from tests.conftest import make_user
from tests.factories import make_order


@pytest.fixture
def store(transactional_db):
    """Support, an owner, a shipped and refunded order (every inline has rows), an open order
    with a long line name, and a webhook endpoint."""
    owner = make_user("owner")
    support = make_user("support")
    shipped = make_order(
        first_name="Grace",
        last_name="Hopper",
        lines=[
            {"quantity": 2, "name": "Organic cotton crew-neck T-shirt, heather grey", "sku": "T1"},
            {"quantity": 1, "name": "Mug", "sku": "MUG-1"},
        ],
        payment_status=PaymentStatus.PAID,
    )
    fulfillment = fulfillment_create(
        order=shipped,
        lines=[(1, 2)],
        tracking={"trackingNumber": "1Z999AA10123456784", "shippingProvider": "ups"},
        actor=owner,
    )
    order_refund(order=shipped, amount=shipped.total / 2, actor=owner)
    open_order = make_order(lines=3, payment_status=PaymentStatus.NOT_PAID)
    for _ in range(3):
        make_order(lines=1, payment_status=PaymentStatus.PAID)
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/packdesk", events=[WebhookEventType.ORDER_PAID]
    )
    return {
        "owner": owner,
        "support": support,
        "shipped": shipped,
        "open": open_order,
        "fulfillment": fulfillment,
        "endpoint": endpoint,
    }


def admin_pages(store, role: str) -> dict[str, str]:
    shipped, fulfillment = store["shipped"], store["fulfillment"]
    pages = {
        "admin index": "/admin/",
        "orders": "/admin/orders/order/",
        "orders, searched and filtered": (
            "/admin/orders/order/?q=Hopper&payment_status__exact=PARTIALLY_REFUNDED"
        ),
        "orders, nothing found": "/admin/orders/order/?q=nobody-at-all",
        "order change page": f"/admin/orders/order/{shipped.pk}/change/",
        "order history": f"/admin/orders/order/{shipped.pk}/history/",
        "fulfillments": "/admin/fulfillments/fulfillment/?carrier=ups",
        "fulfillment change page": f"/admin/fulfillments/fulfillment/{fulfillment.pk}/change/",
        "password change": "/admin/password_change/",
    }
    if role == "owner":
        pages |= {
            "order delete address, refused": f"/admin/orders/order/{shipped.pk}/delete/",
            "users": "/admin/auth/user/?q=o",
            "user change page": f"/admin/auth/user/{store['support'].pk}/change/",
            "add user": "/admin/auth/user/add/",
            "user delete, refused": f"/admin/auth/user/{store['owner'].pk}/delete/",
            "groups": "/admin/auth/group/",
            "store settings": "/admin/orders/storesettings/",
            "API keys": "/admin/orders/apikey/",
            "add API key": "/admin/orders/apikey/add/",
            "webhook endpoints": "/admin/orders/webhookendpoint/",
            "webhook endpoint": f"/admin/orders/webhookendpoint/{store['endpoint'].pk}/change/",
            "webhook events": "/admin/orders/webhookevent/",
            "webhook deliveries": "/admin/orders/webhookdelivery/",
        }
    return pages


def focus_ring_on_each_stop(page: Page) -> None:
    """The first 60 Tab stops (header, filters, search, table or form) show a 3 px ring."""
    assert_focus_visible(page, presses=60)


def assert_pages_pass_the_gates(page: Page, live_server, store, role: str) -> None:
    log_in(page, live_server, store[role])
    failures: list[str] = []
    for name, path in admin_pages(store, role).items():
        response = page.goto(live_server.url + path)
        assert response is not None and response.status == 200, f"{name}: {path}"
        for gate in (assert_accessible, assert_no_horizontal_overflow, focus_ring_on_each_stop):
            try:
                gate(page)
            except AssertionError as error:
                failures.append(f"[{role} {name}] {error}")
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ["support", "owner"])
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_admin_pages_pass_axe_and_fit(page: Page, live_server, store, role, viewport):
    page.set_viewport_size(viewport)
    assert_pages_pass_the_gates(page, live_server, store, role)


def test_admin_pages_pass_axe_in_the_dark_theme(page: Page, live_server, store):
    """The admin follows the system's dark mode: its colours and the focus ring hold there too."""
    page.set_viewport_size(PHONE)
    page.emulate_media(color_scheme="dark")
    assert_pages_pass_the_gates(page, live_server, store, "owner")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 18)"


def tab_to(page: Page, target: Locator, most: int = 40) -> int:
    """Press Tab until `target` has the focus; every press lands on something visible on the
    page (never nowhere). Returns the number of presses."""
    for presses in range(1, most + 1):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => { const el = document.activeElement;
                return el && el !== document.body && el.getClientRects().length > 0; }"""
        )
        assert focused, (
            f"Tab {presses} on {page.url} left the focus nowhere visible: "
            + page.evaluate("() => document.activeElement?.outerHTML?.slice(0, 200) ?? 'null'")
        )
        if target.evaluate("el => el === document.activeElement"):
            return presses
    raise AssertionError(f"{target} not reached in {most} presses of Tab on {page.url}")


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_support_finds_and_opens_an_order_with_the_keyboard(
    page: Page, live_server, store, viewport
):
    page.set_viewport_size(viewport)
    log_in(page, live_server, store["support"])
    order = store["open"]
    page.goto(f"{live_server.url}/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()
    expect(page.locator("#site-name")).to_have_text("Packdesk admin")

    orders_link = page.locator("#orders-order").get_by_role("link", name="Orders")
    tab_to(page, orders_link)
    expect(orders_link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/admin/orders/order/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Select order to change")

    search = page.locator("#changelist-search").get_by_role("textbox", name="Search")
    # Past the header, the breadcrumbs, (at a desk) the sidebar and the closed filters.
    assert tab_to(page, search) <= 20
    expect(search).to_be_focused()
    page.keyboard.type(str(order.number))
    expect(search).to_have_value(str(order.number))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/\?q={order.number}$"))
    result = page.locator("#result_list").get_by_role("link", name=str(order.number), exact=True)
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(search).to_have_value(str(order.number))

    tab_to(page, result)
    expect(result).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/admin/orders/order/{order.pk}/change/\?"))
    expect(page.get_by_role("heading", level=2).first).to_contain_text(str(order.number))


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_support_fixes_an_address_and_sees_errors_by_the_field(
    page: Page, live_server, store, viewport
):
    """Support's everyday edit: a bad address is refused with the error beside the field and
    nothing saved; the fixed one is saved, recorded in the order's activity."""
    page.set_viewport_size(viewport)
    log_in(page, live_server, store["support"])
    order = store["open"]
    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    address = page.get_by_label("Billing address")
    address.fill('{"country": "US", "city": ')
    page.get_by_label("Buyer note").fill("Call before delivery")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".errornote")).to_be_visible()
    expect(address).to_have_attribute("aria-invalid", "true")
    assert_errors_by_their_fields(page)
    assert_descriptions_exist(page)
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    order.refresh_from_db()
    assert order.buyer_note != "Call before delivery"

    address.fill('{"country": "US", "city": "Boston"}')
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist .success")).to_contain_text("was changed successfully")
    assert_accessible(page)
    order.refresh_from_db()
    assert (order.billing_address["city"], order.buyer_note) == ("Boston", "Call before delivery")
    assert order.activities.filter(actor=store["support"]).count() == 1


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_owner_creates_an_api_key_and_its_one_time_message_fits(
    page: Page, live_server, store, viewport
):
    """The key is shown once, in a message as long as the key: it wraps on a phone."""
    page.set_viewport_size(viewport)
    log_in(page, live_server, store["owner"])
    page.goto(f"{live_server.url}/admin/orders/apikey/add/")
    page.get_by_label("Name").fill("Shop sync")
    page.get_by_label("User").select_option(label="owner")
    page.get_by_role("button", name="Save", exact=True).click()
    message = page.locator(".messagelist .warning")
    expect(message).to_contain_text("Copy it now, it will not be shown again")
    assert_no_horizontal_overflow(page)
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_admin_login_passes_the_gates(page: Page, live_server, store, viewport):
    """Where support starts: the admin's login, empty and after a wrong password."""
    page.set_viewport_size(viewport)
    page.goto(f"{live_server.url}/admin/")
    expect(page).to_have_url(re.compile(r"/admin/login/\?next=/admin/$"))
    for state in ("empty", "wrong password"):
        if state == "wrong password":
            page.get_by_label("Username").fill("support")
            page.get_by_label("Password").fill("not-the-password")
            page.get_by_label("Password").press("Enter")
            expect(page.locator(".errornote")).to_be_visible()
        assert_accessible(page)
        assert_no_horizontal_overflow(page)
        focus_ring_on_each_stop(page)
