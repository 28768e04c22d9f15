"""The home page's maintained figures: the triggers that keep them true in the same
transaction as every write, and their rebuilds.

- `OrderDay`: orders per (day placed, payment, fulfillment, archived, pickup): the backlog,
  its age buckets, unpaid and pickup orders waiting, orders placed per day.
- `ShippedDay`: visible orders that got a fulfillment, per day: the chart's shipped bars and
  "Fulfilled today". A changed (order, day) pair looks up only that order's fulfillments that
  day (the (order, date) index) to learn whether the order's first or last parcel of the day
  came or went.
- `PackerDay`: fulfillments per (day, packer): the packer figures for today and this week.
- `OrderShipment` (one row per fulfilled order: placed, first fulfilled) and, from it by a
  trigger of its own, `LeadTimeWeek`: a histogram of lead times per week, from which the
  home page takes each week's median (`LEAD_BUCKET`: exact to the minute under a day, to the
  hour from a day on, the resolution the page shows durations in).

Days and weeks are the store's (the zone `StatsZone` names); `figures_rebuild` recounts every
table in a new zone. So the home page reads O(days x states + weeks x buckets + days x
packers) rows, never the orders or fulfillments of a window, whatever the data's age.

Why triggers rather than counting at read time or calling a helper from the services: the
backlog is a set of *current* states spread over the store's whole history (the demo data has a
quarter of a million open paid orders at a million orders), so counting it per visit costs
O(backlog) whatever the index; a per-day, per-state table costs O(days x states). Triggers see
every writer (services, the admin, raw SQL, the seed's bulk INSERT ... SELECT, the ORM in
tests), so the figures cannot drift from the orders, and they run inside the writer's
transaction. They are statement-level with transition tables: a bulk statement makes one
aggregated upsert per table, keys are upserted in sorted order, tables in a fixed order
(OrderDay, ShippedDay, PackerDay, OrderShipment, LeadTimeWeek), so two statements never wait
for each other's rows crosswise, and an update that changes no counted column writes nothing.
They are `ENABLE ALWAYS`, so they also fire while the seed runs with
`session_replication_role = replica`.

Concurrent writes to one order are serialized by the services' order lock (every mutation
locks the order row first); `ShippedDay`'s "first parcel of the day" and `OrderShipment`'s
first fulfillment rely on it, as they read the order's other fulfillments.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from fulfillments.models import STATS_ZONE_PK

ORDER_DAY_COLUMNS = "day, payment_status, fulfillment_status, archived, pickup"
STATS_ZONE_SQL = (
    f"COALESCE((SELECT s.zone FROM fulfillments_statszone s WHERE s.id = {STATS_ZONE_PK}), 'UTC')"
)

# A lead time's histogram bucket, in minutes (its lower bound): whole minutes under a day,
# whole hours from a day on, as the home page shows durations ("3 h 20 min", "2 d 4 h"), so
# a week's median read from the buckets shows what the exact median would (the lower
# bound floors it as the label does). Negative lead times (an order redated after it
# shipped) count as 0, as the label shows them. Under a day that is 1,440 buckets at most,
# then one per hour of the longest lead time: a week's median reads that many rows at most,
# whatever the number of orders.
LEAD_BUCKET = """
CREATE OR REPLACE FUNCTION home_lead_bucket(lead interval) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN seconds < 86400 THEN GREATEST(floor(seconds / 60), 0)::integer
                ELSE (floor(seconds / 3600) * 60)::integer END
    FROM (SELECT extract(epoch FROM lead) AS seconds) AS s
