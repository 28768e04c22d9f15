"""Webhook models (spec: "Webhooks"): endpoints, the event outbox and per-endpoint deliveries.

They belong to the `orders` app label (`Meta.app_label`), so their tables, migrations
(orders/migrations/) and permissions (`orders.view_webhookendpoint`, ...) are the orders app's.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class WebhookEventType(models.TextChoices):
    """The spec's webhook event names (`orders.webhooks.outbox.EventType` is this class)."""

    ORDER_CREATED = "wix.stores.v2.orders_order-created", "Order created"
    ORDER_PAID = "OrderPaid", "Order paid"
    ORDER_CANCELED = "OrderCanceled", "Order canceled"
    ORDER_REFUNDED = "OrderRefunded", "Order refunded"
    FULFILLMENT_CREATED = "FulfillmentCreated", "Fulfillment created"
    FULFILLMENT_UPDATED = "FulfillmentUpdated", "Fulfillment updated"
    FULFILLMENT_DELETED = "FulfillmentDeleted", "Fulfillment deleted"


def webhook_secret_generate() -> str:
    return secrets.token_urlsafe(32)


class WebhookEndpoint(models.Model):
    """A URL an owner registered to receive some event types, signed with its own secret."""

    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=200, blank=True)
    # The subscribed WebhookEventType values, as a JSON list (matched with `events__contains`).
    events = models.JSONField(default=list)
    secret = models.CharField(max_length=200, default=webhook_secret_generate)
    active = models.BooleanField(default=True)
    created = models.DateTimeField(default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        app_label = "orders"
        ordering = ["created", "id"]

    def __str__(self) -> str:
        return self.description or self.url


class WebhookEvent(models.Model):
    """One outbox row per emitted event; its id is the de-duplication id receivers see."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=64, choices=WebhookEventType.choices)
    # Kept when an order goes away: the event already happened.
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="webhook_events",
    )
    # The event's data object (sent stringified inside the JWT) and who caused it.
    payload = models.JSONField()
    identity = models.JSONField(default=dict)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "orders"
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class WebhookDeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class WebhookDelivery(models.Model):
    """An event on its way to one endpoint. `next_attempt_at` is when a worker may try next
    (also used as a lease while an attempt is in flight)."""

    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries"
    )
    status = models.CharField(
        max_length=16, choices=WebhookDeliveryStatus.choices, default=WebhookDeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    created = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    first_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_response_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        app_label = "orders"
        ordering = ["-created", "-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(fields=["event", "endpoint"], name="webhookdelivery_unique"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="webhookdelivery_due_idx",
            ),
            models.Index(fields=["endpoint", "-created"], name="webhookdelivery_endpoint_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} -> {self.endpoint_id} ({self.status})"
