"""The webhooks app's configuration: its models keep the `orders` app label."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "orders.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
    default_auto_field = "django.db.models.BigAutoField"
