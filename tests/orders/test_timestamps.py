"""The millisecond migrations' batch function reports each batch (bench/ms_migration.py)."""

from __future__ import annotations

import pytest
from django.db import connection

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
        connection, "orders_order", ["last_updated"], batch=2, on_batch=report
    )
    assert changed == 3
    # 5 rows in batches of 2: three batches (2, 2, 1 rows scanned).
    assert len(batches) == 3
    assert sum(rows for rows, _ in batches) == 3
    assert all(seconds > 0 for _, seconds in batches)
