"""Browser tests wait for what a person would see; on a loaded 2-core CI machine a swap can take
longer than Playwright's 5 s default, so assertions wait up to 15 s (they pass as soon as the
page is right)."""

import os
import re
from urllib.parse import urlsplit

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


# Pages whose console must stay clean: the orders list, the order page and its sub-pages.
CLEAN_CONSOLE_PATHS = re.compile(r"^/orders/")


@pytest.fixture(autouse=True)
def _no_console_errors(request):
    """Fail a browser test when the orders list or an order page logs a console error or
    throws (an htmx `oobErrorNoTarget`, a script exception, a failed resource). A test that
    provokes failures on purpose lists the messages it expects with
    `@pytest.mark.console_errors_expected(r"regex", ...)`."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    marker = request.node.get_closest_marker("console_errors_expected")
    expected = [re.compile(pattern) for pattern in (marker.args if marker else ())]
    errors: list[str] = []

    def record(text: str) -> None:
        if CLEAN_CONSOLE_PATHS.match(urlsplit(page.url).path) and not any(
            pattern.search(text) for pattern in expected
        ):
            errors.append(f"{page.url}: {text}")

    page.on(
        "console",
        lambda message: (
            record(f"{message.text} ({message.location.get('url', '')})")
            if message.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda exc: record(str(exc)))
    yield
    assert errors == [], "console errors:\n" + "\n".join(errors)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "console_errors_expected(*patterns): console errors a test provokes on purpose"
    )