$$;
"""


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


def _shipped_day_changes(changes: str) -> str:
    """ShippedDay += the orders that got their first fulfillment of a day, -= those that lost
    their last. `changes` are fulfillment rows (order_id, date_created, n = +1 added, -1
    removed); the table already holds the statement's result, so each changed (order, day)
    counts that order's fulfillments that day now and before (now - n). The changed orders'
    fulfillments are read as one set (the order index for a few orders, one hashed pass for
    a seed's batch, which runs without that index)."""
    return f"""
    WITH changed AS MATERIALIZED (
        SELECT x.order_id, (x.date_created AT TIME ZONE stats_zone)::date AS day, sum(x.n) AS n
        FROM ({changes}) AS x GROUP BY 1, 2 HAVING sum(x.n) <> 0
    ), present AS (
        SELECT f.order_id, (f.date_created AT TIME ZONE stats_zone)::date AS day,
               count(*) AS fulfilled
        FROM fulfillments_fulfillment f
        WHERE f.order_id IN (SELECT order_id FROM changed)
        GROUP BY 1, 2
    )
    INSERT INTO fulfillments_shippedday AS d (day, orders)
    SELECT c.day, sum((COALESCE(p.fulfilled, 0) > 0)::int
                      - (COALESCE(p.fulfilled, 0) - c.n > 0)::int)
    FROM changed c
    JOIN orders_order o ON o.id = c.order_id AND NOT o.hidden
    LEFT JOIN present p ON p.order_id = c.order_id AND p.day = c.day
    GROUP BY c.day
    HAVING sum((COALESCE(p.fulfilled, 0) > 0)::int - (COALESCE(p.fulfilled, 0) - c.n > 0)::int)
        <> 0
    ORDER BY c.day
    ON CONFLICT (day) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    """


def _packer_day_changes(changes: str) -> str:
    """PackerDay += the fulfillment rows of visible orders in `changes` (+1 / -1 each)."""
    return f"""
    INSERT INTO fulfillments_packerday AS p (day, packer_id, fulfillments)
    SELECT (x.date_created AT TIME ZONE stats_zone)::date, x.created_by_id, sum(x.n)
    FROM ({changes}) AS x JOIN orders_order o ON o.id = x.order_id AND NOT o.hidden
    GROUP BY 1, 2 HAVING sum(x.n) <> 0 ORDER BY 1, 2
    ON CONFLICT (day, packer_id)
    DO UPDATE SET fulfillments = p.fulfillments + EXCLUDED.fulfillments;
    """


def _fulfillment_rows(table: str, sign: int) -> str:
    return f"SELECT order_id, date_created, created_by_id, {sign} AS n FROM {table}"


# Every fulfillment of the orders `ids` added to (direction 1) or taken from (-1) ShippedDay
# and PackerDay: orders that appear, disappear or change visibility with their fulfillments.
ORDERS_FULFILLMENTS_ADD = """
CREATE OR REPLACE FUNCTION home_orders_fulfillments_add(ids uuid[], direction integer,
                                                        stats_zone text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF cardinality(ids) = 0 THEN
        RETURN;
    END IF;
    INSERT INTO fulfillments_shippedday AS d (day, orders)
    SELECT x.day, direction * count(*) FROM (
        SELECT DISTINCT f.order_id, (f.date_created AT TIME ZONE stats_zone)::date AS day
        FROM fulfillments_fulfillment f WHERE f.order_id = ANY(ids)
    ) AS x
    GROUP BY x.day ORDER BY x.day
    ON CONFLICT (day) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    INSERT INTO fulfillments_packerday AS p (day, packer_id, fulfillments)
    SELECT (f.date_created AT TIME ZONE stats_zone)::date, f.created_by_id, direction * count(*)
    FROM fulfillments_fulfillment f WHERE f.order_id = ANY(ids)
    GROUP BY 1, 2 ORDER BY 1, 2
    ON CONFLICT (day, packer_id)
    DO UPDATE SET fulfillments = p.fulfillments + EXCLUDED.fulfillments;
END $$;
"""

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
    stats_zone text := {STATS_ZONE_SQL};
    shipped uuid[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_order_day_upsert(_key_select("new_rows", 1, "stats_zone"))}
        -- Fulfillments written before their order (foreign keys are checked at commit).
        shipped := ARRAY(
            SELECT DISTINCT f.order_id FROM fulfillments_fulfillment f
            JOIN new_rows n ON n.id = f.order_id WHERE NOT n.hidden ORDER BY 1);
        PERFORM home_orders_fulfillments_add(shipped, 1, stats_zone);
        PERFORM home_ordershipment_refresh(shipped);
    ELSIF TG_OP = 'DELETE' THEN
        {_order_day_upsert(_key_select("old_rows", -1, "stats_zone"))}
        PERFORM home_orders_fulfillments_add(ARRAY(
            SELECT o.id FROM old_rows o WHERE NOT o.hidden ORDER BY o.id), -1, stats_zone);
        DELETE FROM fulfillments_ordershipment WHERE order_id IN (SELECT id FROM old_rows);
    ELSE
        {
    _order_day_upsert(
        _key_select("new_rows", 1, "stats_zone")
        + " UNION ALL "
        + _key_select("old_rows", -1, "stats_zone")
    )
}
        PERFORM home_orders_fulfillments_add(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE o.hidden AND NOT n.hidden ORDER BY n.id), 1, stats_zone);
        PERFORM home_orders_fulfillments_add(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.hidden AND NOT o.hidden ORDER BY n.id), -1, stats_zone);
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.date_created IS DISTINCT FROM o.date_created
               OR n.hidden IS DISTINCT FROM o.hidden ORDER BY n.id));
    END IF;
    RETURN NULL;
