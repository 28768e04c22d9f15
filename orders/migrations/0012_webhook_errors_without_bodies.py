from django.db import migrations

# Deliveries used to keep up to 300 bytes of what a receiver answered; only the status code
# is shown now (a webhook must not be a way to read internal pages).
FORGET_BODIES = """
UPDATE orders_webhookdelivery
SET last_error = 'HTTP ' || last_response_code
WHERE last_response_code IS NOT NULL AND last_error LIKE 'HTTP %'
"""


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0011_saved_views"),
    ]

    operations = [migrations.RunSQL(FORGET_BODIES, migrations.RunSQL.noop, elidable=True)]
