"""Create the four roles of DESIGN.md section 1 as groups with their model permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_PERMISSIONS = {
    "Owner": "__all__",
    "Fulfillment staff": [
        "orders.view_order",
        "orders.view_lineitem",
        "orders.view_activity",
        "orders.view_refund",
        "orders.change_order",
        "orders.archive_order",
        "fulfillments.view_fulfillment",
        "fulfillments.view_fulfillmentlineitem",
        "fulfillments.add_fulfillment",
        "fulfillments.change_fulfillment",
        "fulfillments.delete_fulfillment",
    ],
    "Support": [
        "orders.view_order",
        "orders.view_lineitem",
        "orders.view_activity",
        "orders.view_refund",
        "orders.change_order",
        "fulfillments.view_fulfillment",
        "fulfillments.view_fulfillmentlineitem",
    ],
    "Viewer": [
        "orders.view_order",
        "orders.view_lineitem",
        "orders.view_activity",
        "orders.view_refund",
        "fulfillments.view_fulfillment",
        "fulfillments.view_fulfillmentlineitem",
    ],
}
OWNER_APPS = ["orders", "fulfillments", "auth"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after all migrations; roles need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        if perms == "__all__":
            group.permissions.set(Permission.objects.filter(content_type__app_label__in=OWNER_APPS))
            continue
        wanted = []
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def delete_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLE_PERMISSIONS).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
        ("fulfillments", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, delete_roles)]