END $$;
"""

FULFILLMENT_TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION home_fulfillments_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stats_zone text := {STATS_ZONE_SQL};
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_shipped_day_changes(_fulfillment_rows("new_rows", 1))}
        {_packer_day_changes(_fulfillment_rows("new_rows", 1))}
        INSERT INTO fulfillments_ordershipment AS s (order_id, placed_at, first_fulfilled_at)
        SELECT f.order_id, o.date_created, min(f.date_created)
        FROM new_rows f JOIN orders_order o ON o.id = f.order_id
        WHERE NOT o.hidden
        GROUP BY f.order_id, o.date_created ORDER BY f.order_id
        ON CONFLICT (order_id) DO UPDATE SET first_fulfilled_at = EXCLUDED.first_fulfilled_at
        WHERE s.first_fulfilled_at > EXCLUDED.first_fulfilled_at;
    ELSIF TG_OP = 'DELETE' THEN
        {_shipped_day_changes(_fulfillment_rows("old_rows", -1))}
        {_packer_day_changes(_fulfillment_rows("old_rows", -1))}
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT DISTINCT order_id FROM old_rows ORDER BY order_id));
    ELSE
        {
    _shipped_day_changes(
        _fulfillment_rows("new_rows", 1) + " UNION ALL " + _fulfillment_rows("old_rows", -1)
    )
}
        {
    _packer_day_changes(
        _fulfillment_rows("new_rows", 1) + " UNION ALL " + _fulfillment_rows("old_rows", -1)
    )
}
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT n.order_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.order_id IS DISTINCT FROM o.order_id
               OR n.date_created IS DISTINCT FROM o.date_created
            UNION SELECT o.order_id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.order_id IS DISTINCT FROM o.order_id
               OR n.date_created IS DISTINCT FROM o.date_created
            ORDER BY 1));
    END IF;
    RETURN NULL;
END $$;
"""


def _lead_time_changes(table: str, sign: int) -> str:
    return (
        "SELECT date_trunc('week', s.first_fulfilled_at AT TIME ZONE stats_zone)::date AS week,"
        f" home_lead_bucket(s.first_fulfilled_at - s.placed_at) AS minutes, {sign} AS n"
        f" FROM {table} s"
    )


def _lead_time_upsert(changes: str) -> str:
    return f"""
    INSERT INTO fulfillments_leadtimeweek AS w (week, minutes, orders)
    SELECT week, minutes, sum(n) FROM ({changes}) AS c
    GROUP BY week, minutes HAVING sum(n) <> 0 ORDER BY week, minutes
    ON CONFLICT (week, minutes) DO UPDATE SET orders = w.orders + EXCLUDED.orders;
    """


