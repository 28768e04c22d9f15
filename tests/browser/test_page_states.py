"""Every page and state the other browser tests leave out, as each role meets it, at a phone
(390 px) and a desk (1440 px): axe-core WCAG 2.2 A/AA clean, no sideways scroll, a Tab path
with a visible focus ring, and every error message next to its field (aria-describedby naming
ids that exist). Signed out (log in, password reset, the lockout page, logged out), each role's
own pages and the 403 / 404 / 405 pages, and the owner's forms after a save and after an error
(store settings, webhooks, saved views, bulk fulfil and its result, payments)."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re

import pytest
from playwright.sync_api import Page, expect

from orders.models import PaymentStatus
from orders.saved_views import saved_view_save
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
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

VIEWPORTS = pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])


class Gates:
    """Runs every gate on a page state and keeps the failures, so one run names them all."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.failures: list[str] = []

    def check(self, name: str, *, keyboard: bool = True) -> None:
        gates = [
            assert_accessible,
            assert_no_horizontal_overflow,
            assert_descriptions_exist,
            assert_errors_by_their_fields,
        ]
        if keyboard:
            gates.append(assert_focus_visible)
        for gate in gates:
            try:
                gate(self.page)
            except AssertionError as error:
                self.failures.append(f"[{name}] {error}")

    def assert_clean(self) -> None:
        assert not self.failures, "\n\n".join(self.failures)


def signed_in(page: Page, live_server, user, viewport: dict) -> Gates:
    page.set_viewport_size(viewport)
    log_in(page, live_server, user)
    return Gates(page)


@pytest.fixture
def shop(transactional_db):
    """One user per role, an unpaid order, two paid ones to ship, a shipped one, and a
    webhook endpoint with a failed delivery."""
    users = {role: make_user(role) for role in ("owner", "packer", "support", "viewer")}
    unpaid = make_order(lines=2, payment_status=PaymentStatus.NOT_PAID)
    paid = [make_order(lines=2, payment_status=PaymentStatus.PAID) for _ in range(2)]
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/packdesk", events=[WebhookEventType.ORDER_PAID]
    )
    event = WebhookEvent.objects.create(
        event_type=WebhookEventType.ORDER_PAID, order=paid[0], payload={}
    )
    WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status="failed", attempts=3, last_response_code=500
    )
    return {**users, "unpaid": unpaid, "paid": paid, "endpoint": endpoint}


EVERY_PAGE = {
    "/": "/",
    "/orders/": "/orders/",
    "order": "/orders/{n}/",
    "email": "/orders/{n}/email/",
    "address": "/orders/{n}/shipping-address/",
    "payments": "/orders/{n}/payments/",
    "/pack/": "/pack/",
    "pack order": "/pack/{n}/",
    "/webhooks/": "/webhooks/",
    "/settings/": "/settings/",
}

# Every page a role opens from the menu or a link, and the pages it is refused (403).
ROLE_PAGES = {
    "owner": set(EVERY_PAGE),
    "packer": {"/", "/orders/", "order", "email", "address", "/pack/", "pack order"},
    "support": {"/", "/orders/", "order", "address"},
    "viewer": {"/", "/orders/", "order"},
}


@pytest.mark.console_errors_expected(r"status of 40[345] ")
@pytest.mark.parametrize("role", list(ROLE_PAGES))
@VIEWPORTS
def test_each_roles_pages_and_refusals(page: Page, live_server, shop, role, viewport):
    gates = signed_in(page, live_server, shop[role], viewport)
    number = shop["paid"][0].number
    for name, path in EVERY_PAGE.items():
        response = page.goto(live_server.url + path.format(n=number))
        assert response is not None
        allowed = name in ROLE_PAGES[role]
        assert response.status == (200 if allowed else 403), (role, name, response.status)
        if not allowed:
            expect(page.get_by_role("heading", level=1)).to_have_text(
                "You are not allowed to see this"
            )
        gates.check(f"{role} {name} ({response.status})")
    response = page.goto(f"{live_server.url}/orders/999999/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Nothing here")
    gates.check(f"{role} 404")
    # Logging out is a form's button; the address opened directly says so.
    response = page.goto(f"{live_server.url}/accounts/logout/")
    assert response is not None and response.status == 405
    gates.check(f"{role} 405")
    gates.assert_clean()


