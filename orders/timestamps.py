"""Timestamps at millisecond precision: what the API shows is exactly what is stored.

The JSON writes dates with milliseconds (`2023-03-07T14:26:33.276Z`), so a stored microsecond
would make a filter on a date the API itself returned miss or wrongly include that row. Every
timestamp the API shows is a `MillisecondDateTimeField`, and the services stamp one change with
one `change_time()` so that an order's `lastUpdated` equals its change's last activity.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import models
from django.utils import timezone


def truncate_ms(value: datetime | None) -> datetime | None:
    if value is None or not isinstance(value, datetime):
        return value
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000)


def ms_now() -> datetime:
    """timezone.now() at millisecond precision."""
    now = timezone.now()
    return now.replace(microsecond=now.microsecond - now.microsecond % 1000)


def change_time(order, *, start: datetime | None = None) -> datetime:
    """The one time of the change being made to `order` (the locked instance a service works
    on): its activities and `last_updated` all take it, so `lastUpdated` is the time of the
    change's last activity. The first call stamps the instance; services lock a fresh instance
    per transaction, so each change gets its own time. `start` stamps a new order with the
    time it is created at."""
    stamped = getattr(order, "_change_time", None)
    if stamped is None:
        stamped = start or ms_now()
        order._change_time = stamped
    return stamped


class MillisecondDateTimeField(models.DateTimeField):
    """A DateTimeField that writes (save, update, bulk_create) at millisecond precision.

    Lookups are left alone, so `__lt` with a sub-millisecond value still means what it says."""

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        truncated = truncate_ms(value)
        if truncated is not value:
            setattr(model_instance, self.attname, truncated)
        return truncated

    def get_db_prep_save(self, value, connection):
        return super().get_db_prep_save(truncate_ms(value), connection)


# truncate_stored's batches: a target time per batch (how long its rows stay locked), and the
# bounds its batch size moves between.
BATCH_SECONDS = 0.25
MIN_BATCH, MAX_BATCH = 100, 50_000


def truncate_stored(
    connection,
    table: str,
    columns: list[str],
    *,
    batch: int = 1000,
    target_seconds: float | None = BATCH_SECONDS,
    on_batch: Callable[[int, float], None] | None = None,
) -> int:
    """Truncate `columns` of `table` to milliseconds in batches by primary key (`id`), each
    batch its own short transaction, so no lock is held for long on a big table. Only rows
    with a sub-millisecond value are written. Returns the rows changed.

    The first batch has `batch` rows; each next one is sized from the last one's time to take
    about `target_seconds` (at most twice as many rows each time, between MIN_BATCH and
    MAX_BATCH), so a table with many indexes or a busy server gets smaller batches: at a
    million orders, fixed 5,000-row batches of orders held their rows for 2.3 s (median) and
    up to 6.7 s on a loaded machine (bench/results/). `target_seconds=None` keeps `batch`.
    `on_batch(rows changed, seconds)` is called after each batch's commit (the seconds span the
    whole transaction: how long its row locks were held); bench/ms_migration.py times with it.

    Used by the migrations that made these columns millisecond fields; run outside a
    transaction (the migrations are `atomic = False`)."""
    from django.db import transaction

    quote = connection.ops.quote_name
    table_q = quote(table)
    sets = ", ".join(f"{quote(c)} = date_trunc('milliseconds', {quote(c)})" for c in columns)
    differs = " OR ".join(f"{quote(c)} <> date_trunc('milliseconds', {quote(c)})" for c in columns)
    changed, last, done = 0, None, False
    while not done:
        started = time.perf_counter()
        after = "" if last is None else "WHERE id > %s"
        params: list[Any] = [] if last is None else [last]
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # The batch's last key; none means fewer than `batch` rows remain.
            cursor.execute(
                f"SELECT id FROM {table_q} {after} ORDER BY id OFFSET %s LIMIT 1",
                [*params, batch - 1],
            )
            row = cursor.fetchone()
            done = row is None
            bounds = [] if last is None else ["id > %s"]
            if not done:
                bounds.append("id <= %s")
            where = " AND ".join([*bounds, f"({differs})"])
            cursor.execute(
                f"UPDATE {table_q} SET {sets} WHERE {where}",
                [*params, *([] if done else [row[0]])],
            )
            rows = cursor.rowcount
            last = None if done else row[0]
        seconds = time.perf_counter() - started
        changed += rows
        if on_batch is not None:
            on_batch(rows, seconds)
        if target_seconds is not None:
            scale = min(2.0, target_seconds / max(seconds, 1e-6))
            batch = max(MIN_BATCH, min(MAX_BATCH, int(batch * scale)))
    return changed
