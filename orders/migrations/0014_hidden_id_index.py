"""The ids of hidden orders, in a tiny partial index.

Figures counted from fulfillments alone (the home page's shipped per day and fulfilled today)
leave out hidden orders' fulfillments with `order_id NOT IN (the hidden ids)`: PostgreSQL reads
the few hidden ids once from this index and hashes them, instead of joining every fulfillment
to its order (which cost ~200 ms for a month of fulfillments at a million orders).
Built CONCURRENTLY, so order writes go on while it is built.
"""

from django.db import migrations


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("orders", "0013_merge")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_order_hidden_id_idx"
            " ON orders_order (id) WHERE hidden",
            "DROP INDEX CONCURRENTLY IF EXISTS orders_order_hidden_id_idx",
        )
    ]
