"""Login required everywhere, and production settings pass `check --deploy`."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ARGS = {
    "int": "10001",
    "uuid": "7001d34b-11a6-4a34-8746-dc8ababeca42",
    "str": "x",
    "slug": "x",
    "path": "x",
}


def page_urls(patterns=None, prefix: str = ""):
    """Every URL of the site outside the API (API keys: /api/ and Wix's own paths), /admin/
    (its own login) and /metrics (a bearer token: tests/config/ops/test_metrics.py)."""
    import re

    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(
            (
                "api/",
                "stores/v2/",
                "ecom/v1/",
                "admin/",
                "accounts/login",
                "accounts/password_reset",
                "accounts/reset",
                "static/",
                "metrics",
            )
        ):
            continue
        if isinstance(pattern, URLResolver):
            yield from page_urls(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            url = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLE_ARGS[m.group(1) or "str"], route)
            yield "/" + url.lstrip("^").rstrip("$")


def test_every_page_requires_login(client, db):
    urls = sorted(set(page_urls()))
    assert "/orders/" in urls
    for url in urls:
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 405), (method, url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/accounts/login/"), (method, url)


def test_admin_requires_login(client, db):
    response = client.get("/admin/orders/order/")
    assert response.status_code == 302
    assert "login/?next=/admin/orders/order/" in response["Location"]


@pytest.mark.django_db
def test_logged_in_user_without_role_is_refused(nobody):
    from tests.conftest import client_for

    assert client_for(nobody).get("/orders/").status_code == 403


def test_check_deploy_passes_under_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_") and key != "PYTEST_XDIST_WORKER"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "packdesk.example.com",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
