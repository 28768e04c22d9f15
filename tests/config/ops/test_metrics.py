"""/metrics: Prometheus text for whoever holds the token, 404 for everyone else."""

from __future__ import annotations

from django.test import Client

from orders.webhooks.models import WebhookDelivery


def test_metrics_hidden_without_the_token(owner_client: Client, settings):
    settings.PACKDESK_METRICS_TOKEN = "s3cret-token"
    assert owner_client.get("/metrics").status_code == 404
    wrong = owner_client.get("/metrics", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 404


def test_metrics_off_when_no_token_is_configured(client: Client, db, settings):
    settings.PACKDESK_METRICS_TOKEN = ""
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer ").status_code == 404


def test_metrics_show_latency_deliveries_and_queue(owner_client: Client, client, settings):
    settings.PACKDESK_METRICS_TOKEN = "s3cret-token"
    owner_client.get("/orders/")
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-token")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    counts = [
        line
        for line in text.splitlines()
        if line.startswith("packdesk_http_request_duration_seconds_count{")
        and 'view="orders:list"' in line
        and 'method="GET"' in line
    ]
    assert counts and float(counts[0].split()[-1]) >= 1
    assert "packdesk_tasks_queue_depth 0.0" in text
    assert "# TYPE packdesk_webhook_deliveries gauge" in text
    assert WebhookDelivery.objects.count() == 0
