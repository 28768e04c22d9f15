"""Status filters by number from one index each, and seven fewer indexes to keep up.

- `fulfillmentStatus $eq X` (the list's filter row, the API) sorted by number had no index in
  that order when `archived` was not fixed too: migration 0003's (fulfillment_status, archived,
  number) needs it, so PostgreSQL walked the number index and skipped every order of another
  status (7,500 rows and 10-20 ms at a million orders when the newest orders were fulfilled).
  (fulfillment_status, number) INCLUDE (archived) answers both, the tabs' "not archived" from
  the index itself, and replaces the three-column index.
- The single-column indexes Django made for `db_index=True` on archived, payment_status,
  fulfillment_status and channel_type (plus the `_like` copies for LIKE, which no query runs
  on these enum columns) duplicate the leading column of a composite index; every fulfilment
  updates an order's status, so each index was one more write per order (bulk fulfilment of
  100 orders writes 100 index entries less per dropped index).

Everything is built and dropped CONCURRENTLY: order reads and writes go on meanwhile.
"""

from django.db import migrations, models

NEW_INDEX = (
    "orders_order_fulfil_number_idx",
    "orders_order (fulfillment_status, number) INCLUDE (archived)",
)
OLD_INDEX = (
    "orders_order_fulfil_arch_number_idx",
    "orders_order (fulfillment_status, archived, number)",
)
# Django's names for the `db_index=True` indexes (and their varchar_pattern_ops copies).
DJANGO_INDEXES = [
    ("orders_order_archived_9894a283", "orders_order (archived)"),
    ("orders_order_channel_type_ab5a6b30", "orders_order (channel_type)"),
    (
        "orders_order_channel_type_ab5a6b30_like",
        "orders_order (channel_type varchar_pattern_ops)",
    ),
    ("orders_order_fulfillment_status_94680e88", "orders_order (fulfillment_status)"),
    (
        "orders_order_fulfillment_status_94680e88_like",
        "orders_order (fulfillment_status varchar_pattern_ops)",
    ),
    ("orders_order_payment_status_d9b0ddfc", "orders_order (payment_status)"),
    (
        "orders_order_payment_status_d9b0ddfc_like",
        "orders_order (payment_status varchar_pattern_ops)",
    ),
]


def create(name: str, target: str) -> str:
    return f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {target}"


def drop(name: str) -> str:
    return f"DROP INDEX CONCURRENTLY IF EXISTS {name}"


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("orders", "0016_search_words"),
    ]

    operations = [
        migrations.RunSQL(create(*NEW_INDEX), drop(NEW_INDEX[0])),
        migrations.RunSQL(drop(OLD_INDEX[0]), create(*OLD_INDEX)),
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(drop(name), create(name, target))
                for name, target in DJANGO_INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="order",
                    name="archived",
                    field=models.BooleanField(default=False),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="channel_type",
                    field=models.CharField(
                        choices=[
                            ("UNSPECIFIED", "Unspecified"),
                            ("WEB", "Web"),
                            ("POS", "Pos"),
                            ("EBAY", "Ebay"),
                            ("AMAZON", "Amazon"),
                            ("OTHER_PLATFORM", "Other Platform"),
                            ("WIX_APP_STORE", "Wix App Store"),
                            ("WIX_INVOICES", "Wix Invoices"),
                            ("BACKOFFICE_MERCHANT", "Backoffice Merchant"),
                            ("WISH", "Wish"),
                        ],
                        default="WEB",
                        max_length=32,
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="fulfillment_status",
                    field=models.CharField(
                        choices=[
                            ("NOT_FULFILLED", "Not Fulfilled"),
                            ("FULFILLED", "Fulfilled"),
                            ("CANCELED", "Canceled"),
                            ("PARTIALLY_FULFILLED", "Partially Fulfilled"),
                        ],
                        default="NOT_FULFILLED",
                        max_length=32,
                    ),
                ),
                migrations.AlterField(
                    model_name="order",
                    name="payment_status",
                    field=models.CharField(
                        choices=[
                            ("PENDING", "Pending"),
                            ("NOT_PAID", "Not Paid"),
                            ("PAID", "Paid"),
                            ("PARTIALLY_REFUNDED", "Partially Refunded"),
                            ("FULLY_REFUNDED", "Fully Refunded"),
                            ("PARTIALLY_PAID", "Partially Paid"),
                        ],
                        default="NOT_PAID",
                        max_length=32,
                    ),
                ),
            ],
        ),
    ]
