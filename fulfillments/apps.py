from django.apps import AppConfig


class FulfillmentsConfig(AppConfig):
    name = "fulfillments"
    default_auto_field = "django.db.models.BigAutoField"
