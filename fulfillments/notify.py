"""Emails to the buyer, sent outside the request by the tasks worker: a fulfillment's tracking
details, once, and a pickup order's "ready for pickup" instructions.

A fulfillment created with a tracking number (from any path: the order page, packing, bulk,
the APIs) whose request asked to notify the buyer (by default the store's
`notify_buyer_default`) is written with `email_due_at` set, in its own INSERT, so the wish
commits with the fulfillment; `shipment_email_send` (a bulk create: one `shipment_emails_send`
for all its fulfillments) is queued after commit to send it at once. Should that queueing be
lost (the database gone between the commit and the enqueue, a worker cut off mid-task), the
tasks worker's sweep (`shipment_emails_sweep`, every minute) sends whatever is still due.

Sending is claim, send, record: a worker claims a due fulfillment with `SELECT ... FOR UPDATE
SKIP LOCKED` and moves `email_due_at` past EMAIL_LEASE in the same short transaction (another
worker skips it, locked or leased), sends with no lock held (SMTP may take EMAIL_TIMEOUT), then
locks the order, clears `email_due_at` and records SHIPPING_CONFIRMATION_EMAIL_SENT. Two
workers never send one email twice; a worker that dies between sending and recording sends it
again once the lease ran out (at least once: SMTP offers no better).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import DatabaseError, transaction
from django.db.models import Subquery
from django.db.models.functions import Now
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from fulfillments.carriers import carrier_name
from fulfillments.models import Fulfillment
from orders.models import STORE_SETTINGS_PK, Activity, ActivityType, Order, StoreSettings
from orders.selectors import store_settings_get
from orders.services import activity_record, order_lock, order_touch

logger = logging.getLogger(__name__)

# A claimed email is another worker's for this long (far more than an SMTP timeout).
EMAIL_LEASE = timedelta(minutes=5)
# After a failed send, the sweep tries again this much later.
EMAIL_RETRY = timedelta(minutes=10)
# The sweep leaves an email this long to the task queued at commit.
SWEEP_GRACE = timedelta(seconds=30)
# An email still unsent this long after its fulfillment is no longer tried by the sweep.
SWEEP_GIVE_UP = timedelta(days=2)
SWEEP_BATCH = 100


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
    """Call inside the creating transaction with the new fulfillments (fulfillment, notify),
    BEFORE they are inserted: mark due (`email_due_at`) each that has a tracking number and
    was asked to notify (None: the store's default; `default` is it when the caller read it
    already, see notify_default_subquery), so their INSERT records the wish, and queue their
    sending for after commit. One task for all of them: a bulk create's hundred emails are
    one queued row, not a hundred."""
    wanted = [(f, notify) for f, notify in requests if f.tracking_number]
    if any(notify is None for _, notify in wanted) and default is None:
        default = notify_default()
    due = [f for f, notify in wanted if (default if notify is None else notify)]
    for fulfillment in due:
        fulfillment.email_due_at = fulfillment.date_created
    ids = [str(f.pk) for f in due]
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


def shipment_emails_sweep(*, grace: timedelta = SWEEP_GRACE, limit: int = SWEEP_BATCH) -> int:
    """Send the shipment emails that are still due `grace` after they were (their task was
    lost, failed, or its worker died): the tasks worker runs this every minute. Returns how
    many were sent. Several workers may sweep at once: each email is claimed by one."""
    due = (
        Fulfillment.objects.filter(
            email_due_at__lte=Now() - grace, date_created__gte=Now() - SWEEP_GIVE_UP
        )
        .order_by("email_due_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for fulfillment_id in list(due):
        try:
            sent += shipment_email_deliver(fulfillment_id=str(fulfillment_id)) == "sent"
        except DatabaseError:
            raise  # every other email would meet it too
        except Exception:
            logger.exception("Shipment email for fulfillment %s failed", fulfillment_id)
    return sent


@dataclass(frozen=True)
class _Claim:
    """A shipment email claimed by this worker until `lease`, ready to send."""

    order_id: object
    lease: datetime
    to: str
    subject: str
    body: str
    tracking_number: str


def shipment_email_deliver(*, fulfillment_id: str) -> str:
    """Send this fulfillment's email if it is due and nobody else holds it: claim, send,
    record (see the module's docstring). Returns "sent", "not due" (another worker holds it,
    or it waits for a retry), "already sent" (or never wanted), "no email" (the buyer has
    none) or "gone". A failed send raises, and the email is due again after EMAIL_RETRY."""
    claim = _claim(fulfillment_id)
    if isinstance(claim, str):
        return claim
    try:
        send_mail(
            subject=claim.subject,
            message=claim.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[claim.to],
        )
    except Exception:
        Fulfillment.objects.filter(pk=fulfillment_id, email_due_at=claim.lease).update(
            email_due_at=Now() + EMAIL_RETRY
        )
        raise
    with transaction.atomic():
        try:
            order = order_lock(order_id=claim.order_id)
        except Order.DoesNotExist:
            return "sent"  # the order went away while its email was on its way
        Fulfillment.objects.filter(pk=fulfillment_id, email_due_at=claim.lease).update(
            email_due_at=None
        )
        activity_record(
            order=order,
            type=ActivityType.SHIPPING_CONFIRMATION_EMAIL_SENT,
            details={
                "fulfillmentId": fulfillment_id,
                "to": claim.to,
                "trackingNumber": claim.tracking_number,
            },
        )
        order_touch(order=order)
    return "sent"


def _claim(fulfillment_id: str) -> _Claim | str:
    """Lock the fulfillment if its email is due and no other worker holds it (SKIP LOCKED),
    lease it for EMAIL_LEASE and render the email; else why not (deliver's outcomes)."""
    with transaction.atomic():
        fulfillment = (
            Fulfillment.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order")
            .filter(pk=fulfillment_id, email_due_at__lte=Now())
            .first()
        )
        if fulfillment is None:
            state = list(
                Fulfillment.objects.filter(pk=fulfillment_id).values_list("email_due_at", flat=True)
            )
            if not state:
                return "gone"
            return "already sent" if state[0] is None else "not due"
        order = fulfillment.order
        if not order.buyer_email:
            logger.info("No shipment email for order #%s: the buyer has no email", order.number)
            Fulfillment.objects.filter(pk=fulfillment.pk).update(email_due_at=None)
            return "no email"
        lease = timezone.now() + EMAIL_LEASE
        Fulfillment.objects.filter(pk=fulfillment.pk).update(email_due_at=lease)
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
        return _Claim(
            order_id=order.pk,
            lease=lease,
            to=order.buyer_email,
            subject=f"Your order #{order.number} has shipped",
            body=render_to_string("fulfillments/shipment_email.txt", context),
            tracking_number=fulfillment.tracking_number,
        )


# ---- "Ready for pickup": the pickup instructions, sent by the tasks worker ----
#
# The PICKUP_READY_EMAIL_SENT activity carries the email's state in `details["delivery"]`:
# queued when the packer marks the order ready, then sent (with `sentAt`) or failed (with
# `error`) once the worker tried. The timeline shows which.

PICKUP_EMAIL_QUEUED = "queued"
PICKUP_EMAIL_SENT = "sent"
PICKUP_EMAIL_FAILED = "failed"


def pickup_email_queue(*, activity_id: int) -> None:
    """Call inside the transaction that recorded the PICKUP_READY_EMAIL_SENT activity: queue
    its email. With the database tasks backend the task's row is written in this transaction,
    so it commits (or rolls back) with the change and no outage between the two can lose it;
    another backend gets it after commit."""
    if isinstance(pickup_email_send.get_backend(), DatabaseBackend):
        pickup_email_send.enqueue(activity_id=activity_id)
    else:
        transaction.on_commit(lambda: pickup_email_send.enqueue(activity_id=activity_id))


@task()
def pickup_email_send(activity_id: int) -> str:
    """Email the buyer the pickup instructions of a "ready for pickup" still queued."""
    return pickup_email_deliver(activity_id=activity_id)


def pickup_email_deliver(*, activity_id: int) -> str:
    """Send the email of a queued PICKUP_READY_EMAIL_SENT activity and mark it sent; returns
    "sent", or "not queued" (sent or failed already, gone, or another worker is sending it:
    its row is locked, SKIP LOCKED passes it by). A failed send marks it failed and raises."""
    failure: Exception | None = None
    with transaction.atomic():
        activity = (
            Activity.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("order")
            .filter(
                pk=activity_id,
                type=ActivityType.PICKUP_READY_EMAIL_SENT,
                details__delivery=PICKUP_EMAIL_QUEUED,
            )
            .first()
        )
        if activity is None:
            return "not queued"
        number = activity.order.number
        body = f"Your order #{number} from {store_settings_get().store_name} is ready for pickup."
        if instructions := activity.details.get("pickupInstructions"):
            body += f"\n\n{instructions}"
        details = dict(activity.details)
        try:
            send_mail(
                subject=f"Order #{number} is ready for pickup",
                message=body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[details["email"]],
            )
        except Exception as error:
            failure = error
            details.update(delivery=PICKUP_EMAIL_FAILED, error=str(error)[:200])
        else:
            details.update(delivery=PICKUP_EMAIL_SENT, sentAt=timezone.now().isoformat())
        Activity.objects.filter(pk=activity_id).update(details=details)
    if failure is not None:
        raise failure
    return "sent"
