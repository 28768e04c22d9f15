"""Webhook delivery against a real HTTP receiver: signed JWTs, retries with backoff, the
lease that keeps a delivery from being attempted twice, giving up after 24 hours."""

from __future__ import annotations

from datetime import timedelta

import jwt
import pytest
from django.utils import timezone

from orders.services import order_cancel, order_mark_paid
from orders.webhooks.delivery import delivery_attempt, retry_delay
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from orders.webhooks.tasks import deliver_due
from tests.factories import make_order
from tests.orders.webhooks.conftest import IMMEDIATE, SECRET
from tests.orders.webhooks.receiver import Receiver, free_port


def test_retry_delay_doubles_from_30_seconds_capped_at_an_hour():
    delays = [retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays == [30, 60, 120, 240, 480, 960, 1920, 3600, 3600]


def make_due() -> None:
    WebhookDelivery.objects.filter(status="pending").update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def assert_backoff(seconds: int) -> None:
    for delivery in WebhookDelivery.objects.all():
        wait = (delivery.next_attempt_at - delivery.last_attempt_at).total_seconds()
        assert seconds <= wait < seconds + 5, (delivery.attempts, wait)


def test_retries_refused_500_and_slow_then_every_event_arrives_once(endpoint, owner, settings):
    settings.TASKS = IMMEDIATE
    settings.PACKDESK_WEBHOOK_TIMEOUT = 0.3
    port = free_port()
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=f"http://127.0.0.1:{port}/hook")
    orders = [make_order() for _ in range(3)]
    for order in orders:
        order_mark_paid(order=order, actor=owner)
    order_cancel(order=orders[0], actor=owner)
    event_ids = {str(pk) for pk in WebhookEvent.objects.values_list("pk", flat=True)}
    assert len(event_ids) == 4

    # 1. Nothing listens: connection refused.
    assert deliver_due() == 4
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_response_code")) == {
        ("pending", 1, None)
    }
    assert all("refused" in d.last_error.lower() for d in WebhookDelivery.objects.all())
    assert_backoff(30)
    assert deliver_due() == 0, "not due yet"

    with Receiver(port=port) as receiver:
        # 2. The endpoint answers 500.
        receiver.mode = "fail"
        make_due()
        assert deliver_due() == 4
        assert set(WebhookDelivery.objects.values_list("attempts", "last_response_code")) == {
            (2, 500)
        }
        assert_backoff(60)

        # 3. The endpoint is slower than the timeout.
        receiver.mode = "slow"
        make_due()
        assert deliver_due() == 4
        assert all("timed out" in d.last_error for d in WebhookDelivery.objects.all())
        assert_backoff(120)
        receiver.release.set()

        # 4. It recovers: every event arrives, once each.
        receiver.mode = "ok"
        make_due()
        assert deliver_due() == 4
        make_due()
        assert deliver_due() == 0
        accepted = receiver.accepted()
    assert sorted(accepted) == sorted(event_ids)
    assert set(WebhookDelivery.objects.values_list("status", "attempts", "last_response_code")) == {
        ("succeeded", 4, 200)
    }
    assert WebhookDelivery.objects.filter(next_attempt_at__isnull=False).count() == 0
    # Every request carried the event's id, also the failed ones (for de-duplication).
    assert {event_id for _, event_id, _ in receiver.requests} == event_ids


def test_delivery_marked_failed_after_24_hours(endpoint, owner):
    with Receiver() as receiver:
        receiver.mode = "fail"
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        assert deliver_due() == 1
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == "pending"
        # Almost 24 hours of retries: still retried.
        WebhookDelivery.objects.update(
            first_attempt_at=timezone.now() - timedelta(hours=23, minutes=59)
        )
        make_due()
        assert deliver_due() == 1
        assert WebhookDelivery.objects.get().status == "pending"
        WebhookDelivery.objects.update(first_attempt_at=timezone.now() - timedelta(hours=24))
        make_due()
        assert deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    assert deliver_due() == 0


def test_claimed_delivery_not_attempted_twice(endpoint, owner):
    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        delivery = WebhookDelivery.objects.get()
        assert delivery_attempt(delivery_id=delivery.pk).status == "succeeded"
        assert delivery_attempt(delivery_id=delivery.pk) is None
        # In flight elsewhere: the lease keeps it from the sweeper.
        WebhookDelivery.objects.update(
            status="pending", next_attempt_at=timezone.now() + timedelta(seconds=60)
        )
        assert delivery_attempt(delivery_id=delivery.pk) is None
        assert len(receiver.requests) == 1


def test_inactive_endpoint_holds_deliveries_until_reactivated(endpoint, owner):
    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url, active=False)
        WebhookEndpoint.objects.create(url=receiver.url, events=["OrderPaid"])
        order_mark_paid(order=make_order(), actor=owner)
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(active=True)
        assert deliver_due() == 1
        assert len(receiver.accepted()) == 1


def test_sent_request_is_signed_jwt_with_event_id_header(endpoint, owner):
    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        deliver_due()
        (body,) = receiver.bodies()
        (event_id,) = receiver.accepted()
    claims = jwt.decode(body, SECRET, algorithms=["HS256"])
    assert claims["data"]["eventType"] == "OrderPaid"
    assert event_id == str(WebhookEvent.objects.get().pk)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(body, SECRET + "-other", algorithms=["HS256"])
