"""The site's 500 page as a person meets it: its own words, no sideways scrolling on a phone,
axe-core clean, and its one link reached from the keyboard."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from playwright.sync_api import Page, expect

import orders.views
from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow


# The browser reports the page's own status; that is what this test is about.
@pytest.mark.console_errors_expected(r"status of 500")
def test_server_error_page_is_the_sites_own(live_server, logged_in: Page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the list")

    monkeypatch.setattr(orders.views, "order_listing", broken)
    page = logged_in
    for size in ({"width": 390, "height": 844}, {"width": 1440, "height": 900}):
        page.set_viewport_size(size)
        response = page.goto(f"{live_server.url}/orders/")
        assert response is not None and response.status == 500
        expect(page.get_by_role("heading", level=1)).to_have_text("Something went wrong")
        expect(page.get_by_role("alert")).to_contain_text("nothing of it was saved")
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
        if os.environ.get("PACKDESK_SCREENSHOTS"):
            page.screenshot(path=f"/tmp/error-500-{size['width']}.png")
    # Keyboard: the brand link, then the way home.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Packdesk")).to_be_focused()
    page.keyboard.press("Tab")
    home = page.get_by_role("link", name="Go to the home page")
    expect(home).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")
