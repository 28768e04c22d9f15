"""config.database.check_pooled_connection: the pool's check sends nothing for a healthy
idle connection and still refuses one whose server side is gone."""

from __future__ import annotations

import select
import tempfile

import psycopg
import pytest
from django.db import connection

from config.database import check_pooled_connection


def connect() -> psycopg.Connection:
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    return psycopg.connect(**params, autocommit=True)


@pytest.fixture
def raw_connection(db):
    with connect() as conn:
        yield conn


def traced(conn, action) -> str:
    """What libpq sent and received while `action` ran (its protocol trace)."""
    with tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        try:
            action()
        finally:
            conn.pgconn.untrace()
        trace.seek(0)
        return trace.read()


def test_a_healthy_idle_connection_is_checked_without_a_round_trip(raw_connection):
    raw_connection.execute("SELECT 1")
    assert traced(raw_connection, lambda: check_pooled_connection(raw_connection)) == ""
    # The same connection still works: the check consumed nothing it needed.
    assert raw_connection.execute("SELECT 2").fetchone() == (2,)


def test_a_connection_whose_backend_was_terminated_fails_the_check(raw_connection):
    pid = raw_connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        assert cursor.fetchone() == (True,)
    # Wait (without a sleep) until the server's goodbye reaches the socket.
    assert select.select([raw_connection.fileno()], [], [], 30)[0]
    with pytest.raises(psycopg.OperationalError):
        check_pooled_connection(raw_connection)


def test_a_connection_with_something_unread_gets_the_full_check(raw_connection):
    # A notice or notification waiting in the socket is no failure: the full check runs,
    # reads it, and the connection is handed out.
    raw_connection.execute("LISTEN pool_check")
    with connect() as other:  # outside the test's transaction, so the notification is sent
        other.execute("NOTIFY pool_check")
    assert select.select([raw_connection.fileno()], [], [], 30)[0]
    sent = traced(raw_connection, lambda: check_pooled_connection(raw_connection))
    assert "Query" in sent
    assert raw_connection.execute("SELECT 3").fetchone() == (3,)


def test_a_closed_connection_fails_the_check(raw_connection):
    raw_connection.close()
    with pytest.raises(psycopg.OperationalError):
        check_pooled_connection(raw_connection)


def test_the_pool_uses_it(settings):
    assert settings.DATABASES["default"]["OPTIONS"]["pool"]["check"] is check_pooled_connection
