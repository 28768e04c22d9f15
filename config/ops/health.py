"""Health checks for a load balancer: /healthz (the process answers) and /readyz (it can serve).

Answered by a middleware placed first, before host validation, the HTTPS redirect, sessions and
login: a load balancer probes by IP over plain HTTP, and a probe should cost no session lookup.
The answers name the checks and their state only, never an error text, host or version.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from config.ops.tasks import TASKS_WORKER, worker_heartbeat
from orders.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
_migrated: set[str] = set()


def database_ok() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:
        logger.warning("readyz: the database is unreachable", exc_info=True)
        return False


def migrations_ok() -> bool:
    """No unapplied migration; once true it stays true for this process (code cannot gain a
    migration without a restart), so only the first probe pays for loading the graph."""
    if DEFAULT_DB_ALIAS in _migrated:
        return True
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        logger.warning("readyz: could not read the migration state", exc_info=True)
        return False
    if not plan:
        _migrated.add(DEFAULT_DB_ALIAS)
    return not plan


def worker_ok() -> bool:
    """A tasks worker ran a heartbeat task within PACKDESK_WORKER_STALE_AFTER seconds.

    Probes queue the heartbeat themselves, at most once per half of that window across all
    web processes (the conditional UPDATE decides which probe queues it)."""
    stale_after = timedelta(seconds=settings.PACKDESK_WORKER_STALE_AFTER)
    now = timezone.now()
    try:
        beat, _ = WorkerHeartbeat.objects.get_or_create(name=TASKS_WORKER)
        due = Q(requested_at__isnull=True) | Q(requested_at__lt=now - stale_after / 2)
        if WorkerHeartbeat.objects.filter(due, name=TASKS_WORKER).update(requested_at=now):
            worker_heartbeat.enqueue()
    except Exception:
        logger.warning("readyz: could not check the tasks worker", exc_info=True)
        return False
    return beat.seen_at is not None and now - beat.seen_at <= stale_after


CHECKS: dict[str, Callable[[], bool]] = {
    "database": database_ok,
    "migrations": migrations_ok,
    "worker": worker_ok,
}


def readiness() -> tuple[bool, dict[str, str]]:
    results: dict[str, str] = {}
    for name, check in CHECKS.items():
        ok = check()
        results[name] = "ok" if ok else "failing"
        if not ok and name == "database":
            # Nothing else can be read without the database.
            results.update({other: "unknown" for other in CHECKS if other not in results})
            break
    return all(value == "ok" for value in results.values()), results


def _answer(status: int, body: dict) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type="application/json")
    response["Cache-Control"] = "no-store"
    # A failing probe is not a server error worth a traceback-level log line per probe.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class HealthCheckMiddleware:
    """Answers GET/HEAD /healthz and /readyz; passes every other request on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path not in (HEALTH_PATH, READY_PATH):
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return _answer(405, {"status": "method not allowed"})
        if request.path == HEALTH_PATH:
            return _answer(200, {"status": "ok"})
        ready, checks = readiness()
        return _answer(
            200 if ready else 503, {"status": "ok" if ready else "unavailable", "checks": checks}
        )
