# Joins the three 0012 migrations that landed in parallel (idempotency keys, refund fields,
# webhook errors without bodies); none touches another's tables.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0012_idempotency_key"),
        ("orders", "0012_refund_provider_id_subscription_info"),
        ("orders", "0012_webhook_errors_without_bodies"),
    ]

    operations = []
