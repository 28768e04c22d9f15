from django.db import migrations

from orders.roles import roles_sync


def roles_update(apps, schema_editor):
    """Owners and fulfillment staff get the new permission; Support does not."""
    roles_sync(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("orders", "0008_millisecond_timestamps"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="order",
            options={
                "ordering": ["-number"],
                "permissions": [
                    ("archive_order", "Can archive and unarchive orders"),
                    ("manage_payments", "Can mark orders paid, cancel and refund them"),
                    ("edit_buyer_email", "Can change the buyer's email"),
                ],
            },
        ),
        migrations.RunPython(roles_update, migrations.RunPython.noop),
    ]
