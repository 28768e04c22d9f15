"""Browser tests wait for what a person would see; on a loaded 2-core CI machine a swap can take
longer than Playwright's 5 s default, so assertions wait up to 15 s (they pass as soon as the
page is right)."""

import os

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import Page, expect

expect.set_options(timeout=15_000)


@pytest.fixture
def logged_in(live_server, page: Page) -> Page:
    """A browser page with a staff session. Transactional tests flush the role groups, so
    the user is a superuser (every permission)."""
    user = User.objects.create_superuser(username="boss", password="pass-boss")
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    return page
