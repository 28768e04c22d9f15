"""Webhook delivery: one attempt at POSTing an event, as a JWT signed with the endpoint's
secret; the endpoint accepts it with any 2xx, otherwise the attempt schedules the next one.

Delivery is at least once. Each delivery row is attempted by whoever claims it first (the task
queued when its event committed, its own retry task, or the sweeper): claiming moves
`next_attempt_at` past the request's timeout, so no one else tries it while it is in flight,
and a worker that dies mid-request only delays it. Failures back off exponentially
(PACKDESK_WEBHOOK_RETRY_BASE doubling up to PACKDESK_WEBHOOK_RETRY_CAP) and the delivery is
marked failed once PACKDESK_WEBHOOK_RETRY_FOR seconds have passed since its first attempt.
Nothing here runs in a request: views and services only write rows and queue tasks
(orders/webhooks/tasks.py queues attempts and re-queues the ones still pending).

Whatever goes wrong while sending one delivery (a refused or malformed URL, DNS, TLS, a
timeout, a bad secret) is that delivery's failed attempt: recorded with its reason, retried on
schedule, shown on the deliveries page; it never escapes to the worker or the sweeper. Only
HTTP status codes are recorded, never what the receiver answered, so a webhook cannot be used
to read pages it reaches.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import ssl
import time
from datetime import datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.webhooks.models import WebhookDelivery, WebhookEvent
from orders.webhooks.models import WebhookDeliveryStatus as Status
from orders.webhooks.targets import Target, TargetRefused, target_resolve

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Packdesk-Event-Id"
EVENT_TYPE_HEADER = "X-Packdesk-Event-Type"
USER_AGENT = "Packdesk-Webhooks/1"
# Extra time a claimed delivery stays invisible to other workers beyond the request timeout.
LEASE_MARGIN = timedelta(seconds=60)
MAX_ERROR_LENGTH = 1000


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt: base * 2^(attempts-1), capped."""
    base = settings.PACKDESK_WEBHOOK_RETRY_BASE
    cap = settings.PACKDESK_WEBHOOK_RETRY_CAP
    exponent = min(max(attempts - 1, 0), 32)
    return timedelta(seconds=min(base * 2**exponent, cap))


def event_jwt_claims(event: WebhookEvent) -> dict[str, Any]:
    """What the JWT carries: data with eventType, instanceId, and data and identity as
    stringified JSON, as the spec shows."""
    return {
        "data": {
            "eventType": event.event_type,
            "instanceId": settings.PACKDESK_INSTANCE_ID,
            "data": json.dumps(event.payload, separators=(",", ":")),
            "identity": json.dumps(event.identity, separators=(",", ":")),
        }
    }


def delivery_token(delivery: WebhookDelivery) -> str:
    """The event as a JWT (HS256, the endpoint's secret) that also names the event (`jti`,
    for de-duplication) and expires PACKDESK_WEBHOOK_TOKEN_TTL seconds after it was made, so
    a captured token cannot be replayed later. Every attempt signs a fresh one."""
    now = int(time.time())
    claims = {
        **event_jwt_claims(delivery.event),
        "jti": str(delivery.event_id),
        "iat": now,
        "exp": now + int(settings.PACKDESK_WEBHOOK_TOKEN_TTL),
    }
    return jwt.encode(claims, delivery.endpoint.secret, algorithm="HS256")


def _connection(target: Target, timeout: float) -> http.client.HTTPConnection:
    """A connection to the checked address; TLS still checks the certificate against (and
    sends SNI for) the URL's host name."""
    connection: http.client.HTTPConnection
    if target.scheme == "https":
        connection = http.client.HTTPSConnection(
            target.host, target.port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(target.host, target.port, timeout=timeout)

    def connect_to_checked_address(address, timeout, source_address=None):
        return socket.create_connection((target.address, target.port), timeout, source_address)

    # http.client opens its socket through this attribute (HTTPS wraps that socket in TLS).
    connection._create_connection = connect_to_checked_address  # type: ignore[attr-defined]
    return connection


def delivery_post(
    *, url: str, token: str, event_id: str, event_type: str, timeout: float
) -> tuple[int | None, str]:
    """POST the JWT; returns (HTTP status or None when no answer came, error text or "").

    Never raises. A redirect is not followed (the receiver has not accepted the event), and
    what a receiver answers is read but not kept: only the status code is.
    """
    try:
        target = target_resolve(url)
        connection = _connection(target, timeout)
        try:
            connection.request(
                "POST",
                target.path,
                body=token.encode(),
                headers={
                    "Content-Type": "text/plain; charset=utf-8",
                    "User-Agent": USER_AGENT,
                    EVENT_ID_HEADER: event_id,
                    EVENT_TYPE_HEADER: event_type,
                },
            )
            response = connection.getresponse()
            response.read(65536)
        finally:
            connection.close()
    except TargetRefused as exc:
        return None, f"Refused: {exc}"
    except Exception as exc:
        return None, f"{type(exc).__name__}: {exc}"
    if 200 <= response.status < 300:
        return response.status, ""
    return response.status, f"HTTP {response.status}"


def delivery_attempt(*, delivery_id: int) -> WebhookDelivery | None:
    """Attempt one delivery if it is pending, due and not claimed by another worker.

    Returns the delivery afterwards (a failed attempt leaves it pending with `next_attempt_at`
    set by the backoff), or None when it was not attempted.
    """
    now = timezone.now()
    timeout = settings.PACKDESK_WEBHOOK_TIMEOUT
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("event", "endpoint")
            .filter(pk=delivery_id, status=Status.PENDING, endpoint__active=True)
            .first()
        )
        if delivery is None or (delivery.next_attempt_at and delivery.next_attempt_at > now):
            return None
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.first_attempt_at = delivery.first_attempt_at or now
        delivery.next_attempt_at = now + timedelta(seconds=timeout) + LEASE_MARGIN
        delivery.save(
            update_fields=["attempts", "last_attempt_at", "first_attempt_at", "next_attempt_at"]
        )

    try:
        code, error = delivery_post(
            url=delivery.endpoint.url,
            token=delivery_token(delivery),
            event_id=str(delivery.event_id),
            event_type=delivery.event.event_type,
            timeout=timeout,
        )
    except Exception as exc:
        # Signing can fail too (a corrupt secret or payload): still this delivery's attempt.
        logger.exception("Webhook delivery %s could not be sent", delivery.pk)
        code, error = None, f"{type(exc).__name__}: {exc}"
    finished = timezone.now()
    delivery.last_response_code = code
    delivery.last_error = error[:MAX_ERROR_LENGTH]
    retry_for = timedelta(seconds=settings.PACKDESK_WEBHOOK_RETRY_FOR)
    if code is not None and 200 <= code < 300:
        delivery.status = Status.SUCCEEDED
        delivery.next_attempt_at = None
    elif finished - delivery.first_attempt_at >= retry_for:
        delivery.status = Status.FAILED
        delivery.next_attempt_at = None
    else:
        delivery.next_attempt_at = finished + retry_delay(delivery.attempts)
    delivery.save(update_fields=["status", "next_attempt_at", "last_response_code", "last_error"])
    if delivery.status == Status.FAILED:
        logger.warning(
            "Webhook delivery %s failed after %s attempts: %s",
            delivery.pk,
            delivery.attempts,
            delivery.last_error,
        )
    return delivery


def deliveries_due(*, now: datetime | None = None) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(
        status=Status.PENDING,
        endpoint__active=True,
        next_attempt_at__lte=now or timezone.now(),
    ).order_by("next_attempt_at", "pk")
