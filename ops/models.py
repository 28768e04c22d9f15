"""Operational state shared by every process: when the tasks worker last proved it runs."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per kind of background worker. `requested_at` is when a web process last
    queued a heartbeat task; `seen_at` is when a worker last ran one."""

    name = models.CharField(max_length=50, primary_key=True)
    requested_at = models.DateTimeField(null=True)
    seen_at = models.DateTimeField(null=True)

    def __str__(self) -> str:
        return f"{self.name}: seen {self.seen_at}"


class ReadPin(models.Model):
    """An API key that wrote recently reads from the primary until `until` (read-your-writes
    with replicas; ops/replicas.py). Sessions carry the same pin in a signed cookie."""

    subject = models.CharField(max_length=100, primary_key=True)
    until = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.subject} until {self.until}"