@pytest.mark.console_errors_expected(r"status of 4\d\d ")
@VIEWPORTS
def test_signed_out_pages(page: Page, live_server, shop, viewport, settings):
    page.set_viewport_size(viewport)
    gates = Gates(page)
    url = live_server.url

    page.goto(f"{url}/orders/")
    expect(page.locator("#login-reason")).to_be_visible()
    gates.check("login after a session ended")

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_role("button", name="Send the reset link").click()
    expect(page.locator(".errorlist").first).to_be_visible()
    gates.check("password reset with an error")
    page.locator("input[type=email]").fill("owner@example.com")
    page.get_by_role("button", name="Send the reset link").click()
    expect(page).to_have_url(f"{url}/accounts/password_reset/done/")
    gates.check("password reset sent")
    page.goto(f"{url}/accounts/reset/MQ/not-a-token/")
    gates.check("password reset link no longer valid")
    page.goto(f"{url}/accounts/reset/done/")
    gates.check("password reset complete")

    # A form whose CSRF cookie is gone (cleared, or rotated by a log-in in another tab) is
    # refused with the site's own page saying nothing was saved.
    page.goto(f"{url}/accounts/login/")
    page.context.clear_cookies(name="csrftoken")
    page.get_by_label("Username").fill("viewer")
    page.get_by_label("Password").fill("pass-viewer")
    page.get_by_label("Password").press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("This form was out of date")
    expect(page.get_by_role("alert")).to_contain_text("Nothing was saved")
    gates.check("form out of date (403 CSRF)")

    # Five wrong passwords lock the name out: the 429 page says why and for how long.
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT):
        page.goto(f"{url}/accounts/login/")
        page.get_by_label("Username").fill("viewer")
        page.get_by_label("Password").fill("wrong")
        page.get_by_label("Password").press("Enter")
        page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many failed log-in attempts")
    gates.check("locked out (429)")

    log_in(page, live_server, shop["owner"])
    page.goto(f"{url}/")
    page.get_by_role("button", name="Log out").click()
    # LOGOUT_REDIRECT_URL: logged out, the person is back on the log-in page, which says so.
    expect(page).to_have_url(f"{url}/accounts/login/")
    expect(page.get_by_role("status")).to_contain_text("You are logged out.")
    gates.check("logged out")
    gates.assert_clean()


def change_password(page: Page, *, old: str, new: str, again: str) -> None:
    page.get_by_label("Old password").fill(old)
    page.get_by_label("New password", exact=True).fill(new)
    page.get_by_label("New password confirmation").fill(again)
    page.get_by_label("New password confirmation").press("Enter")


@VIEWPORTS
def test_password_change(page: Page, live_server, shop, viewport):
    gates = signed_in(page, live_server, shop["packer"], viewport)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile(r"^packer\W+change your password")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change your password")
    gates.check("password change")
    change_password(page, old="wrong", new="short", again="other")
    expect(page.locator(".errorlist").first).to_be_visible()
    gates.check("password change with errors")
    new = "a-much-longer-passphrase-42"
    change_password(page, old="pass-packer", new=new, again=new)
    expect(page).to_have_url(f"{live_server.url}/accounts/password_change/done/")
    gates.check("password changed")
    gates.assert_clean()


@VIEWPORTS
def test_owner_forms_after_save_and_error(page: Page, live_server, shop, viewport):
    gates = signed_in(page, live_server, shop["owner"], viewport)
    url = live_server.url

    page.goto(f"{url}/settings/")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".message.success").first).to_be_visible()
    gates.check("settings saved")

    page.goto(f"{url}/webhooks/new/")
    page.get_by_label("URL", exact=False).first.fill("https://hooks.example.com/second")
    page.locator("main input[type=checkbox][name=events]").evaluate_all(
        "boxes => boxes.forEach((box) => { box.checked = false; })"
    )
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_events_error")).to_be_visible()
    gates.check("webhook endpoint without events")
    page.locator("main input[type=checkbox]").first.check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".message.success").first).to_be_visible()
    gates.check("webhook endpoint created")

    endpoint = shop["endpoint"]
    page.goto(f"{url}/webhooks/{endpoint.pk}/edit/")
    gates.check("webhook endpoint edit")
    page.locator("#id_url").fill("ftp://nope")
    page.locator("#id_url").press("Enter")
    expect(page.locator("#id_url_error")).to_be_visible()
    gates.check("webhook endpoint edit with an error")

    page.goto(f"{url}/webhooks/{endpoint.pk}/")
    page.get_by_role("button", name="Resend").click()
    expect(page.locator(".message").first).to_be_visible()
    gates.check("webhook delivery resent")

    page.goto(f"{url}/webhooks/{endpoint.pk}/delete/")
    gates.check("webhook endpoint delete confirmation")
    page.get_by_role("button", name=re.compile("Delete")).click()
    expect(page.locator(".message.success").first).to_be_visible()
    gates.check("webhook endpoint deleted")
    gates.assert_clean()


