"""The payment actions of the order admin: mark paid, cancel, refund in full.

orders/admin.py mixes them in: `class OrderAdmin(PaymentActionsAdminMixin, admin.ModelAdmin)`
with `actions = [*PaymentActionsAdminMixin.actions, ...]`.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from orders import services
from orders.models import Order


class PaymentActionsAdminMixin(admin.ModelAdmin[Order]):
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
