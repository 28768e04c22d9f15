from __future__ import annotations

import os
import subprocess
import sys

import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_order_list_renders_for_viewer(viewer_client, order_factory):
    order = order_factory()
    response = viewer_client.get("/orders/")
    assert response.status_code == 200
    assert f"#{order.number}" in response.text


@pytest.mark.django_db
def test_api_without_key_is_401_not_login_redirect(client):
    response = client.post("/api/stores/v2/orders/query", {}, content_type="application/json")
    assert response.status_code in (401, 404)
    assert response.status_code != 302


def test_openapi_document_served_to_staff(owner_client):
    response = owner_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Packdesk API"


@pytest.mark.parametrize("module", ["orders.api", "fulfillments.api", "config.api"])
def test_api_module_imports_first(module):
    """Each API module imports in a fresh interpreter before any other (no import cycle)."""
    code = f"import django; django.setup(); import {module}; import config.urls"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_served_process_keeps_the_collector_out_of_requests():
    import subprocess
    import sys

    code = (
        "import gc, config.wsgi; "
        "assert gc.get_freeze_count() > 10000, gc.get_freeze_count(); "
        "assert gc.get_threshold()[0] >= 20000"
    )
    env = {**__import__("os").environ, "DJANGO_SETTINGS_MODULE": "config.test_settings"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


def test_pages_answer_head_as_get(owner_client, client, order_factory):
    """HEAD (link checkers, uptime monitors) gets what GET would, without the body; logged out,
    the same redirect to the log-in page."""
    order = order_factory()
    for path in ("/", "/orders/", f"/orders/{order.number}/", "/pack/", "/orders/export.csv"):
        get, head = owner_client.get(path), owner_client.head(path)
        assert head.status_code == get.status_code == 200, path
        body = b"".join(head.streaming_content) if head.streaming else head.content
        assert body == b"", path
        assert head["Content-Type"] == get["Content-Type"], path
    anonymous = client.head("/orders/")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]


def test_head_drops_the_body_before_the_server_sees_it(db):
    """Django hands the server GET's body for a HEAD request; gunicorn would read a streaming
    one to its end (an export's whole query) and log a warning. The body goes here, unread."""
    from django.http import HttpResponse, StreamingHttpResponse
    from django.test import RequestFactory

    from config.head import head_without_body_middleware

    read: list[int] = []

    def rows():
        for number in range(3):
            read.append(number)
            yield b"row\n"

    for method, expected in (("head", b""), ("get", b"row\nrow\nrow\n")):
        request = getattr(RequestFactory(), method)("/orders/export.csv")
        streamed = head_without_body_middleware(lambda r: StreamingHttpResponse(rows()))(request)
        assert b"".join(streamed.streaming_content) == expected
        streamed.close()
        plain = HttpResponse(b"hello")
        plain["Content-Length"] = "5"
        answered = head_without_body_middleware(lambda r, answer=plain: answer)(request)
        assert answered.content == (b"" if method == "head" else b"hello")
        assert answered["Content-Length"] == "5"
    assert read == [0, 1, 2]  # only GET's rows were made
