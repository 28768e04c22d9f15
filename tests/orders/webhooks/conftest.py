"""Shared by the webhook tests: the signing secret, task backends, an endpoint subscribed to
every event, and reading back what a delivery sends."""

from __future__ import annotations

import json

import jwt
import pytest

from orders.webhooks.delivery import delivery_token
from orders.webhooks.models import WebhookDelivery, WebhookEndpoint
from orders.webhooks.outbox import EventType

SECRET = "whsec-test-0123456789abcdef0123456789abcdef"
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
ALL_EVENTS = [choice.value for choice in EventType]


@pytest.fixture
def endpoint(owner) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/unused", events=ALL_EVENTS, secret=SECRET, created_by=owner
    )


def decoded(delivery: WebhookDelivery, secret: str = SECRET) -> dict:
    """The JWT this delivery sends, checked with the endpoint's secret."""
    claims = jwt.decode(delivery_token(delivery), secret, algorithms=["HS256"])
    data = claims["data"]
    assert set(data) == {"eventType", "instanceId", "data", "identity"}
    assert isinstance(data["data"], str) and isinstance(data["identity"], str)
    return {**data, "data": json.loads(data["data"]), "identity": json.loads(data["identity"])}


def only_delivery() -> WebhookDelivery:
    (delivery,) = WebhookDelivery.objects.select_related("event", "endpoint")
    return delivery
