"""Shipment emails: tell the buyer a fulfillment's tracking details, once, outside the request.

A fulfillment created with a tracking number (from any path: the order page, packing, bulk,
the APIs) queues `shipment_email_send` (a bulk create: one `shipment_emails_send` for all its
fulfillments) after commit when its request asked to notify the buyer
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
    the value to shipment_emails_queue(default=...)."""
    return Subquery(
        StoreSettings.objects.filter(pk=STORE_SETTINGS_PK).values("notify_buyer_default")[:1]
    )


def shipment_emails_queue(
    requests: list[tuple[Fulfillment, bool | None]], *, default: bool | None = None
) -> None:
    """Call inside the creating transaction with the new fulfillments (fulfillment, notify):
    queue, for after commit, the email of each that has a tracking number and was asked to
    notify (None: the store's default; `default` is it when the caller read it already, see
    notify_default_subquery). One task for all of them: a bulk create's hundred emails are
    one queued row, not a hundred."""
    wanted = [(f, notify) for f, notify in requests if f.tracking_number]
    if any(notify is None for _, notify in wanted) and default is None:
        default = notify_default()
    ids = [str(f.pk) for f, notify in wanted if (default if notify is None else notify)]
    if len(ids) == 1:
        transaction.on_commit(lambda: shipment_email_send.enqueue(fulfillment_id=ids[0]))
    elif ids:
        transaction.on_commit(lambda: shipment_emails_send.enqueue(fulfillment_ids=ids))


@task()
def shipment_email_send(fulfillment_id: str) -> str:
    """Email the buyer this fulfillment's tracking details unless that was done already."""
    return shipment_email_deliver(fulfillment_id=fulfillment_id)


@task()
def shipment_emails_send(fulfillment_ids: list[str]) -> dict[str, str]:
    """shipment_email_send for each of several fulfillments (a bulk create's). One that fails
    does not stop the others; the task then fails with its error, and running it again
    sends only what was not sent."""
    outcomes: dict[str, str] = {}
    failure: Exception | None = None
    for fulfillment_id in fulfillment_ids:
        try:
            outcomes[fulfillment_id] = shipment_email_deliver(fulfillment_id=fulfillment_id)
        except Exception as error:  # the others still go; the task reports the failure
            logger.exception("Shipment email for fulfillment %s failed", fulfillment_id)
            failure = failure or error
    if failure is not None:
        raise failure
    return outcomes


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
