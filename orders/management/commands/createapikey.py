"""`python manage.py createapikey USERNAME [--name NAME]`: create an API key and print it once."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orders.models import ApiKey


class Command(BaseCommand):
    help = "Create an API key acting as USERNAME and print it (only a hash is stored)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="A label for the key (default: cli)")

    def handle(self, *args, username: str, name: str, **options) -> None:
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No user named {username!r}.") from None
        key, raw_key = ApiKey.generate(user=user, name=name or f"{username} (cli)")
        self.stderr.write(f"API key {key.name!r} for {username}; it is shown only once:")
        self.stdout.write(raw_key)