SHIPMENT_TRIGGER_FUNCTION = f"""
CREATE OR REPLACE FUNCTION home_ordershipment_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stats_zone text := {STATS_ZONE_SQL};
BEGIN
    IF TG_OP = 'INSERT' THEN
        {_lead_time_upsert(_lead_time_changes("new_rows", 1))}
    ELSIF TG_OP = 'DELETE' THEN
        {_lead_time_upsert(_lead_time_changes("old_rows", -1))}
    ELSE
        {
    _lead_time_upsert(
        _lead_time_changes("new_rows", 1) + " UNION ALL " + _lead_time_changes("old_rows", -1)
    )
}
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


# Migration 0006 installed the first two tables' triggers; 0008 replaces their functions (the
# CREATE OR REPLACE below) and adds the third table's. Changing a function later takes a
# migration of its own and a frozen copy of these for 0008, as _home_sql_0006 is for 0006.
FUNCTIONS_SQL = [
    LEAD_BUCKET,
    ORDERS_FULFILLMENTS_ADD,
    SHIPMENT_REFRESH,
    ORDER_TRIGGER_FUNCTION,
    FULFILLMENT_TRIGGER_FUNCTION,
    SHIPMENT_TRIGGER_FUNCTION,
]
SHIPMENT_TRIGGERS_SQL = _triggers(
    "fulfillments_ordershipment", "home_ordershipment_changed", "home_shipment"
)
SHIPMENT_TRIGGERS_DROP_SQL = [
    f"DROP TRIGGER IF EXISTS home_shipment_{event} ON fulfillments_ordershipment"
    for event in ("insert", "update", "delete")
]
KEEPING_UP_FUNCTIONS_DROP_SQL = [
    "DROP FUNCTION IF EXISTS home_ordershipment_changed()",
    "DROP FUNCTION IF EXISTS home_orders_fulfillments_add(uuid[], integer, text)",
    "DROP FUNCTION IF EXISTS home_lead_bucket(interval)",
]


def store_zone_name() -> str:
    """The store's time zone: the day boundaries of every figure on the home page."""
    return timezone.get_default_timezone_name()


def stats_zone_name() -> str:
    """The zone the figures are counted in now (the store's until a rebuild says otherwise)."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {STATS_ZONE_SQL}")
        return cursor.fetchone()[0]


def order_days_rebuild(*, zone: str | None = None) -> None:
    """Recount OrderDay from the orders, in `zone` (default: the store's), and record `zone`
    as the figures' zone. Order writes wait for it (a SHARE lock on the orders table), so
    none is counted in the old zone after it. `figures_rebuild` recounts every table."""
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


def keeping_up_rebuild(*, zone: str) -> None:
    """Recount ShippedDay, PackerDay and LeadTimeWeek in `zone` from the fulfillments and
    OrderShipment (what the triggers keep true). Writers wait (SHARE locks on the orders
    and fulfillments)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("LOCK TABLE orders_order, fulfillments_fulfillment IN SHARE MODE")
        # Hidden orders are left out by their ids (a few, from a partial index, hashed):
        # joining every fulfillment to its order took 4-10x longer at a million orders.
        visible = "f.order_id NOT IN (SELECT id FROM orders_order WHERE hidden)"
        cursor.execute("DELETE FROM fulfillments_shippedday")
        cursor.execute(
            "INSERT INTO fulfillments_shippedday (day, orders)"
            " SELECT day, count(*) FROM ("
            "  SELECT f.order_id, (f.date_created AT TIME ZONE %s)::date AS day"
            f"  FROM fulfillments_fulfillment f WHERE {visible} GROUP BY 1, 2) AS x GROUP BY day",
            [zone],
        )
        cursor.execute("DELETE FROM fulfillments_packerday")
        cursor.execute(
            "INSERT INTO fulfillments_packerday (day, packer_id, fulfillments)"
            " SELECT (f.date_created AT TIME ZONE %s)::date, f.created_by_id, count(*)"
            f" FROM fulfillments_fulfillment f WHERE {visible} GROUP BY 1, 2",
            [zone],
        )
        cursor.execute("DELETE FROM fulfillments_leadtimeweek")
        cursor.execute(
            "INSERT INTO fulfillments_leadtimeweek (week, minutes, orders)"
            " SELECT week, minutes, count(*) FROM ("
            + _lead_time_changes("fulfillments_ordershipment", 1).replace("stats_zone", "%s")
            + ") AS c GROUP BY week, minutes",
            [zone],
        )


def figures_rebuild(*, zone: str | None = None) -> None:
    """Recount every figure table in `zone` (default: the store's) and record it as the
    figures' zone: what the home page does when the store's zone changed."""
    zone = zone or store_zone_name()
    with transaction.atomic(), connection.cursor() as cursor:
        # Both tables at once, before either rebuild, so no writer slips between them.
        cursor.execute("LOCK TABLE orders_order, fulfillments_fulfillment IN SHARE MODE")
        order_days_rebuild(zone=zone)
        keeping_up_rebuild(zone=zone)


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
