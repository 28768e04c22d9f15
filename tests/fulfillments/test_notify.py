"""Shipment emails: queued after commit when a fulfillment with tracking is created (any
path), sent once per fulfillment through the tasks framework, recorded in the timeline."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from fulfillments import notify
from fulfillments.models import Fulfillment
from fulfillments.notify import pickup_email_deliver, shipment_email_deliver, shipment_emails_sweep
from fulfillments.services import fulfillment_bulk_create, fulfillment_create, pickup_mark_ready
from fulfillments.timeline import timeline
from orders.models import Activity, ActivityType, StoreSettings
from orders.selectors import store_settings_get
from tests.config.locking import held
from tests.fulfillments.test_ship_all_and_pickup import PICKUP

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LOST = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def sent_activities(order):
    return Activity.objects.filter(order=order, type=ActivityType.SHIPPING_CONFIRMATION_EMAIL_SENT)


def test_created_with_tracking_emails_the_buyer_once(
    order_factory, owner, django_capture_on_commit_callbacks
):
    order = order_factory(lines=[{"name": "Mug", "quantity": 2}], buyer_email="ann@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment = fulfillment_create(
            order=order,
            lines=[(1, 2)],
            tracking={"trackingNumber": "1Z999", "shippingProvider": "ups"},
            actor=owner,
        )
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == ["ann@example.com"]
    assert email.subject == f"Your order #{order.number} has shipped"
    assert "2 x Mug" in email.body and "Carrier: UPS" in email.body
    assert "Tracking number: 1Z999" in email.body and fulfillment.tracking_link in email.body
    activity = sent_activities(order).get()
    assert activity.details["fulfillmentId"] == str(fulfillment.id)
    # A second run of the task (a retry, a duplicate) sends nothing more.
    assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "already sent"
    assert len(mail.outbox) == 1 and sent_activities(order).count() == 1


def test_not_sent_before_commit_nor_when_rolled_back(order_factory, owner):
    order = order_factory(lines=1)
    fulfillment_create(order=order, lines=[(1, 1)], tracking={"trackingNumber": "X1"}, actor=owner)
    # The test's transaction never commits: nothing was queued to run.
    assert mail.outbox == []


def test_no_tracking_number_no_email(order_factory, owner, django_capture_on_commit_callbacks):
    order = order_factory(lines=1)
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(order=order, lines=[(1, 1)], tracking={}, actor=owner)
    assert mail.outbox == []


def test_store_default_and_per_request_choice(
    order_factory, owner, django_capture_on_commit_callbacks
):
    store_settings_get()
    StoreSettings.objects.update(notify_buyer_default=False)
    order = order_factory(lines=[{"quantity": 3}])
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(
            order=order, lines=[(1, 1)], tracking={"trackingNumber": "A"}, actor=owner
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(
            order=order, lines=[(1, 1)], tracking={"trackingNumber": "B"}, actor=owner, notify=True
        )
    assert len(mail.outbox) == 1
    StoreSettings.objects.update(notify_buyer_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_create(
            order=order, lines=[(1, 1)], tracking={"trackingNumber": "C"}, actor=owner, notify=False
        )
    assert len(mail.outbox) == 1


def test_bulk_and_api_paths_email_too(
    order_factory, owner, owner_api, django_capture_on_commit_callbacks
):
    first, second = order_factory(lines=1), order_factory(lines=1)
    with django_capture_on_commit_callbacks(execute=True):
        fulfillment_bulk_create(
            items=[(first.id, [{"lines": [(1, 1)], "tracking": {"trackingNumber": "T1"}}])],
            actor=owner,
        )
        response = owner_api.post(
            f"/api/stores/v2/orders/{second.id}/fulfillments",
            {
                "fulfillment": {
                    "lineItems": [{"index": 1, "quantity": 1}],
                    "trackingInfo": {"trackingNumber": "T2", "shippingProvider": "fedex"},
                }
            },
        )
    assert response.status_code == 200, response.content
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.buyer_email, second.buyer_email])


def test_order_page_choice_is_ticked_by_default_and_honoured(
    order_factory, packer_client, django_capture_on_commit_callbacks
):
    order = order_factory(lines=[{"quantity": 2}])
    html = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert 'name="line-1-notify" id="id_line-1-notify" checked' in html
    with django_capture_on_commit_callbacks(execute=True):
        packer_client.post(
            f"/fulfillments/{order.number}/lines/1/",
            {"line-1-quantity": "1", "line-1-carrier": "usps", "line-1-tracking_number": "N1"},
        )
    assert mail.outbox == []  # unticked: no email
    with django_capture_on_commit_callbacks(execute=True):
        packer_client.post(
            f"/fulfillments/{order.number}/lines/1/",
            {
                "line-1-quantity": "1",
                "line-1-carrier": "usps",
                "line-1-tracking_number": "N2",
                "line-1-notify": "on",
            },
        )
    assert len(mail.outbox) == 1
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "Shipment email sent to the buyer" in page


def test_api_create_takes_a_per_request_notify_choice(
    order_factory, owner_api, django_capture_on_commit_callbacks
):
    """`notifyBuyer` beside the spec's body overrides the store's default for that request;
    absent, the default holds. The response shapes do not change."""
    store_settings_get()
    StoreSettings.objects.update(notify_buyer_default=True)
    orders = [order_factory(lines=[{"quantity": 5}]) for _ in range(3)]

    def stores(order, number, **extra):
        body = {
            "fulfillment": {
                "lineItems": [{"index": 1, "quantity": 1}],
                "trackingInfo": {"trackingNumber": number},
            }
        }
        return owner_api.post(f"/api/stores/v2/orders/{order.id}/fulfillments", {**body, **extra})

    def ecom(order, number, **extra):
        line = {"id": str(order.line_items.get().line_id), "quantity": 1}
        body = {"fulfillment": {"lineItems": [line], "trackingInfo": {"trackingNumber": number}}}
        return owner_api.post(
            f"/api/ecom/v1/fulfillments/orders/{order.id}/create-fulfillment", {**body, **extra}
        )

    def bulk(order, number, **extra):
        line = {"id": str(order.line_items.get().line_id), "quantity": 1}
        entry = {
            "orderId": str(order.id),
            "fulfillments": [{"lineItems": [line], "trackingInfo": {"trackingNumber": number}}],
        }
        return owner_api.post(
            "/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments",
            {"ordersWithFulfillments": [entry], **extra},
        )

    with django_capture_on_commit_callbacks(execute=True):
        plain = stores(orders[0], "S1")
        quiet = stores(orders[0], "S2", notifyBuyer=False)
        ecom(orders[1], "E1", notifyBuyer=False)
        bulk(orders[2], "B1", notifyBuyer=False)
    assert plain.status_code == quiet.status_code == 200
    assert plain.json().keys() == quiet.json().keys() == {"id", "order"}
    assert [m.body.split("Tracking number: ")[1].split()[0] for m in mail.outbox] == ["S1"]

    StoreSettings.objects.update(notify_buyer_default=False)
    with django_capture_on_commit_callbacks(execute=True):
        stores(orders[0], "S3")
        stores(orders[0], "S4", notifyBuyer=True)
        response = ecom(orders[1], "E2", notifyBuyer=True)
        bulk(orders[2], "B2", notifyBuyer=True)
        bulk(orders[2], "B3")
    assert response.json().keys() == {"fulfillmentId", "orderWithFulfillments"}
    numbers = sorted(m.body.split("Tracking number: ")[1].split()[0] for m in mail.outbox)
    assert numbers == ["B2", "E2", "S1", "S4"]

    # Not a boolean: a 400 naming the key, nothing written.
    before = orders[0].fulfillments.count()
    refused = stores(orders[0], "S5", notifyBuyer="yes")
    assert refused.status_code == 400
    assert "notifyBuyer" in refused.content.decode()
    assert orders[0].fulfillments.count() == before


def test_bulk_queues_one_task_for_all_its_emails(
    order_factory, owner, django_capture_on_commit_callbacks
):
    """A bulk create's emails are one queued task (not one per order); each is still sent
    once, and only for the fulfillments with a tracking number."""
    orders = [order_factory(lines=1) for _ in range(3)]
    numbers = ["T1", "", "T3"]
    items = [
        (order.id, [{"lines": [(1, 1)], "tracking": {"trackingNumber": number}}])
        for order, number in zip(orders, numbers, strict=True)
    ]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = fulfillment_bulk_create(items=items, actor=owner)
    assert all(result.success for result in results)
    assert len(callbacks) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [orders[0].buyer_email, orders[2].buyer_email]
    )
    made = [result.fulfillments[0] for result in results]
    assert [sent_activities(order).count() for order in orders] == [1, 0, 1]
    assert shipment_email_deliver(fulfillment_id=str(made[0].id)) == "already sent"


def due_at(fulfillment):
    fulfillment.refresh_from_db(fields=["email_due_at"])
    return fulfillment.email_due_at


def test_an_email_whose_task_was_lost_is_sent_by_the_sweep_once(order_factory, owner):
    """The database went away between the commit and the enqueue (here: the on_commit hook
    never runs): the wish was written with the fulfillment, and the sweep sends it once."""
    order = order_factory(lines=1, buyer_email="bo@example.com")
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "LOST1"}, actor=owner
    )
    assert due_at(fulfillment) == fulfillment.date_created
    # Fresh ones are left to their task for SWEEP_GRACE.
    assert shipment_emails_sweep() == 0 and mail.outbox == []
    assert shipment_emails_sweep(grace=timedelta(0)) == 1
    assert [m.to for m in mail.outbox] == [["bo@example.com"]]
    assert "LOST1" in mail.outbox[0].body
    assert due_at(fulfillment) is None
    assert sent_activities(order).get().details["fulfillmentId"] == str(fulfillment.id)
    # Swept again, or its task arriving late: nothing more.
    assert shipment_emails_sweep(grace=timedelta(0)) == 0
    assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "already sent"
    assert len(mail.outbox) == 1 and sent_activities(order).count() == 1


def test_no_email_wanted_is_never_due(order_factory, owner):
    order = order_factory(lines=[{"quantity": 2}])
    quiet = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "Q"}, actor=owner, notify=False
    )
    untracked = fulfillment_create(order=order, lines=[(1, 1)], actor=owner, notify=True)
    assert due_at(quiet) is None and due_at(untracked) is None
    assert shipment_emails_sweep(grace=timedelta(0)) == 0 and mail.outbox == []


def test_a_claimed_email_is_not_sent_by_another_worker(order_factory, owner):
    """A worker that claimed an email (it is sending it) holds it for EMAIL_LEASE: another
    worker's task or sweep passes it by."""
    order = order_factory(lines=1)
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "C1"}, actor=owner
    )
    claim = notify._claim(str(fulfillment.id))
    assert isinstance(claim, notify._Claim)
    assert due_at(fulfillment) == claim.lease
    assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "not due"
    assert shipment_emails_sweep(grace=timedelta(0)) == 0
    assert mail.outbox == []


