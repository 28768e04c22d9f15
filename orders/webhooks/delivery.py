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
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any

import jwt
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from orders.webhooks.models import WebhookDelivery, WebhookEvent
from orders.webhooks.models import WebhookDeliveryStatus as Status

logger = logging.getLogger(__name__)

EVENT_ID_HEADER = "X-Packdesk-Event-Id"
EVENT_TYPE_HEADER = "X-Packdesk-Event-Type"
USER_AGENT = "Packdesk-Webhooks/1"
# Extra time a claimed delivery stays invisible to other workers beyond the request timeout.
LEASE_MARGIN = timedelta(seconds=60)
MAX_ERROR_LENGTH = 1000


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A receiver answering with a redirect has not accepted the event."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


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
    claims = {**event_jwt_claims(delivery.event), "iat": int(time.time())}
    return jwt.encode(claims, delivery.endpoint.secret, algorithm="HS256")


def delivery_post(
    *, url: str, token: str, event_id: str, event_type: str, timeout: float
) -> tuple[int | None, str]:
    """POST the JWT; returns (HTTP status or None when no answer came, error text or "")."""
    request = urllib.request.Request(
        url,
        data=token.encode(),
        method="POST",
        headers={
            "Content-Type": "text/plain; charset=utf-8",
            "User-Agent": USER_AGENT,
            EVENT_ID_HEADER: event_id,
            EVENT_TYPE_HEADER: event_type,
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read(65536)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        body = exc.read(300).decode("utf-8", "replace")
        return exc.code, f"HTTP {exc.code} {exc.reason}: {body}".strip()
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(reason).__name__}: {reason}"


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

    code, error = delivery_post(
        url=delivery.endpoint.url,
        token=delivery_token(delivery),
        event_id=str(delivery.event_id),
        event_type=delivery.event.event_type,
        timeout=timeout,
    )
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
