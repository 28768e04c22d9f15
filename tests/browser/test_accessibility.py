"""axe-core (WCAG 2.2 A/AA) on every page and state a person reaches, at a phone and a desk
width, and no page scrolls sideways."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from fulfillments.services import fulfillment_create
from orders.models import PaymentStatus
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow
from tests.conftest import make_user
from tests.factories import make_order

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1440, "height": 900}


def log_in(page: Page, live_server, user) -> None:
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def check(page: Page, failures: list[str], name: str) -> None:
    for gate in (assert_accessible, assert_no_horizontal_overflow):
        try:
            gate(page)
        except AssertionError as error:
            failures.append(f"[{name}] {error}")


@pytest.fixture
def store(transactional_db):
    """A shipped order, an open one with a long line, a paid one, and a webhook endpoint with
    a failed delivery."""
    owner = make_user("owner")
    make_user("viewer")
    open_order = make_order(
        lines=[
            {
                "quantity": 2,
                "name": "Organic cotton crew-neck T-shirt, heather grey",
                "sku": "TS-01",
            },
            {
                "quantity": 1,
                "name": "Mug",
                "sku": "MUG-1",
                "options": [{"option": "Colour", "selection": "Blue"}],
            },
        ],
        payment_status=PaymentStatus.NOT_PAID,
    )
    shipped = make_order(lines=1, payment_status=PaymentStatus.PAID)
    fulfillment_create(
        order=shipped,
        lines=[(1, 1)],
        tracking={"trackingNumber": "1Z999", "shippingProvider": "ups"},
        actor=owner,
    )
    for _ in range(3):
        make_order(lines=3, payment_status=PaymentStatus.PAID)
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/packdesk", events=[WebhookEventType.ORDER_PAID]
    )
    event = WebhookEvent.objects.create(
        event_type=WebhookEventType.ORDER_PAID, order=shipped, payload={}
    )
    WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status="failed", attempts=3, last_response_code=500
    )
    return {"owner": owner, "open": open_order, "shipped": shipped, "endpoint": endpoint}


# Chromium logs the document's own 404 when the test opens the unknown page on purpose.
@pytest.mark.console_errors_expected(r"status of 404 .*/orders/999999/\)$")
@pytest.mark.parametrize("viewport", [PHONE, DESK], ids=["390x844", "1440x900"])
def test_every_page_passes_axe_and_fits(page: Page, live_server, store, viewport):
    page.set_viewport_size(viewport)
    failures: list[str] = []
    url = live_server.url
    open_n, shipped_n = store["open"].number, store["shipped"].number

    page.goto(f"{url}/accounts/login/")
    check(page, failures, "login")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", "wrong")
    page.click("button[type=submit]")
    expect(page.locator(".errorlist, .errornote").first).to_be_visible()
    check(page, failures, "login with error")

    log_in(page, live_server, store["owner"])
    pages = {
        "home": "/",
        "orders list": "/orders/",
        "orders list, filtered": "/orders/?view=unpaid&q=Ada",
        "orders list with errors": "/orders/?f=number&op=gt&v=abc",
        "orders list, bad JSON": "/orders/?filter=%7Bnope",
        "order page, open": f"/orders/{open_n}/",
        "order page, shipped": f"/orders/{shipped_n}/",
        "order page, email form": f"/orders/{open_n}/email/",
        "order page, address form": f"/orders/{open_n}/shipping-address/",
        "payments": f"/orders/{shipped_n}/payments/",
        "webhooks": "/webhooks/",
        "webhook endpoint": f"/webhooks/{store['endpoint'].pk}/",
        "webhook form": "/webhooks/new/",
        "store settings": "/settings/",
        "admin index": "/admin/",
        "form-only address opened directly (405)": "/fulfillments/bulk/",
        "unknown page (404)": "/orders/999999/",
    }
    for name, path in pages.items():
        page.goto(url + path)
        check(page, failures, name)

    # The list's tools open: filters, saving a view, the export dialog.
    page.goto(f"{url}/orders/")
    for summary in ("Filters", "Save this view", "Export CSV"):
        page.locator("summary", has_text=summary).click()
    expect(page.get_by_role("button", name="Download CSV")).to_be_visible()
    check(page, failures, "orders list, tools open")

    # Orders selected: the sticky bulk bar with its count and "Clear selection".
    page.goto(f"{url}/orders/")
    page.locator("input[type=checkbox][name=order]").first.check()
    expect(page.get_by_role("button", name="Clear selection")).to_be_visible()
    # Going back up by keyboard, the header's controls come into view below the sticky bar.
    page.locator("[data-select-all]").focus()
    check(page, failures, "orders list, orders selected")

    # A money action asks first, with a summary.
    page.goto(f"{url}/orders/{shipped_n}/payments/")
    page.get_by_role("button", name="Record refund").click()
    expect(page.get_by_role("button", name=re.compile(r"^Yes, refund"))).to_be_focused()
    check(page, failures, "payments, confirming a refund")

    # States reached by clicking on the order page.
    page.goto(f"{url}/orders/{shipped_n}/")
    page.get_by_role("link", name="Edit tracking").click()
    expect(page.get_by_role("button", name="Save tracking")).to_be_visible()
    check(page, failures, "order page, editing tracking")
    page.goto(f"{url}/orders/{shipped_n}/")
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("button", name="Yes, delete")).to_be_visible()
    check(page, failures, "order page, confirming delete")
    page.goto(f"{url}/orders/{open_n}/")
    line = page.locator("#line-1")
    line.get_by_label("Quantity").fill("9")
    line.get_by_label("Tracking number").fill("X1")
    line.get_by_label("Tracking number").press("Enter")
    expect(line.locator(".errorlist")).to_be_visible()
    check(page, failures, "order page, line form with error")

    assert not failures, "\n\n".join(failures)
