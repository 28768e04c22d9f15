"""Template filters naming webhook events as people say them ("Order paid", not "OrderPaid")."""

from __future__ import annotations

from django import template

from orders.webhooks.models import WebhookEventType

register = template.Library()
_LABELS = dict(WebhookEventType.choices)


@register.filter
def event_name(value: str) -> str:
    return str(_LABELS.get(value, value))


@register.filter
def event_names(values) -> str:
    return ", ".join(event_name(value) for value in values or [])
