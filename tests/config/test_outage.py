"""While the database is down, the served app answers a clear 503 (JSON on /api/, a page
elsewhere) within the connection timeout instead of hanging, and serves again as soon as the
database is back: a PostgreSQL of this test's own is stopped and started under a running
server."""

from __future__ import annotations

import http.cookiejar
import json
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlparse

import pytest

from tests.own_postgres import manage, own_postgres, pg_ctl, start

WAIT = 90  # seconds; generous for a loaded 2-core machine, a passing run is much faster
CONNECT_TIMEOUT = 2

SETUP = """
from django.contrib.auth.models import Group, User
from orders.models import ApiKey
user = User.objects.create_user("owner", password="owner-outage-pass", is_staff=True)
user.groups.add(Group.objects.get(name="Owner"))
print("KEY", ApiKey.generate(user=user, name="outage")[1])
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served_app():
    """A PostgreSQL of this test's own (migrated, with an owner and an API key) and the app
    served on it by `runserver`; yields (server, base URL, API key)."""
    with own_postgres(
        "packdesk-503-",
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        PACKDESK_DB_CONNECT_TIMEOUT=str(CONNECT_TIMEOUT),
        PACKDESK_LOGIN_THROTTLE="0",
    ) as (server, env):
        yield from _serve(server, env)


def _serve(server, env: dict):
    key = re.search(r"^KEY (\S+)$", manage(env, "shell", "-c", SETUP), re.M).group(1)
    port = free_port()
    process = start(env, "runserver", "--noreload", f"127.0.0.1:{port}")
    ready = threading.Event()

    def read() -> None:
        for line in process.stdout:
            if "Quit the server with" in line:
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    try:
        assert ready.wait(WAIT), "runserver did not start"
        yield server, f"http://127.0.0.1:{port}", key
    finally:
        process.terminate()
        process.wait(timeout=30)


class Browser:
    """urllib with cookies, following nothing: what a browser and an API client would get."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect()
        )

    def request(self, path: str, *, data: bytes | None = None, headers: dict | None = None):
        """(status, content type, body text, seconds taken)."""
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})
        started = time.monotonic()
        try:
            with self.opener.open(request, timeout=WAIT) as response:
                status, head, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, head, body = error.code, error.headers, error.read()
        return status, head.get("Content-Type", ""), body.decode(), time.monotonic() - started

    def login(self, username: str, password: str) -> None:
        _, _, page, _ = self.request("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
        status, _, _, _ = self.request(
            "/accounts/login/", data=form.encode(), headers={"Referer": self.base + "/"}
        )
        assert status == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def api_query(browser: Browser, key: str):
    return browser.request(
        "/api/stores/v2/orders/query",
        data=json.dumps({"query": {}}).encode(),
        headers={"Authorization": key, "Content-Type": "application/json"},
    )


def test_database_outage_is_a_503_and_recovers(served_app):
    server, base, key = served_app
    browser = Browser(base)
    browser.login("owner", "owner-outage-pass")
    assert api_query(browser, key)[0] == 200
    assert browser.request("/orders/")[0] == 200

    socket_dir = parse_qs(urlparse(server.get_uri()).query)["host"][0]
    pg_ctl(server, "stop", "-m", "fast")

    status, content_type, body, seconds = api_query(browser, key)
    assert status == 503
    assert content_type.startswith("application/json")
    assert "database is unavailable" in json.loads(body)["message"]
    assert seconds < CONNECT_TIMEOUT + 5  # the connection timeout, not a hang

    status, content_type, body, seconds = browser.request("/orders/")
    assert status == 503
    assert content_type.startswith("text/html")
    assert "Temporarily unavailable" in body
    assert "database is unavailable" in body
    assert seconds < CONNECT_TIMEOUT + 5

    pg_ctl(server, "start", "-o", f'-h "" -k {socket_dir}', "-l", str(server.log))

    # Back: the pool reconnects in the background (psycopg_pool's backoff grows from 1 s while
    # the database is down), so requests are served again within seconds, each one until then
    # a 503, never a 500 or a hang.
    restarted = time.monotonic()
    answers = []
    while time.monotonic() - restarted < WAIT:
        status, content_type, _, seconds = api_query(browser, key)
        answers.append(status)
        assert content_type.startswith("application/json")
        assert seconds < CONNECT_TIMEOUT + 5
        if status == 200:
            break
    assert answers[-1] == 200, answers
    assert set(answers) <= {200, 503}, answers
    assert browser.request("/orders/")[0] == 200
