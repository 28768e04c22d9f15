"""Prometheus metrics: request latency per view, webhook deliveries by outcome, queue depth.

Request metrics are counted in each process by `MetricsMiddleware`. Under a pre-forking server
(`make serve` runs gunicorn) PROMETHEUS_MULTIPROC_DIR is set and every worker writes its
samples there, so one scrape sees all workers. Webhook and queue figures are read from the
database at scrape time, so they agree whichever process answers. The endpoint answers only
a request carrying `Authorization: Bearer $PACKDESK_METRICS_TOKEN`, and 404 to anyone else,
so an operator protects it with a token (and may also block the path at a proxy).
"""

from __future__ import annotations

import hmac
import os
import time
from collections.abc import Callable, Iterable

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django_tasks_db.models import DBTaskResult
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from orders.webhooks.models import WebhookDelivery

REQUEST_LATENCY = Histogram(
    "packdesk_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it.",
    ["view", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter(
    "packdesk_http_responses_total",
    "Responses by view, method and status.",
    ["view", "method", "status"],
)


def view_label(request: HttpRequest) -> str:
    """The URL pattern's name, never the raw path (ids would make a series per order)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unmatched>"
    return match.view_name or match.route or "<unnamed>"


class MetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        view, method = view_label(request), request.method or ""
        REQUEST_LATENCY.labels(view, method).observe(time.perf_counter() - started)
        RESPONSES.labels(view, method, str(response.status_code)).inc()
        return response


class DatabaseCollector(Collector):
    """Figures read from the database when scraped."""

    def collect(self) -> Iterable[GaugeMetricFamily]:
        deliveries = GaugeMetricFamily(
            "packdesk_webhook_deliveries",
            "Webhook deliveries by status (pending, delivered, failed).",
            labels=["status"],
        )
        for row in WebhookDelivery.objects.values("status").annotate(n=Count("pk")):
            deliveries.add_metric([row["status"]], row["n"])
        yield deliveries
        queue = GaugeMetricFamily(
            "packdesk_tasks_queue_depth", "Background tasks ready to run (not started yet)."
        )
        queue.add_metric([], DBTaskResult.objects.ready().count())
        yield queue


def exposition() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        process_metrics = generate_latest(registry)
    else:
        process_metrics = generate_latest(REGISTRY)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    return process_metrics + generate_latest(database)


@login_not_required
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    token = settings.PACKDESK_METRICS_TOKEN
    given = request.headers.get("Authorization", "")
    if not token or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        raise Http404
    return HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
