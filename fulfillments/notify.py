"""Shipment emails: tell the buyer a fulfillment's tracking details, once, outside the request.

A fulfillment created with a tracking number (from any path: the order page, packing, bulk,
the APIs) queues `shipment_email_send` after commit when its request asked to notify the buyer
(by default the store's `notify_buyer_default`). The task locks the order, sends at most one
email per fulfillment (an earlier SHIPPING_CONFIRMATION_EMAIL_SENT activity for it stops it)
and records the activity, so a retried or doubled task never emails twice.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Subquery
from django.tasks import task
from django.template.loader import render_to_string

from fulfillments.carriers import carrier_name
from fulfillments.models import Fulfillment
from orders.models import STORE_SETTINGS_PK, Activity, ActivityType, StoreSettings
from orders.selectors import store_settings_get
from orders.services import activity_record, order_lock, order_touch

logger = logging.getLogger(__name__)


def notify_default() -> bool:
    """The store's "notify the buyer" default, in one read (the model's default before the
    settings row exists; reading never creates it)."""
    return notify_default_from(
        StoreSettings.objects.filter(pk=STORE_SETTINGS_PK)
        .values_list("notify_buyer_default", flat=True)
        .first()
    )


def notify_default_from(value: bool | None) -> bool:
    """The default from the settings row's value, read by the caller (None: no row yet)."""
    if value is None:
        return StoreSettings._meta.get_field("notify_buyer_default").get_default()
    return value


def notify_default_subquery() -> Subquery:
    """The store's "notify the buyer" default as a column (NULL before the settings row
    exists): a service annotates its order lock with it and hands notify_default_from() of
    the value to shipment_email_queue(default=...)."""
    return Subquery(
        StoreSettings.objects.filter(pk=STORE_SETTINGS_PK).values("notify_buyer_default")[:1]
    )


def shipment_email_queue(
    *, fulfillment: Fulfillment, notify: bool | None, default: bool | None = None
) -> None:
    """Call inside the creating transaction: queue the email for after commit when asked to
    (None: the store's default; `default` is it when the caller read it already, see
    notify_default_subquery) and the fulfillment has a tracking number."""
    if not fulfillment.tracking_number:
        return
    if notify is None:
        notify = notify_default() if default is None else default
    if not notify:
        return
    fulfillment_id = str(fulfillment.pk)
    transaction.on_commit(lambda: shipment_email_send.enqueue(fulfillment_id=fulfillment_id))


@task()
def shipment_email_send(fulfillment_id: str) -> str:
    """Email the buyer this fulfillment's tracking details unless that was done already."""
    return shipment_email_deliver(fulfillment_id=fulfillment_id)


def shipment_email_deliver(*, fulfillment_id: str) -> str:
    """What the task does; returns "sent", "already sent", "no email" or "gone"."""
    with transaction.atomic():
        fulfillment = Fulfillment.objects.filter(pk=fulfillment_id).select_related("order").first()
        if fulfillment is None:
            return "gone"
        order = order_lock(order_id=fulfillment.order_id)
        sent = Activity.objects.filter(
            order=order,
            type=ActivityType.SHIPPING_CONFIRMATION_EMAIL_SENT,
            details__fulfillmentId=fulfillment_id,
        )
        if sent.exists():
            return "already sent"
        if not order.buyer_email:
            logger.info("No shipment email for order #%s: the buyer has no email", order.number)
            return "no email"
        lines = [
            (line.line_item.name, line.quantity)
            for line in fulfillment.lines.select_related("line_item").order_by("line_item__index")
        ]
        context = {
            "order": order,
            "fulfillment": fulfillment,
            "carrier": carrier_name(fulfillment.shipping_provider),
            "lines": lines,
            "store_name": store_settings_get().store_name,
        }
        send_mail(
            subject=f"Your order #{order.number} has shipped",
            message=render_to_string("fulfillments/shipment_email.txt", context),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[order.buyer_email],
        )
        activity_record(
            order=order,
            type=ActivityType.SHIPPING_CONFIRMATION_EMAIL_SENT,
            details={
                "fulfillmentId": fulfillment_id,
                "to": order.buyer_email,
                "trackingNumber": fulfillment.tracking_number,
            },
        )
        order_touch(order=order)
    return "sent"
