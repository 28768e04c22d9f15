"""Indexes for the query language's operators (orders/query.py).

Raw SQL so the model state stays as it is (these are expression / opclass / composite indexes
the queries rely on, not part of what the models declare). The trigram index needs pg_trgm,
which the embedded PostgreSQL wheel does not ship: it is created only where the extension is
available; without it `$contains` on the billing name is a sequential scan.
"""

from django.db import migrations

INDEXES = [
    # Status filters with the default sort (number desc): one index range, already ordered.
    ("orders_order_payment_number_idx", "orders_order (payment_status, number)"),
    (
        "orders_order_fulfil_arch_number_idx",
        "orders_order (fulfillment_status, archived, number)",
    ),
    ("orders_order_archived_number_idx", "orders_order (archived, number)"),
    ("orders_order_channel_number_idx", "orders_order (channel_type, number)"),
    # $startsWith on the billing name and the list's free-text search (lower(...) LIKE 'x%').
    (
        "orders_order_fullname_lower_idx",
        "orders_order (lower(billing_full_name) text_pattern_ops)",
    ),
    ("orders_order_email_lower_idx", "orders_order (lower(buyer_email) text_pattern_ops)"),
]

TRIGRAM_INDEX = "orders_order_fullname_trgm_idx"


def create_trigram_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {TRIGRAM_INDEX} ON orders_order "
            "USING gin (lower(billing_full_name) gin_trgm_ops)"
        )


def drop_trigram_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {TRIGRAM_INDEX}")


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_roles")]

    operations = [
        *(
            migrations.RunSQL(
                f"CREATE INDEX IF NOT EXISTS {name} ON {target}",
                f"DROP INDEX IF EXISTS {name}",
            )
            for name, target in INDEXES
        ),
        migrations.RunPython(create_trigram_index, drop_trigram_index),
    ]
