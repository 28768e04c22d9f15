"""Webhook tasks: a committed event queues its delivery in the database, and db_worker runs it."""

from __future__ import annotations

from django_tasks_db.models import DBTaskResult

from orders.services import order_mark_paid
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
)
from orders.webhooks.tasks import delivery_enqueue
from tests.factories import make_order
from tests.orders.webhooks.conftest import DATABASE
from tests.orders.webhooks.receiver import Receiver


def test_commit_queues_delivery_in_database_not_in_request(
    endpoint, owner_client, settings, django_capture_on_commit_callbacks
):
    """The request only writes rows; delivery waits for the worker, so a slow endpoint
    cannot slow the dashboard."""
    settings.TASKS = DATABASE
    order = make_order()
    with Receiver() as receiver:
        receiver.mode = "slow"
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(f"/orders/{order.number}/mark-paid/", {"confirmed": "1"})
        assert response.status_code == 302
        assert receiver.requests == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.attempts == 0
    task = DBTaskResult.objects.get()
    assert task.task_path == "orders.webhooks.tasks.webhook_deliver"
    assert task.args_kwargs == {"args": [delivery.pk], "kwargs": {}}


def test_db_worker_runs_queued_delivery(endpoint, owner, settings):
    """The worker's path: the committed event queues a task row; db_worker's Worker runs it.
    (The command's loop itself closes connections, which a test transaction cannot allow.)"""
    from django_tasks_db.management.commands.db_worker import Worker

    settings.TASKS = DATABASE
    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        delivery = WebhookDelivery.objects.get()
        # The test transaction never commits, so queue as the on_commit hook would.
        delivery_enqueue(delivery_id=delivery.pk)
        worker = Worker(
            queue_names=["default"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        )
        task_row = DBTaskResult.objects.ready().get()
        task_row.claim(worker.worker_id)
        worker.run_task(task_row)
        assert receiver.accepted() == [str(delivery.event_id)]
    task_row.refresh_from_db()
    assert task_row.status == "SUCCESSFUL"
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    assert delivery.last_response_code == 200
