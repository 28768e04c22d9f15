"""The webhook outbox: services call `event_emit` inside their transaction so an event exists
exactly when its change committed (spec: "Webhooks"). The event row and one delivery row per
subscribed endpoint are written in the caller's transaction, and delivery is queued only once
it commits (orders/webhooks/tasks.py queues, orders/webhooks/delivery.py sends).
"""

from __future__ import annotations

import json
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone

from orders.lock_reads import locked_relations
from orders.models import Order
from orders.selectors import ORDER_DETAIL_RELATIONS
from orders.serializers import buyer_info, iso, money, order_to_dict, totals, tracking_info
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
)
from orders.webhooks.models import WebhookEventType as EventType
from orders.webhooks.tasks import delivery_enqueue

logger = logging.getLogger(__name__)

__all__ = [
    "EventType",
    "event_build",
    "event_emit",
    "event_endpoints",
    "event_identity",
    "events_write",
]

ORDER_EVENTS = {EventType.ORDER_PAID, EventType.ORDER_CANCELED, EventType.ORDER_REFUNDED}
REQUIRED_DATA = {
    EventType.ORDER_REFUNDED: "refundId",
    EventType.FULFILLMENT_CREATED: "fulfillmentId",
    EventType.FULFILLMENT_UPDATED: "fulfillmentId",
    EventType.FULFILLMENT_DELETED: "fulfillmentId",
}


def event_endpoints(event_type: str) -> ArraySubquery:
    """The ids of the endpoints subscribed to `event_type`, as an array column: a service
    annotates its order lock with it and passes the result to event_emit(endpoints=...)."""
    subscribed = WebhookEndpoint.objects.filter(
        active=True, events__contains=[EventType(event_type).value]
    )
    return ArraySubquery(subscribed.order_by("created", "id").values("pk"))


def event_emit(
    *,
    order: Order,
    event_type: str,
    data: dict[str, Any] | None = None,
    actor=None,
    endpoints: list[int] | None = None,
) -> WebhookEvent:
    """Write the event for `order` to the outbox; must run inside the change's transaction,
    after the change itself is saved, with `order` as the service saved it (the order
    events read the full order again; the fulfillment events take `order` as it is).

    `data` adds what the order alone does not tell: `refundId` for OrderRefunded;
    `fulfillmentId` (required) and optionally `trackingInfo` / `dateCreated` for the
    fulfillment events (read from the fulfillment when it still exists). Other keys are
    copied into the payload. `actor` is the acting user; a user that arrived with an API key
    (`acting_api_key` set by the API's auth) is identified as an APP.

    The event row is written whether or not an endpoint subscribes (issue 6: an event exists
    exactly when its change committed); deliveries are made for the subscribed endpoints
    (`endpoints`: their ids when the caller read them already, see event_endpoints).
    """
    event = event_build(order=order, event_type=event_type, data=data, actor=actor)
    if endpoints is None:
        endpoints = list(
            WebhookEndpoint.objects.filter(
                active=True, events__contains=[event.event_type]
            ).values_list("pk", flat=True)
        )
    events_write([event], endpoints=endpoints)
    return event


def event_build(
    *, order: Order, event_type: str, data: dict[str, Any] | None = None, actor=None
) -> WebhookEvent:
    """The event event_emit() writes, built but not written (see events_write): build it when
    `order` is as the change leaves it."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_emit() must run inside the change's transaction.atomic()")
    event_type = EventType(event_type)
    data = data or {}
    # Checked before looking for subscribers so that a wrong call fails in every test.
    required = REQUIRED_DATA.get(event_type)
    if required and not data.get(required):
        raise ValueError(f"event_emit({event_type.value}) needs data={{'{required}': ...}}")
    payload = _json_ready(event_payload(order=order, event_type=event_type, data=data))
    return WebhookEvent(
        event_type=event_type, order=order, payload=payload, identity=event_identity(actor)
    )


def events_write(events: list[WebhookEvent], *, endpoints: list[int]) -> None:
    """Write built events (of one event type) and a delivery of each to every endpoint in
    `endpoints` (the ids subscribed to that type), queued once the transaction commits: one
    statement for one event, two for several."""
    if not events:
        return
    if not endpoints:
        WebhookEvent.objects.bulk_create(events)
        return
    if len(events) == 1:
        ids = _event_with_deliveries(events[0], list(endpoints))
    else:
        WebhookEvent.objects.bulk_create(events)
        now = timezone.now()
        deliveries = WebhookDelivery.objects.bulk_create(
            WebhookDelivery(event=event, endpoint_id=endpoint, next_attempt_at=now)
            for event in events
            for endpoint in endpoints
        )
        ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: _enqueue_all(ids))


def _event_with_deliveries(event: WebhookEvent, endpoints: list[int]) -> list[int]:
    """Insert `event` and a pending delivery to each endpoint in one statement; returns the
    deliveries' ids."""
    event_table = WebhookEvent._meta.db_table
    delivery_table = WebhookDelivery._meta.db_table
    sql = (
        f'WITH "event" AS (INSERT INTO "{event_table}"'
        ' ("id", "event_type", "order_id", "payload", "identity", "created")'
        ' VALUES (%s, %s, %s, %s::jsonb, %s::jsonb, %s) RETURNING "id")'
        f' INSERT INTO "{delivery_table}" ("event_id", "endpoint_id", "status", "attempts",'
        ' "created", "next_attempt_at", "last_error")'
        ' SELECT "event"."id", "endpoint", %s, 0, %s, %s, \'\''
        ' FROM "event", unnest(%s::bigint[]) AS "endpoint" RETURNING "id"'
    )
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                event.id,
                event.event_type,
                event.order_id,
                json.dumps(event.payload),
                json.dumps(event.identity),
                event.created,
                WebhookDeliveryStatus.PENDING,
                now,
                now,
                endpoints,
            ],
        )
        ids = [row[0] for row in cursor.fetchall()]
    event._state.adding = False
    return ids


