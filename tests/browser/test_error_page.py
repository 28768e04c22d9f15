"""The site's 500 and 400 pages as a person meets them: their own words, no sideways scrolling
on a phone, axe-core clean, and the way home reached from the keyboard."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

import orders.views
from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow


def assert_error_page(page: Page, url: str, status: int, heading: str, alert: str) -> None:
    """At a phone's and a desk's width: the status, the page's own words, no sideways
    scrolling, axe-core clean."""
    for size in ({"width": 390, "height": 844}, {"width": 1440, "height": 900}):
        page.set_viewport_size(size)
        response = page.goto(url)
        assert response is not None and response.status == status
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        expect(page.get_by_role("alert")).to_contain_text(alert)
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
        if os.environ.get("PACKDESK_SCREENSHOTS"):
            page.screenshot(path=f"/tmp/error-{status}-{size['width']}.png")


def go_home_by_keyboard(page: Page, live_server) -> None:
    """From the top of the page: Tab to the brand link, Tab to the way home, Enter."""
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Packdesk")).to_be_focused()
    page.keyboard.press("Tab")
    home = page.get_by_role("link", name="Go to the home page")
    expect(home).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")


# The browser reports the page's own status; that is what this test is about.
@pytest.mark.console_errors_expected(r"status of 500")
def test_server_error_page_is_the_sites_own(live_server, logged_in: Page, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a fault in the list")

    monkeypatch.setattr(orders.views, "order_listing", broken)
    url = f"{live_server.url}/orders/"
    assert_error_page(logged_in, url, 500, "Something went wrong", "nothing of it was saved")
    go_home_by_keyboard(logged_in, live_server)


# A link mangled into more query fields than Django reads (DATA_UPLOAD_MAX_NUMBER_FIELDS) is a
# SuspiciousOperation: Django answers 400 through config.errors.bad_request and 400.html.
@pytest.mark.console_errors_expected(r"status of 400")
def test_bad_request_page_is_the_sites_own(live_server, logged_in: Page):
    fields = "&".join(f"v={n}" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    url = f"{live_server.url}/orders/?{fields}"
    assert_error_page(logged_in, url, 400, "Request not understood", "nothing was changed")
    expect(logged_in).to_have_title("Request not understood - Packdesk")
    go_home_by_keyboard(logged_in, live_server)
    expect(logged_in.get_by_role("heading", level=1)).to_be_visible()
