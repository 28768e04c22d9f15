"""`make serve` as a subprocess on a free port: it answers pages, static files, the API's
login redirect, health and metrics, and Ctrl-C stops every process it started."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.contrib.auth.models import User
from django.db import connection

from config.ops.serve import secret_key
from tests.conftest import make_user

ROOT = Path(__file__).resolve().parents[3]
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url() -> str:
    """The test database (committed data under transactional_db) as a DATABASE_URL."""
    s = connection.settings_dict
    query = urllib.parse.urlencode({"host": s["HOST"]}) if s["HOST"].startswith("/") else ""
    netloc = "" if query else f"{s['HOST']}:{s['PORT']}"
    auth = urllib.parse.quote(s["USER"] or "")
    if s["PASSWORD"]:
        auth += ":" + urllib.parse.quote(s["PASSWORD"])
    return f"postgresql://{auth}@{netloc}/{s['NAME']}" + (f"?{query}" if query else "")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(opener, url: str, data: dict | None = None, headers: dict | None = None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def wait_until(condition, what: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_secret_key_is_generated_once_and_private(tmp_path):
    path = tmp_path / "secret"
    first = secret_key(path)
    assert len(first) >= 50
    assert path.stat().st_mode & 0o777 == 0o600
    assert secret_key(path) == first


@pytest.mark.django_db(transaction=True)
def test_make_serve_answers_and_stops_on_ctrl_c(tmp_path):
    user = make_user("packer", username="server-user")
    # The served processes use production's hashers, not the tests' fast one.
    user.password = PBKDF2PasswordHasher().encode("pass-packer", "servetestsalt")
    user.save(update_fields=["password"])
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "PROMETHEUS_"))
    }
    env.update(
        {
            "DATABASE_URL": database_url(),
            "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
            "PACKDESK_SECRET_KEY_FILE": str(tmp_path / "secret"),
            "PACKDESK_METRICS_TOKEN": "metrics-token",
            "WEB_CONCURRENCY": "2",
            "DATABASE_POOL_MAX_SIZE": "2",
        }
    )
    server = subprocess.Popen(
        ["make", "-s", "serve", "HOST=127.0.0.1", f"PORT={port}"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    plain = urllib.request.build_opener(NoRedirect)
    try:

        def healthy() -> bool:
            if server.poll() is not None:
                raise AssertionError(server.stdout.read().decode())
            try:
                return fetch(plain, f"{base}/healthz")[0] == 200
            except OSError:
                return False

        wait_until(healthy, "/healthz")
        assert (tmp_path / "secret").exists()
        # The worker runs the heartbeat that readiness waits for.
        wait_until(lambda: fetch(plain, f"{base}/readyz")[0] == 200, "/readyz")

        status, headers, _ = fetch(plain, f"{base}/orders/")
        assert status == 302
        assert headers["Location"].startswith("/accounts/login/")
        # Production settings: no debug page for an unknown URL, static files by whitenoise.
        status, _, body = fetch(plain, f"{base}/no-such-page/")
        assert status in (302, 404)
        assert "Traceback" not in body
        status, headers, _ = fetch(plain, f"{base}/static/css/packdesk.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")

        # Log in over HTTP with the CSRF token, then the list page renders.
        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect)
        _, _, page = fetch(browser, f"{base}/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, headers, _ = fetch(
            browser,
            f"{base}/accounts/login/",
            {"username": "server-user", "password": "pass-packer", "csrfmiddlewaretoken": token},
            {"Referer": f"{base}/accounts/login/"},
        )
        assert status == 302, "login failed"
        status, _, page = fetch(browser, f"{base}/orders/")
        assert status == 200
        assert "<table" in page

        status, _, text = fetch(
            plain, f"{base}/metrics", headers={"Authorization": "Bearer metrics-token"}
        )
        assert status == 200
        assert 'view="orders:list"' in text
        assert json.loads(fetch(plain, f"{base}/healthz")[2]) == {"status": "ok"}
    finally:
        # Ctrl-C in a terminal signals the whole foreground process group.
        os.killpg(server.pid, signal.SIGINT)
        try:
            server.wait(timeout=60)
        finally:
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)

    def group_gone() -> bool:
        try:
            os.killpg(server.pid, 0)
        except ProcessLookupError:
            return True
        return False

    wait_until(group_gone, "every served process to exit", timeout=30)
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    assert User.objects.filter(username="server-user").exists()
