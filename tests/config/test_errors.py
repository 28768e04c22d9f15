"""Every /api/ failure is the JSON error with the right status, under production settings
(DEBUG off), whatever raised it; pages get a plain error page."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.urls import resolve

import orders.api
from tests.conftest import client_for, make_user
from tests.test_security import SAMPLE_ARGS, page_urls

STORES = "/api/stores/v2/orders"


def assert_json_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


def test_production_settings_under_test():
    assert settings.DEBUG is False


def test_unexpected_exception_is_json_500(order_factory, viewer_api, monkeypatch):
    order = order_factory()

    def broken(order):
        raise RuntimeError("boom")

    monkeypatch.setattr(orders.api, "order_to_dict", broken)
    body = assert_json_error(viewer_api.get(f"{STORES}/{order.pk}"), 500)
    assert "boom" not in body["message"]  # no internals leak


def test_body_over_upload_limit_is_json_413(viewer_api):
    filler = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
    body = assert_json_error(
        viewer_api.post(f"{STORES}/query", json.dumps({"query": {}, "pad": filler})), 413
    )
    assert str(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) in body["message"]


def test_unknown_api_path_is_json_404(viewer_api):
    assert_json_error(viewer_api.get("/api/stores/v2/nothing-here"), 404)
    assert_json_error(Client().get("/api/nowhere"), 404)


def test_wrong_method_is_json_405(viewer_api):
    response = viewer_api.get(f"{STORES}/query")
    assert_json_error(response, 405)
    assert "POST" in response["Allow"]
    assert "no-store" in response["Cache-Control"]  # inner middleware's headers kept


def test_disallowed_host_is_json_400():
    response = Client(HTTP_HOST="evil.example").post(f"{STORES}/query", {})
    assert_json_error(response, 400)


def test_malformed_json_body_is_json_400(viewer_api):
    assert_json_error(viewer_api.post(f"{STORES}/query", "{not json"), 400)


@pytest.mark.parametrize("path", ["/orders/does-not-exist/", "/nowhere/"])
def test_pages_keep_html_errors(path, viewer_client):
    response = viewer_client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# ---- Pages: a GET of a form-only address is a page, never a blank browser error ----


@pytest.mark.parametrize("role", ["owner", "packer", "support", "viewer", "nobody"])
def test_get_of_every_post_only_page_is_a_page_in_the_layout(role, order_factory, db):
    order = order_factory()
    user = (
        User.objects.create_user(username="nobody", password="pass-nobody")
        if role == "nobody"
        else make_user(role)
    )
    client = client_for(user)
    form_only = []
    for url in sorted(set(page_urls())):
        url = url.replace(SAMPLE_ARGS["int"], str(order.number))
        response = client.get(url)
        assert response.status_code != 500, url
        if response.status_code == 405:
            form_only.append(url)
            html = response.content.decode()
            assert "only takes a submitted form" in html, url
            assert 'id="main"' in html and "Log out" in html, url  # the site's layout
            assert "POST" in response["Allow"], url
            number = resolve(url).kwargs.get("number")
            back = f"/orders/{number}/" if number else "/orders/"
            if role == "nobody":  # sees no orders: the home page
                back = "/"
            assert f'href="{back}"' in html, url
        elif response.status_code >= 400:
            assert 'id="main"' in response.content.decode(), (url, response.status_code)
    # The bulk fulfil, payments, saved views, packing and webhook resend are all covered.
    assert {
        "/fulfillments/bulk/",
        f"/orders/{order.number}/mark-paid/",
        f"/orders/{order.number}/refund/",
        "/orders/views/",
        "/pack/undo/",
        f"/webhooks/deliveries/{order.number}/resend/",
    } <= set(form_only)