def test_a_failed_send_is_due_again_later(order_factory, owner, settings):
    settings.EMAIL_BACKEND = "tests.fulfillments.test_notify.RefusingBackend"
    order = order_factory(lines=1)
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "F1"}, actor=owner
    )
    with pytest.raises(ConnectionRefusedError):
        shipment_email_deliver(fulfillment_id=str(fulfillment.id))
    retry = due_at(fulfillment)
    assert retry is not None and retry > timezone.now() + notify.EMAIL_RETRY - timedelta(minutes=1)
    assert not sent_activities(order).exists()
    assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "not due"


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP server down")


@pytest.mark.django_db(transaction=True)
def test_an_email_locked_by_another_worker_is_skipped_not_waited_for(
    order_factory, owner, settings
):
    """Another worker mid-claim holds the fulfillment's row: this one skips it (SKIP LOCKED)
    at once instead of waiting (a wait would run into the short statement timeout), and
    sends it once the row is free."""
    settings.TASKS = LOST  # the commit's task does not run: the workers below race for it
    order = order_factory(lines=1)
    fulfillment = fulfillment_create(
        order=order, lines=[(1, 1)], tracking={"trackingNumber": "L1"}, actor=owner
    )
    table = Fulfillment._meta.db_table
    with held(f'SELECT 1 FROM "{table}" WHERE id = %s FOR UPDATE', fulfillment.id):
        assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "not due"
        assert shipment_emails_sweep(grace=timedelta(0)) == 0
    assert mail.outbox == []
    assert shipment_email_deliver(fulfillment_id=str(fulfillment.id)) == "sent"
    assert len(mail.outbox) == 1


