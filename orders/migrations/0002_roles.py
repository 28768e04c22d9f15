"""Create the four roles of DESIGN.md section 1 as groups with their model permissions."""

from django.db import migrations

from orders.roles import OWNER, ROLE_PERMISSIONS, roles_sync


def create_roles(apps, schema_editor):
    roles_sync(apps)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[OWNER, *ROLE_PERMISSIONS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("fulfillments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
