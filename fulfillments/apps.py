from django.apps import AppConfig


class FulfillmentsConfig(AppConfig):
    name = "fulfillments"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Imported here, as Django's docs do for signal receivers: the models must be loaded.
        from config.ops.tasks import sweep_register
        from fulfillments.notify import shipment_emails_sweep

        sweep_register("shipment emails", shipment_emails_sweep)
