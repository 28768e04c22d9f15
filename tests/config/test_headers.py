"""Every response carries the Content-Security-Policy and `Cache-Control: no-store`; the
templates hold nothing that the policy would block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import api_client_for

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def csp_directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


def assert_strict_headers(response) -> None:
    directives = csp_directives(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= cache_control


@pytest.mark.parametrize("url", ["/orders/", "/", "/webhooks/", "/admin/", "/admin/orders/order/"])
def test_authenticated_pages_have_csp_and_no_store(owner_client, url):
    response = owner_client.get(url)
    assert response.status_code == 200
    assert_strict_headers(response)


def test_order_page_has_csp_and_no_store(owner_client, spec_orders):
    response = owner_client.get("/orders/10012/")
    assert response.status_code == 200
    assert_strict_headers(response)


def test_login_page_and_redirects_have_csp_and_no_store(client, db):
    assert_strict_headers(client.get("/accounts/login/"))
    assert_strict_headers(client.get("/orders/"))


def test_api_responses_have_no_store(owner, client):
    api = api_client_for(owner)
    ok = api.post("/api/stores/v2/orders/query", {"query": {}})
    assert ok.status_code == 200
    assert_strict_headers(ok)
    refused = client.post("/api/stores/v2/orders/query", "{}", content_type="application/json")
    assert refused.status_code == 401
    assert_strict_headers(refused)


def test_templates_have_no_inline_code_or_styles():
    """Inline scripts, event-handler attributes, htmx's evaluated hx-on/js: values and style
    attributes would be blocked by the policy (and fail silently for the user)."""
    forbidden = [
        (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "inline <script>"),
        (re.compile(r"<style\b", re.I), "<style> element"),
        (re.compile(r"\sstyle\s*=", re.I), "style attribute"),
        (re.compile(r"\son[a-z]+\s*=", re.I), "event-handler attribute"),
        (re.compile(r"\shx-on", re.I), "hx-on attribute"),
        (re.compile(r"(hx-vals|hx-vars)\s*=\s*['\"]\s*js:", re.I), "evaluated hx-vals"),
        (re.compile(r"javascript:", re.I), "javascript: URL"),
    ]
    found = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text()
        for pattern, what in forbidden:
            found += [f"{template.relative_to(TEMPLATES)}: {what}" for _ in pattern.findall(text)]
    assert found == []
