"""Two partial indexes for the home page's figures and the list pages they link to.

- The ids of hidden orders: figures counted from fulfillments alone (shipped per day,
  fulfilled today, packer figures) leave out hidden orders' fulfillments with
  `order_id NOT IN (the hidden ids)`; PostgreSQL reads the few hidden ids once from this index
  and hashes them, instead of joining every fulfillment to its order (~200 ms for a month of
  fulfillments at a million orders).
- Pickup orders by number: the query language's `shippingInfo.pickup` (the home page's
  "pickup orders waiting" link) finds them without evaluating every order's shippingInfo
  (3 s at a million orders with no pickup order among them). The predicate is the engine's
  own expression (orders/query.py PICKUP), so the planner matches it.

Both are built CONCURRENTLY, so order writes go on meanwhile.
"""

from django.db import migrations

INDEXES = [
    ("orders_order_hidden_id_idx", "orders_order (id) WHERE hidden"),
    (
        "orders_order_pickup_number_idx",
        "orders_order (number)"
        " WHERE COALESCE(jsonb_typeof(shipping_info -> 'pickupDetails'), '') = 'object'"
        " AND NOT hidden",
    ),
]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("orders", "0014_operations")]

    operations = [
        migrations.RunSQL(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}",
            f"DROP INDEX CONCURRENTLY IF EXISTS {name}",
        )
        for name, target in INDEXES
    ]