@VIEWPORTS
def test_saved_views_and_bulk_fulfil(page: Page, live_server, shop, viewport):
    gates = signed_in(page, live_server, shop["owner"], viewport)
    url = live_server.url

    # The packer shares "To ship" first; the owner's shared view of that name is refused.
    saved_view_save(user=shop["packer"], name="To ship", query="view=unfulfilled", shared=True)
    page.goto(f"{url}/orders/?view=unfulfilled")
    page.locator("summary", has_text="Save this view").click()
    page.get_by_label("Name", exact=True).fill("To ship")
    page.get_by_label("Share with everyone in the store").check()
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".message.error")).to_contain_text("exists already")
    gates.check("saved view refused")
    page.locator("summary", has_text="Save this view").click()
    page.get_by_label("Name", exact=True).fill("Mine to ship")
    page.get_by_role("button", name="Save view").click()
    expect(page.locator(".message.success").first).to_be_visible()
    gates.check("saved view saved")

    # Every order selected: the paid ones ship, the unpaid one is held for a confirmation.
    page.goto(f"{url}/orders/?view=all")
    page.locator("[data-select-all]").check()
    page.get_by_role("button", name="Fulfil selected").first.click()
    results = page.locator("#bulk-results")
    expect(results).to_contain_text("2 fulfilled")
    expect(page.get_by_role("button", name=re.compile("held order"))).to_be_visible()
    gates.check("bulk fulfil result with held orders")
    page.get_by_role("button", name=re.compile("held order")).click()
    expect(results).to_contain_text("1 fulfilled")
    gates.check("bulk fulfil result after confirming")
    gates.assert_clean()


@VIEWPORTS
def test_order_page_swaps_and_payments(page: Page, live_server, shop, viewport):
    """The states the order page and its payment panel swap in by htmx: a refused edit (an
    address the browser accepts and the server does not), a saved one, a shipped line, the
    order archived, a payment recorded, a refund refused."""
    gates = signed_in(page, live_server, shop["owner"], viewport)
    url = live_server.url
    order = shop["unpaid"]

    page.goto(f"{url}/orders/{order.number}/")
    page.get_by_role("link", name="Edit email").click()
    page.locator("#addresses input[type=email]").fill("ada@example")
    page.get_by_role("button", name="Save email").click()
    expect(page.locator("#addresses .errorlist")).to_be_visible()
    gates.check("order page, email refused")
    page.locator("#addresses input[type=email]").fill("ada@example.com")
    page.get_by_role("button", name="Save email").click()
    expect(page.locator("#buyer-email")).to_have_text("ada@example.com")
    gates.check("order page, email saved")

    page.goto(f"{url}/orders/{order.number}/")
    line = page.locator("#line-1")
    line.get_by_label("Tracking number").fill("1Z999AA10123456784")
    line.get_by_label("Tracking number").press("Enter")
    expect(page.locator(".fulfillment").first).to_be_visible()
    gates.check("order page, line shipped")
    page.get_by_role("button", name=re.compile(r"^Archive")).click()
    expect(page.locator(".badge.archived")).to_be_visible()
    gates.check("order page, archived")

    page.goto(f"{url}/orders/{order.number}/payments/")
    page.get_by_role("button", name="Mark as paid").click()
    confirm = page.locator("#owner-actions form.confirm button[type=submit]")
    expect(confirm).to_be_focused()
    gates.check("payments, confirming paid")
    confirm.click()
    expect(page.locator("#owner-actions .badge.paid")).to_be_visible()
    gates.check("payments, marked paid")
    page.get_by_label(re.compile("^Refund amount")).fill("999999")
    page.get_by_role("button", name="Record refund").click()
    expect(page.locator("#owner-actions .errorlist").first).to_be_visible()
    gates.check("payments, refund refused")
    gates.assert_clean()


@VIEWPORTS
def test_an_empty_store(page: Page, live_server, transactional_db, viewport):
    """A new store, before the first order or webhook: each page says there is nothing yet
    instead of showing an empty table."""
    gates = signed_in(page, live_server, make_user("owner"), viewport)
    for name, (path, says) in {
        "home": ("/", "No fulfilments this week yet."),
        "orders list": ("/orders/", "No orders match."),
        "orders list, search without a match": ("/orders/?q=nobody", "No orders match."),
        "pack station": ("/pack/", "Scan"),
        "packing slips": ("/pack/slips/?view=all", "No orders to print."),
        "pick list": ("/pack/pick-list/?view=all", "Nothing to pick"),
        "webhooks": ("/webhooks/", "No endpoints yet."),
    }.items():
        page.goto(live_server.url + path)
        expect(page.locator("main")).to_contain_text(says)
        gates.check(f"empty store: {name}")
    gates.assert_clean()
