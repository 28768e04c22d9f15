"""One log line per request with method, path, status, duration and user; JSON on demand."""

from __future__ import annotations

import json
import logging

from django.test import Client

from config.ops.request_log import JsonFormatter


def request_lines(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "packdesk.request"]


def test_one_line_per_request_names_the_user_not_the_query(owner_client: Client, caplog):
    with caplog.at_level("INFO", logger="packdesk.request"):
        response = owner_client.get("/orders/?q=jane@example.com")
    assert response.status_code == 200
    [record] = request_lines(caplog)
    assert record.http["method"] == "GET"
    assert record.http["path"] == "/orders/"
    assert record.http["status"] == 200
    assert record.http["user"] == "owner"
    assert record.http["duration_ms"] > 0
    assert "jane@example.com" not in record.getMessage()


def test_api_requests_name_the_key(owner_api, caplog):
    with caplog.at_level("INFO", logger="packdesk.request"):
        owner_api.post("/api/stores/v2/orders/query", {"query": {}})
    [record] = request_lines(caplog)
    assert record.http["user"].startswith("apikey:")
    assert record.http["status"] == 200


def test_anonymous_requests_are_logged_as_dash(client: Client, db, caplog):
    with caplog.at_level("INFO", logger="packdesk.request"):
        client.get("/orders/")
    [record] = request_lines(caplog)
    assert record.http["status"] == 302
    assert record.http["user"] == "-"


def test_json_format_is_one_object_per_line(owner_client: Client, caplog):
    with caplog.at_level("INFO", logger="packdesk.request"):
        owner_client.get("/orders/")
    [record] = request_lines(caplog)
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["logger"] == "packdesk.request"
    assert entry["level"] == "INFO"
    assert {entry["method"], entry["path"], entry["status"], entry["user"]} == {
        "GET",
        "/orders/",
        200,
        "owner",
    }
    assert isinstance(entry["duration_ms"], float)


def test_refusals_are_logged_without_a_traceback_server_errors_with_one(
    packer_client: Client, order_factory, monkeypatch, caplog
):
    """A refused request (a role without the permission: 403) is a warning line without the
    traceback Django attaches, so the log's tracebacks are the server errors."""
    import fulfillments.views

    caplog.set_level(logging.WARNING, logger="django.request")
    assert packer_client.get("/settings/").status_code == 403
    refusal = next(r for r in caplog.records if r.name == "django.request")
    assert refusal.getMessage() == "Forbidden (Permission denied): /settings/"
    assert refusal.exc_info is None and "Traceback" not in caplog.text

    caplog.clear()
    order = order_factory()

    def broken(*args, **kwargs):
        raise RuntimeError("a fault")

    monkeypatch.setattr(fulfillments.views, "order_page_done", broken)
    packer_client.raise_request_exception = False
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/",
        {"line-1-quantity": "1", "line-1-carrier": "usps", "line-1-tracking_number": "Z1"},
    )
    assert response.status_code == 500
    error = next(r for r in caplog.records if r.name == "django.request")
    assert error.exc_info is not None and "RuntimeError: a fault" in caplog.text
