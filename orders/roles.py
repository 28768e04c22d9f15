"""The four roles of DESIGN.md section 1, as Django groups with model permissions.

`roles_sync` is what the data migrations run; the test suite runs it again after transactional
tests, which empty every table (groups included) when they finish.
"""

from __future__ import annotations

from django.contrib.auth.management import create_permissions

OWNER = "Owner"
FULFILLMENT_STAFF = "Fulfillment staff"
SUPPORT = "Support"
VIEWER = "Viewer"

READ = [
    "orders.view_order",
    "orders.view_lineitem",
    "orders.view_activity",
    "orders.view_refund",
    "fulfillments.view_fulfillment",
    "fulfillments.view_fulfillmentlineitem",
]
ROLE_PERMISSIONS: dict[str, list[str]] = {
    FULFILLMENT_STAFF: [
        *READ,
        "orders.change_order",
        "orders.edit_buyer_email",
        "orders.archive_order",
        "fulfillments.add_fulfillment",
        "fulfillments.change_fulfillment",
        "fulfillments.delete_fulfillment",
    ],
    # Notes and addresses (orders.change_order), not the buyer's email.
    SUPPORT: [*READ, "orders.change_order"],
    VIEWER: READ,
}
# The Owner may do everything in these apps: orders, API keys, webhooks, fulfillments, users,
# and the home page's team figures.
OWNER_APPS = ["orders", "fulfillments", "auth"]


def roles_sync(apps) -> None:
    """Create or update the role groups; `apps` is a migration's app registry or django.apps."""
    for app_config in apps.get_app_configs():
        # Permissions are normally created after all migrations; the roles need them now.
        had_models = getattr(app_config, "models_module", None)
        app_config.models_module = had_models or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = had_models

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    owner, _ = Group.objects.get_or_create(name=OWNER)
    owner.permissions.set(Permission.objects.filter(content_type__app_label__in=OWNER_APPS))
    for role, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=role)
        wanted = Permission.objects.none()
        for perm in perms:
            app_label, codename = perm.split(".")
            wanted |= Permission.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.set(wanted)
