"""The tasks worker's sweeps (config/ops/tasks.py): two workers of a PostgreSQL of this test's
own send the shipment emails whose task was lost, each exactly once, before and after the
database is stopped and started again under them; and the tasks an outage cut off in a worker
are queued again when it reconnects."""

from __future__ import annotations

import re

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from config.ops.tasks import worker_heartbeat
from orders.webhooks.management.commands.tasks_worker import tasks_requeue
from tests.orders.webhooks.test_outage import Output
from tests.own_postgres import manage, own_postgres, pg_ctl, start

# A fulfillment whose buyer is to be emailed, made in a process whose tasks backend loses
# every task (the database gone between the commit and the enqueue), made due at once.
LOST_EMAIL = """
from datetime import timedelta
from django.contrib.auth.models import User
from fulfillments.models import Fulfillment
from fulfillments.notify import SWEEP_GRACE
from fulfillments.services import fulfillment_create
from tests.factories import make_order
owner, _ = User.objects.get_or_create(username="owner")
made = fulfillment_create(order=make_order(lines=1), lines=[(1, 1)],
    tracking={"trackingNumber": "%s"}, actor=owner, notify=True)
Fulfillment.objects.filter(pk=made.pk).update(email_due_at=made.date_created - SWEEP_GRACE)
"""

SENT = """
from orders.models import Activity
print("SENT", sorted(a.details["trackingNumber"] for a in
    Activity.objects.filter(type="SHIPPING_CONFIRMATION_EMAIL_SENT")))
"""


@pytest.fixture(name="own_postgres")
def own_postgres_fixture():
    with own_postgres(
        "packdesk-sweep-",
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    ) as (server, env):
        yield server, env


def lose_tasks(env: dict) -> dict:
    return {**env, "PACKDESK_TASKS_BACKEND": "django.tasks.backends.dummy.DummyBackend"}


def test_two_workers_sweep_lost_emails_once_across_a_database_restart(own_postgres):
    server, env = own_postgres
    worker = ("tasks_worker", "--interval", "0.2", "--no-startup-delay", "--sweep-every", "0.2")
    processes = [start(env, *worker) for _ in range(2)]
    output = Output(*processes)
    try:
        manage(lose_tasks(env), "shell", "-c", LOST_EMAIL % "BEFORE")
        assert output.wait_for("Sweep shipment emails: 1 done"), "\n".join(output.lines)

        pg_ctl(server, "-m", "fast", "stop")
        assert output.wait_for("Sweep shipment emails: database unavailable", times=2)
        server.ensure_postgres_running()
        assert server.get_uri() == env["DATABASE_URL"]

        manage(lose_tasks(env), "shell", "-c", LOST_EMAIL % "AFTER")
        assert output.wait_for("Sweep shipment emails: 1 done", times=2), "\n".join(output.lines)
        # Each email went out once (the console backend prints it), and was recorded once.
        assert output.count("Subject: Your order #") == 2, "\n".join(output.lines)
        assert re.search(r"^SENT \['AFTER', 'BEFORE'\]$", manage(env, "shell", "-c", SENT), re.M)
        assert [process.poll() for process in processes] == [None, None]
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=30)


def test_tasks_cut_off_by_an_outage_are_queued_again(db):
    """Only this worker's running tasks: another worker's are still running."""
    mine = worker_heartbeat.enqueue().db_result
    theirs = worker_heartbeat.enqueue().db_result
    mine.claim("worker-a")
    theirs.claim("worker-b")
    assert tasks_requeue(worker_id="worker-a") == 1
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.status, mine.started_at) == (TaskResultStatus.READY, None)
    assert theirs.status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.ready().get() == mine
