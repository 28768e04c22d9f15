"""Under the Content-Security-Policy the pages and the Django admin still work in Chromium,
and the browser reports no violation (nor any other console error) on the way."""

from __future__ import annotations

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import re

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from tests.factories import make_order


def is_csp_violation(message) -> bool:
    return message.type == "error" and "Content Security Policy" in message.text


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Every CSP violation and uncaught script exception of the page. Chromium logs each
    violation as a console error ("Refused to ... because it violates the following Content
    Security Policy directive ...")."""
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if is_csp_violation(msg) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def log_in(page: Page, live_server, path: str) -> None:
    User.objects.create_superuser(username="boss", password="pass-boss-1234")
    page.goto(f"{live_server.url}{path}")
    page.get_by_label("Username").fill("boss")
    page.get_by_label("Password").fill("pass-boss-1234")
    page.get_by_label("Password").press("Enter")


def test_pages_work_under_the_csp(live_server, transactional_db, page: Page, console_errors):
    orders = [make_order(lines=[{"quantity": 2, "name": "Mug"}]) for _ in range(3)]
    log_in(page, live_server, "/accounts/login/?next=/orders/")
    expect(page).to_have_url(re.compile(r"/orders/$"))
    expect(page.locator("[data-count]")).to_have_text("3")

    # The list's filter row (packdesk.js) and an htmx swap of the results.
    page.locator("summary", has_text="Filters").click()
    row = page.locator("[data-filter-row]").first
    row.locator("select[name=f]").select_option("number")
    expect(row.locator("select[name=op] option[value=contains]")).to_be_disabled()
    row.locator("select[name=op]").select_option("eq")
    row.locator("input[name=v]").fill(str(orders[0].number))
    row.locator("input[name=v]").press("Enter")
    expect(page.locator("[data-count]")).to_have_text("1")

    # The order page: add tracking through htmx.
    page.goto(f"{live_server.url}/orders/{orders[0].number}/")
    line = page.locator("#line-1")
    line.get_by_label("Tracking number").fill("CSP-1")
    line.get_by_label("Tracking number").press("Enter")
    expect(page.get_by_text("Line 1 fulfilled.")).to_be_visible()

    page.goto(f"{live_server.url}/webhooks/new/")
    expect(page.get_by_label("URL")).to_be_visible()
    assert console_errors == [], "\n".join(console_errors)


def test_admin_works_under_the_csp(live_server, transactional_db, page: Page, console_errors):
    order = make_order(lines=1)
    log_in(page, live_server, "/admin/login/?next=/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()

    # The change list's actions (admin/js/actions.js): select all shows the counter.
    page.goto(f"{live_server.url}/admin/orders/order/")
    page.locator("#action-toggle").check()
    expect(page.locator(".action-counter")).to_contain_text("1 of 1 selected")

    page.goto(f"{live_server.url}/admin/orders/order/{order.pk}/change/")
    expect(page.get_by_role("heading", name=re.compile("Change order"))).to_be_visible()

    # The user form's widgets (related-object links, filter_horizontal for permissions).
    page.goto(f"{live_server.url}/admin/auth/user/add/")
    expect(page.get_by_label("Username")).to_be_visible()
    page.goto(f"{live_server.url}/admin/auth/user/{User.objects.get().pk}/change/")
    expect(page.locator("#id_user_permissions_from")).to_be_visible()
    assert console_errors == [], "\n".join(console_errors)
