"""Full-page forms (log in, store settings, a webhook endpoint) by keyboard alone: after a
refused post the cursor is on the error (the field in error, or the error about the whole
form), so a screen reader reads it at once, and the error stands next to its field."""

from __future__ import annotations

import os
import re

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from django.test import Client
from playwright.sync_api import Page, expect

from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from tests.browser.a11y import (
    assert_accessible,
    assert_descriptions_exist,
    assert_no_horizontal_overflow,
    assert_touch_targets,
)
from tests.conftest import make_user
from tests.factories import make_order


def session_cookie(user, url: str) -> dict:
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": url}


def test_wrong_password_focuses_the_error_then_the_form(page: Page, live_server, transactional_db):
    make_user("owner")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/accounts/login/")
    username = page.get_by_label("Username")
    expect(username).to_be_focused()
    page.keyboard.type("owner")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")

    error = page.locator("form .errorlist.nonfield")
    expect(error).to_contain_text("Please enter a correct username and password")
    expect(error).to_be_focused()
    assert_accessible(page)
    assert_no_horizontal_overflow(page)
    page.keyboard.press("Tab")
    expect(username).to_be_focused()
    expect(username).to_have_value("owner")
    page.keyboard.press("Tab")
    page.keyboard.type("pass-owner")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")


def test_settings_and_webhook_errors_put_the_cursor_in_the_field(
    page: Page, live_server, transactional_db
):
    make_user("owner")
    page.goto(f"{live_server.url}/accounts/login/")
    page.keyboard.type("owner")
    page.keyboard.press("Tab")
    page.keyboard.type("pass-owner")
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/settings/")
    name = page.get_by_label("Store name")
    name.focus()
    name.fill("")
    page.keyboard.press("Enter")
    expect(page.locator("#id_store_name_error")).to_be_visible()
    expect(name).to_be_focused()
    expect(name).to_have_attribute("aria-invalid", "true")
    help_text = page.locator("#id_store_name_helptext").text_content()
    expect(name).to_have_accessible_description(f"{help_text} This field is required.")
    assert_descriptions_exist(page)
    assert_accessible(page)

    page.goto(f"{live_server.url}/webhooks/new/")
    url = page.get_by_label("URL", exact=False).first
    url.focus()
    page.keyboard.type("not a url")
    page.keyboard.press("Enter")
    expect(page.locator("#id_url_error")).to_be_visible()
    expect(page.locator("#id_url")).to_be_focused()
    expect(page.locator("#id_url")).to_have_accessible_description(re.compile(r"Enter a valid URL"))
    assert_descriptions_exist(page)
    assert_accessible(page)


def test_settings_and_webhook_form_on_a_phone(page: Page, live_server, transactional_db):
    """At 390 px a checkbox's label sits beside it (a long one used to drop below the box),
    each row is thumb-tall, and a field's help text is a line under the field, not the
    tail of its line."""
    owner = make_user("owner")
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([session_cookie(owner, live_server.url)])
    for path, field in (("/settings/", "#id_store_name"), ("/webhooks/new/", "#id_url")):
        page.goto(live_server.url + path)
        boxes = page.locator("main input[type=checkbox]")
        expect(boxes.first).to_be_visible()
        for box in boxes.all():
            label = page.locator(f"label[for='{box.get_attribute('id')}']")
            tick, text = box.bounding_box(), label.bounding_box()
            if not label.evaluate("(label, box) => label.contains(box)", box.element_handle()):
                beside = text["x"] >= tick["x"] + tick["width"]
                assert beside and text["y"] < tick["y"] + tick["height"], (tick, text)
            assert text["height"] >= 44, label.text_content()
        help_box = page.locator(f"{field}_helptext").bounding_box()
        field_box = page.locator(field).bounding_box()
        assert help_box["y"] >= field_box["y"] + field_box["height"]
        assert_no_horizontal_overflow(page)
        assert_accessible(page)


def test_webhook_pages_actions_are_thumb_sized_on_a_phone(
    page: Page, live_server, transactional_db
):
    """Edit and Delete beside each other, Cancel beside the Delete button: 44 px tall and
    apart at 390 px (they were 19 px links a few pixels apart)."""
    owner = make_user("owner")
    endpoint = WebhookEndpoint.objects.create(
        url="https://hooks.example.com/packdesk", events=["OrderPaid"], secret="s" * 40
    )
    event = WebhookEvent.objects.create(
        event_type=WebhookEventType.ORDER_PAID, order=make_order(), payload={}
    )
    WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status="failed", attempts=3, last_response_code=500
    )
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([session_cookie(owner, live_server.url)])
    for path in ("/webhooks/", f"/webhooks/{endpoint.pk}/", f"/webhooks/{endpoint.pk}/delete/"):
        page.goto(live_server.url + path)
        assert_touch_targets(page, "main .action-link, main form button", minimum=40)
        assert_touch_targets(page, "main .action-link")
        assert_no_horizontal_overflow(page)
        assert_accessible(page)
    # Every column of the endpoints and deliveries tables is on screen (one card per row),
    # none out of sight in a sideways-scrolling box.
    page.goto(f"{live_server.url}/webhooks/")
    for shown in ("Edit", "Delete"):
        expect(page.get_by_role("link", name=shown, exact=True)).to_be_in_viewport(ratio=1)
    failed = page.locator("td[data-label=Failed]")
    expect(failed).to_have_text("1")
    expect(failed).to_be_in_viewport(ratio=1)
    page.goto(f"{live_server.url}/webhooks/{endpoint.pk}/")
    expect(page.locator("td[data-label=Attempts]")).to_have_text("3")
    expect(page.get_by_role("button", name="Resend")).to_be_visible()
    for region in page.locator(".table-wrap").all():
        assert region.evaluate("el => el.scrollWidth <= el.clientWidth"), "scrolls sideways"
