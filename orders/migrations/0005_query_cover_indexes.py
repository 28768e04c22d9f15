"""Two more indexes for the query language at a million orders.

- A date range sorted by number first reads the range's ids and numbers from a covering index
  (orders/query_plan.py `page_rows`), then fetches only the page's rows.
- Counting line-item filters (EXISTS) checks `NOT hidden` with an index-only scan.
"""

from django.db import migrations

INDEXES = [
    (
        "orders_order_created_cover_idx",
        "orders_order (date_created) INCLUDE (number, id) WHERE NOT hidden",
    ),
    (
        "orders_order_updated_cover_idx",
        "orders_order (last_updated) INCLUDE (number, id) WHERE NOT hidden",
    ),
    ("orders_order_visible_id_idx", "orders_order (id) WHERE NOT hidden"),
]


class Migration(migrations.Migration):
    dependencies = [("orders", "0004_webhooks")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {name} ON {target}", f"DROP INDEX IF EXISTS {name}"
        )
        for name, target in INDEXES
    ]