def _enqueue_all(delivery_ids: list[int]) -> None:
    for delivery_id in delivery_ids:
        delivery_enqueue(delivery_id=delivery_id)


def _json_ready(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def event_identity(actor) -> dict[str, str]:
    """The spec's identity object: the acting dashboard user as a WIX_USER-like identity,
    an API key (or no actor: Packdesk itself) as an APP."""
    api_key = getattr(actor, "acting_api_key", None)
    if api_key is not None:
        return {"identityType": "APP", "appId": api_key.prefix}
    if actor is not None and getattr(actor, "pk", None) is not None:
        return {"identityType": "WIX_USER", "wixUserId": str(actor.pk)}
    return {"identityType": "APP", "appId": settings.PACKDESK_INSTANCE_ID}


def event_payload(*, order: Order, event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """The event's data object in the spec's shape for `event_type`."""
    extra = dict(data)
    if event_type == EventType.ORDER_CREATED:
        order = Order.objects.get(pk=order.pk)
        payload = {
            "orderId": str(order.id),
            "number": str(order.number),
            "dateCreated": iso(order.date_created),
            "buyerInfo": buyer_info(order),
            "currency": order.currency,
            "weightUnit": order.weight_unit,
            "totals": totals(order),
            "read": order.read,
            "archived": order.archived,
            "paymentStatus": order.payment_status,
            "fulfillmentStatus": order.fulfillment_status,
        }
    elif event_type in ORDER_EVENTS:
        payload = {"order": _order_snapshot(order)}
        if event_type == EventType.ORDER_REFUNDED:
            payload = {"refundId": str(extra.pop("refundId")), **payload}
    else:
        payload = _fulfillment_payload(order=order, event_type=event_type, extra=extra)
    payload.update(extra)
    return payload


def _order_snapshot(order: Order) -> dict[str, Any]:
    """The full order as the service saved it: its relations are read afresh (on a new
    instance with the caller's field values), the order row is not read again; relations
    read with the service's lock (orders/lock_reads.py), which it keeps current, are taken
    as they are."""
    names = [field.attname for field in Order._meta.concrete_fields]
    fresh = Order.from_db(order._state.db, names, [getattr(order, name) for name in names])
    cached = getattr(order, "_prefetched_objects_cache", {})
    fresh._prefetched_objects_cache = {  # type: ignore[attr-defined]
        name: cached[name] for name in locked_relations(order) if name in cached
    }
    prefetch_related_objects([fresh], *ORDER_DETAIL_RELATIONS)
    snapshot = order_to_dict(fresh)
    refunded = sum((refund.amount for refund in fresh.refunds.all()), Decimal("0"))
    if refunded:
        snapshot["totals"]["refund"] = money(refunded)
    return snapshot


def _fulfillment_payload(*, order: Order, event_type: str, extra: dict[str, Any]) -> dict:
    # `order` is the instance the service locked and saved, so it is current.
    fulfillment_id = extra.pop("fulfillmentId")
    payload: dict[str, Any] = {"orderId": str(order.id), "fulfillmentId": str(fulfillment_id)}
    if event_type == EventType.FULFILLMENT_DELETED:
        payload["fulfillmentStatus"] = order.fulfillment_status
        return payload
    # Read only when the caller did not pass what the payload needs. Through the reverse
    # relation: orders does not import the fulfillments app.
    needed = extra.get("trackingInfo") is None or (
        event_type == EventType.FULFILLMENT_CREATED and extra.get("dateCreated") is None
    )
    fulfillment = order.fulfillments.filter(pk=fulfillment_id).first() if needed else None
    tracking = extra.pop("trackingInfo", None)
    if tracking is None and fulfillment is not None:
        tracking = tracking_info(fulfillment)
    if event_type == EventType.FULFILLMENT_CREATED:
        date_created = extra.pop("dateCreated", None)
        if date_created is None and fulfillment is not None:
            date_created = iso(fulfillment.date_created)
        payload.update(
            {
                "dateCreated": date_created,
                "buyerInfo": buyer_info(order),
                "fulfillmentStatus": order.fulfillment_status,
            }
        )
    payload["trackingInfo"] = tracking or {}
    return payload