# ---- "Ready for pickup" ----


def pickup_order(order_factory):
    return order_factory(lines=[{"quantity": 2}], shipping_info=PICKUP, payment_status="PAID")


def ready_activity(order):
    return Activity.objects.get(order=order, type=ActivityType.PICKUP_READY_EMAIL_SENT)


def test_pickup_email_is_queued_with_the_change_and_rolled_back_with_it(
    order_factory, packer, settings
):
    """With the database tasks backend the task's row is written in the change's
    transaction: no moment exists where one committed without the other."""
    settings.TASKS = DATABASE_TASKS
    order = pickup_order(order_factory)
    with pytest.raises(RuntimeError), transaction.atomic():
        assert pickup_mark_ready(order=order, actor=packer) is True
        assert DBTaskResult.objects.ready().count() == 1
        raise RuntimeError("the request failed after the service")
    assert not DBTaskResult.objects.exists()
    assert not Activity.objects.filter(type=ActivityType.PICKUP_READY_EMAIL_SENT).exists()

    assert pickup_mark_ready(order=order, actor=packer) is True
    queued = DBTaskResult.objects.get()
    assert queued.task_path == "fulfillments.notify.pickup_email_send"
    assert queued.args_kwargs["kwargs"] == {"activity_id": ready_activity(order).pk}
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_pickup_email_is_sent_by_one_worker_once(order_factory, packer, settings):
    settings.TASKS = LOST
    order = pickup_order(order_factory)
    pickup_mark_ready(order=order, actor=packer)
    activity = ready_activity(order)
    table = Activity._meta.db_table
    with held(f'SELECT 1 FROM "{table}" WHERE id = %s FOR UPDATE', activity.pk):
        assert pickup_email_deliver(activity_id=activity.pk) == "not queued"
    assert mail.outbox == []
    assert pickup_email_deliver(activity_id=activity.pk) == "sent"
    assert pickup_email_deliver(activity_id=activity.pk) == "not queued"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == f"Order #{order.number} is ready for pickup"
    assert "Back door, ring twice." in mail.outbox[0].body
    activity.refresh_from_db()
    assert activity.details["delivery"] == "sent" and activity.details["sentAt"]


def test_a_pickup_email_that_fails_says_so(order_factory, packer, settings):
    settings.TASKS = LOST
    settings.EMAIL_BACKEND = "tests.fulfillments.test_notify.RefusingBackend"
    order = pickup_order(order_factory)
    pickup_mark_ready(order=order, actor=packer)
    activity = ready_activity(order)
    with pytest.raises(ConnectionRefusedError):
        pickup_email_deliver(activity_id=activity.pk)
    activity.refresh_from_db()
    assert activity.details["delivery"] == "failed"
    assert "SMTP server down" in activity.details["error"]
    assert [entry.text for entry in timeline([activity])] == [
        "Ready for pickup · the email to the buyer could not be sent"
    ]
