"""The orders list in Chromium: filter, sort and page; the URL follows every step."""

from __future__ import annotations

import os
import re

from playwright.sync_api import Page, expect

from orders.models import PaymentStatus
from tests.conftest import make_user
from tests.factories import make_order

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


def test_orders_list_filter_sort_page(page: Page, live_server, transactional_db):
    make_user("viewer")
    paid = [make_order(lines=1, payment_status=PaymentStatus.PAID) for _ in range(55)]
    make_order(lines=1, payment_status=PaymentStatus.NOT_PAID, archived=True)
    numbers = sorted((o.number for o in paid), reverse=True)

    page.goto(f"{live_server.url}/accounts/login/?next=/orders/")
    page.fill("input[name=username]", "viewer")
    page.fill("input[name=password]", "pass-viewer")
    page.click("button[type=submit], input[type=submit]")
    expect(page).to_have_url(re.compile(r"/orders/$"))
    expect(page.locator("[data-count]")).to_have_text("56")

    # Filter row: choosing the field narrows the operators to the allowed ones.
    page.get_by_text("Filters", exact=True).click()
    row = page.locator("[data-filter-row]").first
    row.locator("select[name=f]").select_option("paymentStatus")
    expect(row.locator("select[name=op] option[value=gt]")).to_be_disabled()
    row.locator("select[name=op]").select_option("eq")
    row.locator("input[name=v]").fill("PAID")
    row.locator("input[name=v]").press("Enter")
    expect(page.locator("[data-count]")).to_have_text("55")
    expect(page).to_have_url(re.compile(r"f=paymentStatus&op=eq&v=PAID"))

    # A wrong value: the message appears next to the row, the page stays.
    row.locator("select[name=f]").select_option("number")
    row.locator("input[name=v]").fill("abc")
    row.locator("input[name=v]").press("Enter")
    expect(page.locator("#error-row-0")).to_contain_text("whole number")
    expect(row.locator("input[name=v]")).to_have_attribute("aria-invalid", "true")
    expect(row.locator("input[name=v]")).to_have_attribute("aria-describedby", "error-row-0")
    row.locator("select[name=f]").select_option("paymentStatus")
    row.locator("select[name=op]").select_option("eq")
    row.locator("input[name=v]").fill("PAID")
    row.locator("input[name=v]").press("Enter")
    expect(page.locator("#error-row-0")).to_be_empty()

    # Sort by number ascending from the column header.
    page.get_by_role("link", name=re.compile(r"^Number")).click()
    expect(page).to_have_url(re.compile(r"sort=number"))
    expect(page.locator("tbody tr").first).to_contain_text(f"#{numbers[-1]}")

    # Back to descending, then the next page by keyset cursor.
    page.get_by_role("link", name=re.compile(r"^Number")).click()
    expect(page).to_have_url(re.compile(r"sort=-number"))
    page.get_by_role("link", name="Next").first.click()
    expect(page).to_have_url(re.compile(rf"page=2&after={numbers[49]}|after={numbers[49]}&page=2"))
    expect(page.locator("tbody tr")).to_have_count(5)
    expect(page.locator("tbody tr").first).to_contain_text(f"#{numbers[50]}")

    # Reload restores the same state from the URL alone.
    page.reload()
    expect(page.locator("tbody tr")).to_have_count(5)
    expect(page.locator("[data-filter-row] select[name=f]").first).to_have_value("paymentStatus")

    # Back button returns to page one.
    page.go_back()
    expect(page.locator("tbody tr")).to_have_count(50)
