"""The home page in Chromium: a 390 px phone and a 1440 px desk, axe-clean, no sideways
scroll; the keyboard reaches the backlog links; the minute's poll pauses while the tab is
hidden, catches up when it is shown again and keeps open chart tables open."""

from __future__ import annotations

import os
import re

import pytest
from django.test import Client
from playwright.sync_api import Page, expect

from fulfillments.services import fulfillment_create
from orders.models import PaymentStatus
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from tests.browser.a11y import (
    assert_accessible,
    assert_no_horizontal_overflow,
    assert_touch_targets,
)
from tests.conftest import make_user
from tests.factories import make_order

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def log_in(page: Page, live_server, role: str):
    user = make_user(role)
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return user


def some_orders(packer) -> None:
    for n in range(6):
        order = make_order(lines=2, payment_status=PaymentStatus.PAID)
        if n % 2:
            fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    make_order(lines=1, payment_status=PaymentStatus.NOT_PAID)
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/a/rather/long/path/for/the/packdesk/webhooks", events=[]
    )
    event = WebhookEvent.objects.create(event_type=WebhookEventType.ORDER_PAID, payload={})
    WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status=WebhookDeliveryStatus.FAILED, attempts=3
    )


@pytest.mark.parametrize("width", [390, 1440])
def test_home_at_phone_and_desk_widths(page: Page, live_server, transactional_db, width, tmp_path):
    log_in(page, live_server, "owner")
    some_orders(make_user("packer"))
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{live_server.url}/")

    expect(page.get_by_role("heading", name="Waiting to ship")).to_be_visible()
    expect(page.locator("#fig-backlog .count")).to_have_text("6")
    expect(page.get_by_role("img", name=re.compile("Orders placed and shipped"))).to_be_visible()
    shot = tmp_path / f"home-{width}.png"
    page.screenshot(path=shot, full_page=True)
    assert shot.stat().st_size > 10_000
    assert_no_horizontal_overflow(page)
    assert_accessible(page)

    # Each chart's "Show as a table" says which table it opens, and is thumb-sized on a phone.
    names = [s.evaluate("el => el.textContent") for s in page.locator("summary").all()]
    assert names == [
        "Show as a table: orders placed and shipped per day",
        "Show as a table: median time to first shipment per week",
    ]
    if width == 390:
        assert_touch_targets(page, "summary")
    # The tables behind the charts, opened, pass too.
    for summary in page.locator("summary").all():
        summary.click()
    expect(page.get_by_role("table", name="Orders placed and shipped per day")).to_be_visible()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)


def test_home_backlog_link_by_keyboard_opens_the_same_orders(
    page: Page, live_server, transactional_db
):
    packer = log_in(page, live_server, "packer")
    some_orders(packer)
    page.goto(f"{live_server.url}/")
    link = page.locator("#fig-backlog")
    # Tab from the top of the page until the backlog link has focus.
    for _ in range(15):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "fig-backlog":
            break
    expect(link).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/orders/\?filter="))
    expect(page.locator("[data-count]")).to_have_text("6")


def test_home_poll_pauses_while_hidden(page: Page, live_server, transactional_db):
    log_in(page, live_server, "viewer")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#figures")).to_be_visible()
    polls: list[str] = []
    page.on(
        "request",
        lambda request: polls.append(request.url) if request.headers.get("hx-request") else None,
    )

    page.locator("#table-placed summary").click()

    # Hidden: the poll's request is cancelled.
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => true})"
    )
    page.evaluate("htmx.trigger(document.querySelector('[data-poll]'), 'packdesk-refresh')")
    # Shown again: one refresh at once, which swaps in fresh figures.
    page.evaluate("document.querySelector('#figures').dataset.stale = 'yes'")
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    expect(page.locator("#figures:not([data-stale])")).to_be_visible()
    assert len(polls) == 1
    # The table opened before the refresh is still open.
    expect(page.locator("#table-placed")).to_have_attribute("open", "")
