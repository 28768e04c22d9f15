"""The home page's maintained figures: the triggers that keep `OrderDay` and `OrderShipment`
true in the same transaction as every write, and their rebuilds.

Why triggers rather than counting at read time or calling a helper from the services: the
backlog is a set of *current* states spread over the store's whole history (the demo data has a
quarter of a million open paid orders at a million orders), so counting it per visit costs
O(backlog) whatever the index; a per-day, per-state table costs O(days x states). Triggers see
every writer (services, the admin, raw SQL, the seed's bulk INSERT ... SELECT, the ORM in
tests), so the figures cannot drift from the orders, and they run inside the writer's
transaction. They are statement-level with transition tables: a bulk statement makes one
aggregated upsert, keys are locked in sorted order (no deadlock between two upserts), and an
update that changes no counted column writes nothing. They are `ENABLE ALWAYS`, so they also
fire while the seed runs with `session_replication_role = replica`.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from fulfillments.models import STATS_ZONE_PK

ORDER_DAY_COLUMNS = "day, payment_status, fulfillment_status, archived, pickup"


def _order_day_upsert(source: str) -> str:
    """Add the per-key sums of `source` (rows of key columns and `n`) to OrderDay."""
    return f"""
    INSERT INTO fulfillments_orderday AS d ({ORDER_DAY_COLUMNS}, orders)
    SELECT {ORDER_DAY_COLUMNS}, sum(n) FROM ({source}) AS changes
    GROUP BY {ORDER_DAY_COLUMNS} HAVING sum(n) <> 0 ORDER BY {ORDER_DAY_COLUMNS}
    ON CONFLICT ({ORDER_DAY_COLUMNS}) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    """


def _key_select(table: str, sign: int, zone: str) -> str:
    """Rows of `table` (orders) as OrderDay keys with `n` = sign; `zone` is SQL for the zone."""
    return (
        f"SELECT (o.date_created AT TIME ZONE {zone})::date AS day, o.payment_status,"
        " o.fulfillment_status, o.archived,"
        " COALESCE(jsonb_typeof(o.shipping_info -> 'pickupDetails') = 'object', false) AS pickup,"
        f" {sign} AS n FROM {table} o WHERE NOT o.hidden"
    )


SHIPMENT_REFRESH = """
CREATE OR REPLACE FUNCTION home_ordershipment_refresh(ids uuid[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    DELETE FROM fulfillments_ordershipment WHERE order_id = ANY(ids);
    INSERT INTO fulfillments_ordershipment (order_id, placed_at, first_fulfilled_at)
    SELECT f.order_id, o.date_created, min(f.date_created)
    FROM fulfillments_fulfillment f JOIN orders_order o ON o.id = f.order_id
    WHERE f.order_id = ANY(ids) AND NOT o.hidden
    GROUP BY f.order_id, o.date_created ORDER BY f.order_id;
END $$;
"""

ORDER_TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION home_orders_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stats_zone text := COALESCE(
        (SELECT s.zone FROM fulfillments_statszone s WHERE s.id = {STATS_ZONE_PK}), 'UTC');
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_order_day_upsert(_key_select("new_rows", 1, "stats_zone"))}
    ELSIF TG_OP = 'DELETE' THEN
        {_order_day_upsert(_key_select("old_rows", -1, "stats_zone"))}
        DELETE FROM fulfillments_ordershipment WHERE order_id IN (SELECT id FROM old_rows);
    ELSE
        {
    _order_day_upsert(
        _key_select("new_rows", 1, "stats_zone")
        + " UNION ALL "
        + _key_select("old_rows", -1, "stats_zone")
    )
}
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.date_created IS DISTINCT FROM o.date_created
               OR n.hidden IS DISTINCT FROM o.hidden));
    END IF;
    RETURN NULL;
END $$;
"""

FULFILLMENT_TRIGGER_FUNCTION = """
CREATE OR REPLACE FUNCTION home_fulfillments_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO fulfillments_ordershipment AS s (order_id, placed_at, first_fulfilled_at)
        SELECT f.order_id, o.date_created, min(f.date_created)
        FROM new_rows f JOIN orders_order o ON o.id = f.order_id
        WHERE NOT o.hidden
        GROUP BY f.order_id, o.date_created ORDER BY f.order_id
        ON CONFLICT (order_id) DO UPDATE SET first_fulfilled_at = EXCLUDED.first_fulfilled_at
        WHERE s.first_fulfilled_at > EXCLUDED.first_fulfilled_at;
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM home_ordershipment_refresh(ARRAY(SELECT DISTINCT order_id FROM old_rows));
    ELSE
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT order_id FROM old_rows UNION SELECT order_id FROM new_rows));
    END IF;
    RETURN NULL;
END $$;
"""


def _triggers(table: str, function: str, prefix: str) -> list[str]:
    statements = []
    for event, referencing in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"{prefix}_{event.lower()}"
        statements += [
            f"CREATE TRIGGER {name} AFTER {event} ON {table} REFERENCING {referencing}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {function}()",
            f"ALTER TABLE {table} ENABLE ALWAYS TRIGGER {name}",
        ]
    return statements


INSTALL_SQL = [
    SHIPMENT_REFRESH,
    ORDER_TRIGGER_FUNCTION,
    FULFILLMENT_TRIGGER_FUNCTION,
    *_triggers("orders_order", "home_orders_changed", "home_orders"),
    *_triggers("fulfillments_fulfillment", "home_fulfillments_changed", "home_fulfil"),
]
UNINSTALL_SQL = [
    *(
        f"DROP TRIGGER IF EXISTS {prefix}_{event} ON {table}"
        for table, prefix in (
            ("orders_order", "home_orders"),
            ("fulfillments_fulfillment", "home_fulfil"),
        )
        for event in ("insert", "update", "delete")
    ),
    "DROP FUNCTION IF EXISTS home_orders_changed()",
    "DROP FUNCTION IF EXISTS home_fulfillments_changed()",
    "DROP FUNCTION IF EXISTS home_ordershipment_refresh(uuid[])",
]


def store_zone_name() -> str:
    """The store's time zone: the day boundaries of every figure on the home page."""
    return timezone.get_default_timezone_name()


def order_days_rebuild(*, zone: str | None = None) -> None:
    """Recount OrderDay from the orders, in `zone` (default: the store's). Order writes wait
    for it (a SHARE lock on the orders table), so none is counted in the old zone after it."""
    zone = zone or store_zone_name()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE orders_order IN SHARE MODE")
        cursor.execute(
            "INSERT INTO fulfillments_statszone (id, zone) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET zone = EXCLUDED.zone",
            [STATS_ZONE_PK, zone],
        )
        cursor.execute("DELETE FROM fulfillments_orderday")
        cursor.execute(
            f"INSERT INTO fulfillments_orderday ({ORDER_DAY_COLUMNS}, orders)"
            f" SELECT {ORDER_DAY_COLUMNS}, sum(n) FROM ("
            + _key_select("orders_order", 1, zone="%s")
            + f") AS keyed GROUP BY {ORDER_DAY_COLUMNS}",
            [zone],
        )


def order_shipments_rebuild() -> None:
    """Recompute OrderShipment from the fulfillments (what the triggers keep true)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE fulfillments_fulfillment IN SHARE MODE")
        cursor.execute("DELETE FROM fulfillments_ordershipment")
        cursor.execute(
            "INSERT INTO fulfillments_ordershipment (order_id, placed_at, first_fulfilled_at)"
            " SELECT f.order_id, o.date_created, min(f.date_created)"
            " FROM fulfillments_fulfillment f JOIN orders_order o ON o.id = f.order_id"
            " WHERE NOT o.hidden GROUP BY f.order_id, o.date_created"
        )
