"""The home page's triggers as migration 0006 installed them, frozen: 0008 replaces
them, and fulfillments/home/stats.py holds only the current ones."""

FUNCTIONS_SQL = [
    """
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
""",
    """
CREATE OR REPLACE FUNCTION home_orders_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    stats_zone text := COALESCE(
        (SELECT s.zone FROM fulfillments_statszone s WHERE s.id = 1), 'UTC');
BEGIN
    IF TG_OP = 'INSERT' THEN
        
    INSERT INTO fulfillments_orderday AS d (day, payment_status, fulfillment_status, archived, pickup, orders)
    SELECT day, payment_status, fulfillment_status, archived, pickup, sum(n) FROM (SELECT (o.date_created AT TIME ZONE stats_zone)::date AS day, o.payment_status, o.fulfillment_status, o.archived, COALESCE(jsonb_typeof(o.shipping_info -> 'pickupDetails') = 'object', false) AS pickup, 1 AS n FROM new_rows o WHERE NOT o.hidden) AS changes
    GROUP BY day, payment_status, fulfillment_status, archived, pickup HAVING sum(n) <> 0 ORDER BY day, payment_status, fulfillment_status, archived, pickup
    ON CONFLICT (day, payment_status, fulfillment_status, archived, pickup) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    
    ELSIF TG_OP = 'DELETE' THEN
        
    INSERT INTO fulfillments_orderday AS d (day, payment_status, fulfillment_status, archived, pickup, orders)
    SELECT day, payment_status, fulfillment_status, archived, pickup, sum(n) FROM (SELECT (o.date_created AT TIME ZONE stats_zone)::date AS day, o.payment_status, o.fulfillment_status, o.archived, COALESCE(jsonb_typeof(o.shipping_info -> 'pickupDetails') = 'object', false) AS pickup, -1 AS n FROM old_rows o WHERE NOT o.hidden) AS changes
    GROUP BY day, payment_status, fulfillment_status, archived, pickup HAVING sum(n) <> 0 ORDER BY day, payment_status, fulfillment_status, archived, pickup
    ON CONFLICT (day, payment_status, fulfillment_status, archived, pickup) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    
        DELETE FROM fulfillments_ordershipment WHERE order_id IN (SELECT id FROM old_rows);
    ELSE
        
    INSERT INTO fulfillments_orderday AS d (day, payment_status, fulfillment_status, archived, pickup, orders)
    SELECT day, payment_status, fulfillment_status, archived, pickup, sum(n) FROM (SELECT (o.date_created AT TIME ZONE stats_zone)::date AS day, o.payment_status, o.fulfillment_status, o.archived, COALESCE(jsonb_typeof(o.shipping_info -> 'pickupDetails') = 'object', false) AS pickup, 1 AS n FROM new_rows o WHERE NOT o.hidden UNION ALL SELECT (o.date_created AT TIME ZONE stats_zone)::date AS day, o.payment_status, o.fulfillment_status, o.archived, COALESCE(jsonb_typeof(o.shipping_info -> 'pickupDetails') = 'object', false) AS pickup, -1 AS n FROM old_rows o WHERE NOT o.hidden) AS changes
    GROUP BY day, payment_status, fulfillment_status, archived, pickup HAVING sum(n) <> 0 ORDER BY day, payment_status, fulfillment_status, archived, pickup
    ON CONFLICT (day, payment_status, fulfillment_status, archived, pickup) DO UPDATE SET orders = d.orders + EXCLUDED.orders;
    
        PERFORM home_ordershipment_refresh(ARRAY(
            SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.date_created IS DISTINCT FROM o.date_created
               OR n.hidden IS DISTINCT FROM o.hidden));
    END IF;
    RETURN NULL;
END $$;
""",
    """
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
""",
]
INSTALL_SQL = [
    *FUNCTIONS_SQL,
    'CREATE TRIGGER home_orders_insert AFTER INSERT ON orders_order REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION home_orders_changed()',
    'ALTER TABLE orders_order ENABLE ALWAYS TRIGGER home_orders_insert',
    'CREATE TRIGGER home_orders_update AFTER UPDATE ON orders_order REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION home_orders_changed()',
    'ALTER TABLE orders_order ENABLE ALWAYS TRIGGER home_orders_update',
    'CREATE TRIGGER home_orders_delete AFTER DELETE ON orders_order REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION home_orders_changed()',
    'ALTER TABLE orders_order ENABLE ALWAYS TRIGGER home_orders_delete',
    'CREATE TRIGGER home_fulfil_insert AFTER INSERT ON fulfillments_fulfillment REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION home_fulfillments_changed()',
    'ALTER TABLE fulfillments_fulfillment ENABLE ALWAYS TRIGGER home_fulfil_insert',
    'CREATE TRIGGER home_fulfil_update AFTER UPDATE ON fulfillments_fulfillment REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION home_fulfillments_changed()',
    'ALTER TABLE fulfillments_fulfillment ENABLE ALWAYS TRIGGER home_fulfil_update',
    'CREATE TRIGGER home_fulfil_delete AFTER DELETE ON fulfillments_fulfillment REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION home_fulfillments_changed()',
    'ALTER TABLE fulfillments_fulfillment ENABLE ALWAYS TRIGGER home_fulfil_delete',
]
UNINSTALL_SQL = [
    'DROP TRIGGER IF EXISTS home_orders_insert ON orders_order',
    'DROP TRIGGER IF EXISTS home_orders_update ON orders_order',
    'DROP TRIGGER IF EXISTS home_orders_delete ON orders_order',
    'DROP TRIGGER IF EXISTS home_fulfil_insert ON fulfillments_fulfillment',
    'DROP TRIGGER IF EXISTS home_fulfil_update ON fulfillments_fulfillment',
    'DROP TRIGGER IF EXISTS home_fulfil_delete ON fulfillments_fulfillment',
    'DROP FUNCTION IF EXISTS home_orders_changed()',
    'DROP FUNCTION IF EXISTS home_fulfillments_changed()',
    'DROP FUNCTION IF EXISTS home_ordershipment_refresh(uuid[])',
]
