"""The millisecond migrations' batch function reports each batch (bench/ms_migration.py)."""

from __future__ import annotations

import pytest
from django.db import connection

from orders import timestamps
from orders.timestamps import truncate_stored
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def test_truncate_stored_reports_every_batch_after_its_commit():
    orders = [make_order(lines=1) for _ in range(5)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET last_updated = date_trunc('milliseconds', last_updated)"
            " + interval '456 microseconds' WHERE id = ANY(%s)",
            [[o.pk for o in orders[:3]]],
        )
    batches: list[tuple[int, float]] = []

    def report(rows: int, seconds: float) -> None:
        # After the batch's transaction (here a savepoint in the test's) has ended.
        assert connection.savepoint_ids == []
        batches.append((rows, seconds))

    changed = truncate_stored(
        connection, "orders_order", ["last_updated"], batch=2, target_seconds=None, on_batch=report
    )
    assert changed == 3
    # 5 rows in batches of 2: three batches (2, 2, 1 rows scanned).
    assert len(batches) == 3
    assert sum(rows for rows, _ in batches) == 3
    assert all(seconds > 0 for _, seconds in batches)


def test_truncate_stored_sizes_batches_by_their_time(monkeypatch):
    monkeypatch.setattr(timestamps, "MIN_BATCH", 1)
    orders = [make_order(lines=1) for _ in range(7)]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET date_created = date_trunc('milliseconds', date_created)"
            " + interval '7 microseconds' WHERE id = ANY(%s)",
            [[o.pk for o in orders]],
        )
    fast: list[int] = []
    # Far under the target: each batch doubles (1, 2, 4 rows; the last, past the end, is empty).
    truncate_stored(
        connection,
        "orders_order",
        ["date_created"],
        batch=1,
        target_seconds=3600,
        on_batch=lambda rows, _seconds: fast.append(rows),
    )
    assert fast == [1, 2, 4, 0]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE orders_order SET date_created = date_created + interval '7 microseconds'"
            " WHERE id = ANY(%s)",
            [[o.pk for o in orders]],
        )
    slow: list[int] = []
    # Every batch over the target: the size falls to the floor and stays there.
    truncate_stored(
        connection,
        "orders_order",
        ["date_created"],
        batch=4,
        target_seconds=1e-9,
        on_batch=lambda rows, _seconds: slow.append(rows),
    )
    assert slow == [4, 1, 1, 1, 0]
