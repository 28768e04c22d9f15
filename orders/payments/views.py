"""Payment pages of an order: mark paid, cancel, refund (permission orders.manage_payments).

Each is a small POST view calling one service. The panel they render,
templates/orders/_payment_actions.html, is included in the order page with
`{% load payments %}{% payment_actions order %}` and stands alone at /orders/<n>/payments/.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRefresh

from config.http import HtmxHttpRequest
from orders import services
from orders.models import FulfillmentStatus, Order
from orders.payments.forms import RefundForm
from orders.selectors import order_or_404

MANAGE_PAYMENTS = "orders.manage_payments"


def payment_actions_context(
    *, order: Order, next_url: str = "", refund_form: RefundForm | None = None, error: str = ""
) -> dict[str, Any]:
    refunded = services.order_refunded_amount(order=order)
    refundable = order.total - refunded
    can_refund = order.payment_status in services.REFUNDABLE_STATUSES and refundable > 0
    return {
        "order": order,
        "refunded": refunded,
        "refundable": refundable,
        "can_mark_paid": order.payment_status in services.PAYABLE_STATUSES,
        "can_cancel": order.fulfillment_status == FulfillmentStatus.NOT_FULFILLED,
        "can_refund": can_refund,
        "refund_form": refund_form or RefundForm(initial={"amount": refundable}),
        "next": next_url,
        "error": error,
    }


def _done(request: HtmxHttpRequest, order: Order, message: str) -> HttpResponse:
    messages.success(request, message)
    if request.htmx:
        return HttpResponseClientRefresh()
    next_url = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("orders:payments", number=order.number)


def _refused(
    request: HtmxHttpRequest,
    order: Order,
    *,
    error: str = "",
    refund_form: RefundForm | None = None,
) -> HttpResponse:
    context = payment_actions_context(
        order=order,
        next_url=request.POST.get("next", ""),
        refund_form=refund_form,
        error=error,
    )
    if request.htmx:
        return render(request, "orders/_payment_actions.html", context)
    return render(request, "orders/payments.html", context)


@require_GET
@permission_required(["orders.view_order", MANAGE_PAYMENTS], raise_exception=True)
def payments(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    context = payment_actions_context(
        order=order, next_url=reverse("orders:payments", args=[number])
    )
    context["refunds"] = order.refunds.select_related("actor").order_by("date_created")
    return render(request, "orders/payments.html", context)


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def mark_paid(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    try:
        services.order_mark_paid(order=order, actor=request.user)
    except services.OrderError as exc:
        return _refused(request, order, error=exc.message)
    return _done(request, order, f"Order #{order.number} marked as paid.")


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def cancel(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    try:
        services.order_cancel(order=order, actor=request.user)
    except services.OrderError as exc:
        return _refused(request, order, error=exc.message)
    return _done(request, order, f"Order #{order.number} canceled.")


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def refund(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _refused(request, order, refund_form=form)
    try:
        created = services.order_refund(
            order=order,
            amount=form.cleaned_data["amount"],
            reason=form.cleaned_data["reason"],
            actor=request.user,
        )
    except services.OrderError as exc:
        if exc.field in form.fields:
            form.add_error(exc.field, exc.message)
            return _refused(request, order, refund_form=form)
        return _refused(request, order, error=exc.message, refund_form=form)
    return _done(
        request, order, f"Refunded {created.amount} {order.currency} on order #{order.number}."
    )
