"""The webhook models in the Django admin: endpoints, events (read only), deliveries (resend).

Events and deliveries are the record of what was sent where: nobody deletes them here (deleting
an event took its deliveries with it, and one not yet sent was then never sent)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.db.models import Q

from orders.webhooks.forms import WebhookEndpointForm
from orders.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from orders.webhooks.tasks import delivery_resend
from orders.webhooks.views import secret_shown_once


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["url", "description", "active", "created", "created_by"]
    list_filter = ["active"]
    search_fields = ["url", "description"]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if form.generated_secret:
            self.message_user(request, secret_shown_once(form.generated_secret), messages.WARNING)


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "order", "created"]
    list_filter = ["event_type"]
    list_select_related = ["order"]
    readonly_fields = ["id", "event_type", "order", "payload", "identity", "created"]

    def get_queryset(self, request):
        # Hidden orders are never shown, nor the events that carry them.
        return super().get_queryset(request).filter(Q(order=None) | Q(order__hidden=False))

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = (
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_attempt_at",
        "next_attempt_at",
    )
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = (*list_display, "created", "first_attempt_at", "last_error")
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Resend selected deliveries", permissions=["change"])
    def resend(self, request, queryset) -> None:
        with transaction.atomic():
            for delivery in queryset:
                delivery_resend(delivery=delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.")
