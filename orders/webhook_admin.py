"""Admin for webhooks, and the owner actions for the order admin.

Hooked in by orders/admin.py: `import orders.webhook_admin` registers the webhook models, and
`class OrderAdmin(OwnerActionsAdminMixin, admin.ModelAdmin)` with
`actions = [*OwnerActionsAdminMixin.actions, ...]` adds mark paid / cancel / refund in full.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html

from orders import services
from orders.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from orders.webhook_forms import WebhookEndpointForm
from orders.webhooks import delivery_resend


class OwnerActionsAdminMixin:
    """Order admin actions, each calling its service per order (permission manage_payments)."""

    actions = ["mark_paid", "cancel_orders", "refund_in_full"]

    def has_manage_payments_permission(self, request) -> bool:
        return request.user.has_perm("orders.manage_payments")

    def _each(self, request, queryset, action, verb: str) -> None:
        done, refused = 0, []
        for order in queryset.order_by("number"):
            try:
                action(order=order, actor=request.user)
                done += 1
            except services.OrderError as exc:
                refused.append(f"#{order.number}: {exc.message}")
        if done:
            self.message_user(request, f"{done} order(s) {verb}.", messages.SUCCESS)
        for message in refused:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Mark selected orders as paid", permissions=["manage_payments"])
    def mark_paid(self, request, queryset) -> None:
        self._each(request, queryset, services.order_mark_paid, "marked paid")

    @admin.action(description="Cancel selected orders", permissions=["manage_payments"])
    def cancel_orders(self, request, queryset) -> None:
        self._each(request, queryset, services.order_cancel, "canceled")

    @admin.action(
        description="Refund selected orders in full (partial refunds: the order's payment page)",
        permissions=["manage_payments"],
    )
    def refund_in_full(self, request, queryset) -> None:
        def refund_rest(*, order, actor):
            rest = order.total - services.order_refunded_amount(order=order)
            return services.order_refund(order=order, amount=rest, actor=actor)

        self._each(request, queryset, refund_rest, "refunded in full")

    @admin.display(description="Payment actions")
    def payments_link(self, order) -> str:
        url = reverse("orders:payments", args=[order.number])
        return format_html('<a href="{}">Mark paid, cancel or refund</a>', url)


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


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = ["id", "event_type", "order", "created"]
    list_filter = ["event_type"]
    list_select_related = ["order"]
    readonly_fields = ["id", "event_type", "order", "payload", "identity", "created"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_response_code",
        "last_attempt_at",
        "next_attempt_at",
    ]
    list_filter = ["status", "endpoint"]
    list_select_related = ["event", "endpoint"]
    readonly_fields = [*list_display, "created", "first_attempt_at", "last_error"]
    actions = ["resend"]

    def has_add_permission(self, request) -> bool:
        return False

    @admin.action(description="Resend selected deliveries", permissions=["change"])
    def resend(self, request, queryset) -> None:
        with transaction.atomic():
            for delivery in queryset:
                delivery_resend(delivery=delivery)
        self.message_user(request, f"{queryset.count()} deliveries queued again.")
