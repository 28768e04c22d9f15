"""The tasks worker (`tasks_worker`) and the sweeper (`deliver_webhooks --every`) outlive a
database restart: a PostgreSQL of their own is stopped and started again under them, and
deliveries made afterwards still arrive at the receiver."""

from __future__ import annotations

import subprocess
import threading

import pytest

from tests.orders.webhooks.conftest import ALL_EVENTS, SECRET
from tests.orders.webhooks.receiver import Receiver
from tests.own_postgres import manage, own_postgres, pg_ctl, start

WAIT = 90  # seconds; generous for a loaded 2-core machine, a passing run is much faster


class Output:
    """The lines one or more processes write (stdout and stderr together), to wait on."""

    def __init__(self, *processes: subprocess.Popen) -> None:
        self.lines: list[str] = []
        self.changed = threading.Condition()
        for process in processes:
            threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen) -> None:
        for line in process.stdout:
            with self.changed:
                self.lines.append(line.rstrip())
                self.changed.notify_all()

    def count(self, text: str) -> int:
        return sum(text in line for line in self.lines)

    def wait_for(self, text: str, *, times: int = 1) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: self.count(text) >= times, WAIT)


@pytest.fixture(name="own_postgres")
def own_postgres_fixture():
    """An embedded PostgreSQL that only this test uses, migrated; yields (server, env)."""
    with own_postgres("packdesk-outage-") as (server, env):
        yield server, env


PAY_AN_ORDER = """
from django.contrib.auth.models import User
from orders.services import order_mark_paid
from tests.factories import make_order
order_mark_paid(order=make_order(), actor=User.objects.get(username="owner"))
"""


def test_worker_and_sweeper_survive_a_database_restart(own_postgres):
    server, env = own_postgres
    with Receiver() as receiver:
        manage(
            env,
            "shell",
            "-c",
            "from django.contrib.auth.models import User\n"
            "from orders.webhooks.models import WebhookEndpoint\n"
            "owner = User.objects.create_user('owner')\n"
            f"WebhookEndpoint.objects.create(url={receiver.url!r}, events={ALL_EVENTS!r}, "
            f"secret={SECRET!r}, created_by=owner)\n",
        )
        processes = [
            start(env, "tasks_worker", "--interval", "0.2", "--no-startup-delay"),
            # It prints "Attempted N webhook deliveries." after each sweep that sent any.
            start(env, "deliver_webhooks", "--every", "0.3"),
        ]
        worker, sweeper = (Output(process) for process in processes)
        try:
            manage(env, "shell", "-c", PAY_AN_ORDER)
            assert receiver.wait_until(lambda r: len(r.accepted()) == 1, WAIT)
            first_event = receiver.accepted()[0]
            # Both are up and have used the database before it goes away.
            assert worker.wait_for("Starting worker"), worker.lines
            manage(
                env,
                "shell",
                "-c",
                "from orders.webhooks.models import WebhookDelivery\n"
                "from django.utils import timezone\n"
                "WebhookDelivery.objects.update(status='pending', next_attempt_at=timezone.now())",
            )
            assert sweeper.wait_for("Attempted"), sweeper.lines
            assert receiver.wait_until(lambda r: len(r.accepted()) == 2, WAIT)

            pg_ctl(server, "-m", "fast", "stop")
            assert worker.wait_for("Tasks worker: database unavailable"), worker.lines
            assert sweeper.wait_for("Webhook sweep: database unavailable"), "\n".join(sweeper.lines)
            server.ensure_postgres_running()
            assert server.get_uri() == env["DATABASE_URL"]
            sweeps_before = sweeper.count("Attempted")
            tasks_before = worker.count("state=SUCCESSFUL")

            # A new event (its task goes to the worker) and the first one made due again with
            # no task at all, which only the sweeper can send.
            manage(
                env,
                "shell",
                "-c",
                PAY_AN_ORDER + "from orders.webhooks.models import WebhookDelivery\n"
                "from django.utils import timezone\n"
                f"WebhookDelivery.objects.filter(event_id={first_event!r}).update("
                "status='pending', next_attempt_at=timezone.now())\n",
            )
            assert receiver.wait_until(lambda r: len(r.accepted()) == 4, WAIT), receiver.requests
            accepted = receiver.accepted()
            assert accepted.count(first_event) == 3
            assert len(set(accepted)) == 2
            assert worker.wait_for("state=SUCCESSFUL", times=tasks_before + 1), worker.lines
            assert sweeper.wait_for("Attempted", times=sweeps_before + 1), sweeper.lines
            assert [process.poll() for process in processes] == [None, None]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                process.wait(timeout=30)
