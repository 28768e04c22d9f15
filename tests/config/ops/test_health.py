"""/healthz and /readyz: no login, any Host, nothing leaked, readiness follows its checks."""

from __future__ import annotations

import pytest
from django.test import Client
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from config.ops import health

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def run_queued_tasks() -> None:
    """Run what is queued as db_worker does (its loop closes connections, which a test
    transaction cannot allow)."""
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
    for row in DBTaskResult.objects.ready():
        row.claim(worker.worker_id)
        worker.run_task(row)


def test_healthz_answers_without_login_or_cookies(client: Client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies


def test_healthz_answers_a_probe_by_ip_host(client: Client):
    """A load balancer probes by the machine's address, which ALLOWED_HOSTS does not list."""
    response = client.get("/healthz", HTTP_HOST="10.1.2.3:8000")
    assert response.status_code == 200


def test_health_refuses_writes(client: Client):
    assert client.post("/healthz").status_code == 405


def test_readyz_waits_for_a_tasks_worker(db, client: Client, settings):
    settings.TASKS = DATABASE_TASKS
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "ok", "migrations": "ok", "worker": "failing"},
    }
    # The probe queued one heartbeat; probes right after it do not queue more.
    client.get("/readyz")
    assert DBTaskResult.objects.filter(task_path="config.ops.tasks.worker_heartbeat").count() == 1

    run_queued_tasks()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readyz_says_unavailable_without_details_when_the_database_fails(
    db, client: Client, monkeypatch
):
    def broken() -> bool:
        return False

    monkeypatch.setitem(health.CHECKS, "database", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "failing", "migrations": "unknown", "worker": "unknown"},
    }


def test_readyz_reports_unapplied_migrations(db, client: Client, monkeypatch):
    monkeypatch.setattr(health, "_migrated", set())
    monkeypatch.setattr(
        health.MigrationExecutor, "migration_plan", lambda self, targets: [("orders", False)]
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["migrations"] == "failing"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_answers_are_not_logged_per_probe(db, client: Client, caplog, path):
    with caplog.at_level("INFO", logger="packdesk.request"):
        client.get(path)
    assert not [r for r in caplog.records if r.name == "packdesk.request"]
