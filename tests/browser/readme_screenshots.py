"""README screenshots: the orders list and an order page at a phone and a desk width.

Re-run with `make screenshots`: it seeds a throwaway test database with demo orders (the same
generator as `make run`), serves it, logs in as an owner and writes the PNGs into
static/screenshots/. It is a pytest module (for the live server and Chromium fixtures), not
part of the test suite.
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from playwright.sync_api import Page, expect

from orders.models import Order
from tests.conftest import make_user

OUT = Path(__file__).resolve().parents[2] / "static" / "screenshots"
SIZES = {"390": {"width": 390, "height": 844}, "1440": {"width": 1440, "height": 900}}


def owner_session(page: Page, live_server, width: str) -> None:
    """Log an owner in (a session cookie) and size the page for `width`."""
    client = Client()
    client.force_login(make_user("owner"))
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page.set_viewport_size(SIZES[width])
    OUT.mkdir(exist_ok=True)


@pytest.mark.parametrize("width", SIZES)
def test_screenshots(page: Page, live_server, transactional_db, width):
    call_command("seed_orders", orders=120, seed=0.5, verbosity=0)
    owner_session(page, live_server, width)
    page.goto(f"{live_server.url}/orders/?view=unfulfilled")
    expect(page.locator("[data-count]")).to_be_visible()
    if width == "390":
        # On a phone, show the orders as the cards they become.
        page.locator("table.orders").evaluate("table => table.scrollIntoView({block: 'start'})")
    page.screenshot(
        path=OUT / f"orders-list-{width}.png",
    )
    order = (
        Order.objects.filter(fulfillment_status="PARTIALLY_FULFILLED", line_items__index=3)
        .order_by("-number")
        .first()
    )
    page.goto(f"{live_server.url}/orders/{order.number}/")
    expect(page.get_by_role("heading", name=f"Order #{order.number}")).to_be_visible()
    page.screenshot(path=OUT / f"order-page-{width}.png", full_page=True)


@pytest.mark.parametrize("width", SIZES)
def test_home_screenshot(page: Page, live_server, transactional_db, width):
    """The home page over three years of demo orders (about 20 a day)."""
    with connection.cursor() as cursor:
        # A seed this size takes longer than a request may.
        cursor.execute("SET statement_timeout = 0")
    call_command("seed_orders", orders=20_000, seed=0.5, verbosity=0)
    owner_session(page, live_server, width)
    page.goto(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="Waiting to ship")).to_be_visible()
    page.screenshot(path=OUT / f"home-{width}.png", full_page=True)
