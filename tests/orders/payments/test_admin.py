"""The order admin's payment actions (orders/payments/admin.py): each runs its service."""

from __future__ import annotations

from django.test import RequestFactory

from orders.models import Order, Refund


def admin_request(user):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/admin/orders/order/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def order_admin():
    from django.contrib import admin

    from orders.payments.admin import PaymentActionsAdminMixin

    class OrderAdmin(PaymentActionsAdminMixin, admin.ModelAdmin):
        pass

    return OrderAdmin(Order, admin.AdminSite())


def test_admin_actions_run_services(order_factory, owner):
    model_admin = order_admin()
    unpaid, paid = order_factory(), order_factory(payment_status="PAID")
    request = admin_request(owner)
    assert set(model_admin.get_actions(request)) >= {"mark_paid", "cancel_orders", "refund_in_full"}

    model_admin.mark_paid(request, Order.objects.filter(pk__in=[unpaid.pk, paid.pk]))
    unpaid.refresh_from_db()
    assert unpaid.payment_status == "PAID"
    texts = [str(m) for m in request._messages]
    assert "1 order(s) marked paid." in texts
    assert any(f"#{paid.number}: The order cannot be marked paid" in t for t in texts)

    model_admin.refund_in_full(admin_request(owner), Order.objects.filter(pk=paid.pk))
    paid.refresh_from_db()
    assert paid.payment_status == "FULLY_REFUNDED"
    assert Refund.objects.get(order=paid).amount == paid.total

    model_admin.cancel_orders(admin_request(owner), Order.objects.filter(pk=unpaid.pk))
    unpaid.refresh_from_db()
    assert unpaid.fulfillment_status == "CANCELED"


def test_admin_actions_hidden_without_manage_payments(support):
    actions = order_admin().get_actions(admin_request(support))
    assert not {"mark_paid", "cancel_orders", "refund_in_full"} & set(actions)
