"""The tasks worker's heartbeat: a task that only records that a worker ran it."""

from __future__ import annotations

from django.tasks import task
from django.utils import timezone

from orders.models import WorkerHeartbeat

TASKS_WORKER = "tasks"


@task()
def worker_heartbeat() -> None:
    WorkerHeartbeat.objects.update_or_create(
        name=TASKS_WORKER, defaults={"seen_at": timezone.now()}
    )
