"""Real lock waits for tests: another connection holds a lock while the request's statements
run under a short statement timeout, so PostgreSQL cancels the one that waits for it.

For transactional tests (`django_db(transaction=True)`): the rows the test made must be
committed for the other connection to lock them."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from django.db import connection

# Long enough for the request's own statements on a busy machine, short for the blocked one.
SHORT_TIMEOUT_MS = 1500


def other_connection() -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        dbname=s["NAME"],
        user=s["USER"] or "postgres",
        password=s["PASSWORD"] or None,
        host=s["HOST"],
        port=s["PORT"] or None,
    )


@contextlib.contextmanager
def held(sql: str, *params) -> Iterator[None]:
    """Run `sql` (a lock) in another connection's open transaction and keep it meanwhile;
    the request's statements time out after SHORT_TIMEOUT_MS."""
    with other_connection() as other:
        other.execute(sql, params)
        with connection.cursor() as cursor:
            cursor.execute(f"SET statement_timeout = {SHORT_TIMEOUT_MS}")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("RESET statement_timeout")
            other.rollback()
