"""Create one demo login per role and print them (for `make run`, never for production)."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

DEMO_USERS = [
    # username, password, role, may use the Django admin
    ("owner", "owner-demo-pass", "Owner", True),
    ("packer", "packer-demo-pass", "Fulfillment staff", False),
    ("support", "support-demo-pass", "Support", True),
    ("viewer", "viewer-demo-pass", "Viewer", False),
]


class Command(BaseCommand):
    help = "Create (or reset) the demo users, one per role, and print their logins."

    def handle(self, *args, **options) -> None:
        for username, password, role, is_staff in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = is_staff
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        self.stdout.write("Demo logins (username / password / role):")
        for username, password, role, _ in DEMO_USERS:
            self.stdout.write(f"  {username:<8} {password:<18} {role}")
