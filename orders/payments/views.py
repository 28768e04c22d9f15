"""Payment pages of an order: mark paid, cancel, refund (permission orders.manage_payments).

Each is a small POST view calling one service, in two steps: the first POST answers with a
summary of what will happen and a "Yes" button, which posts again with `confirmed=1`. The
panel they render, templates/orders/_payment_actions.html, is included in the order page with
`{% load payments %}{% payment_actions order %}` and stands alone at /orders/<n>/payments/.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRefresh

from config.http import HtmxHttpRequest
from orders import services
from orders.models import Order, PaymentStatus
from orders.payments.forms import RefundForm
from orders.selectors import order_or_404

MANAGE_PAYMENTS = "orders.manage_payments"


def payment_actions_context(
    *, order: Order, next_url: str = "", refund_form: RefundForm | None = None, error: str = ""
) -> dict[str, Any]:
    refunded = services.order_refunded_amount(order=order)
    refundable = order.total - refunded
    can_refund = services.order_can_refund(order) and refundable > 0
    return {
        "order": order,
        "refunded": refunded,
        "refundable": refundable,
        "can_mark_paid": services.order_can_mark_paid(order),
        "can_cancel": services.order_can_cancel(order),
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
    # Only a path on this site (the pages send one): not another host, not a bare word.
    if next_url.startswith("/") and url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        # A URL, never a view name: redirect() would try to reverse a bare word.
        return HttpResponseRedirect(next_url)
    return redirect("orders:payments", number=order.number)


def _confirm(
    request: HtmxHttpRequest,
    order: Order,
    *,
    action: str,
    title: str,
    button: str,
    summary: list[str],
    fields: dict[str, str] | None = None,
) -> HttpResponse:
    """The confirmation step: the panel again, with what will happen and a "Yes" button."""
    context = payment_actions_context(
        order=order, next_url=request.POST.get("next", ""), refund_form=None
    )
    context["confirm"] = {
        "url": reverse(f"orders:{action}", args=[order.number]),
        "title": title,
        "button": button,
        "summary": summary,
        "fields": (fields or {}).items(),
        "danger": action == "cancel",
    }
    if request.htmx:
        return render(request, "orders/_payment_actions.html", context)
    context["refunds"] = order.refunds.select_related("actor").order_by("date_created")
    return render(request, "orders/payments.html", context)


def _confirmed(request: HtmxHttpRequest) -> bool:
    return request.POST.get("confirmed") == "1"


class _DryRun(Exception):
    pass


def _refusal(run) -> services.OrderError | None:
    """What the service would refuse, found by running it and rolling it back, so the
    confirmation step never promises what the change itself would not do (one rule, one
    home: the service's)."""
    try:
        with transaction.atomic():
            run()
            raise _DryRun
    except _DryRun:
        return None
    except services.OrderError as exc:
        return exc


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


@require_safe
@permission_required(["orders.view_order", MANAGE_PAYMENTS], raise_exception=True)
def payments(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    context = payment_actions_context(
        order=order, next_url=reverse("orders:payments", args=[number])
    )
    context["refunds"] = order.refunds.select_related("actor").order_by("date_created")
    return render(request, "orders/payments.html", context)


def _two_step(
    request: HtmxHttpRequest,
    order: Order,
    run: Callable[[], object],
    *,
    action: str,
    title: str,
    button: str,
    summary: list[str],
    done: str,
) -> HttpResponse:
    """A payment action without a form: the first POST confirms (or says why it would be
    refused), the confirmed one runs `run`."""
    if not _confirmed(request):
        refusal = _refusal(run)
        if refusal:
            return _refused(request, order, error=refusal.message)
        return _confirm(request, order, action=action, title=title, button=button, summary=summary)
    try:
        run()
    except services.OrderError as exc:
        return _refused(request, order, error=exc.message)
    return _done(request, order, done)


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def mark_paid(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    return _two_step(
        request,
        order,
        lambda: services.order_mark_paid(order=order, actor=request.user),
        action="mark_paid",
        title=f"Mark order #{order.number} as paid?",
        button="Yes, mark as paid",
        summary=[
            f"Payment status changes from {order.get_payment_status_display()} to Paid, "
            "with today as the paid date.",
            f"Amount: {order.total} {order.currency}. Packdesk records the payment; "
            "it does not charge the buyer.",
            "Subscribed webhooks receive “Order paid”.",
        ],
        done=f"Order #{order.number} marked as paid.",
    )


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def cancel(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    return _two_step(
        request,
        order,
        lambda: services.order_cancel(order=order, actor=request.user),
        action="cancel",
        title=f"Cancel order #{order.number}?",
        button="Yes, cancel the order",
        summary=[
            "The order becomes Canceled and takes no fulfillments.",
            "Payment is not refunded by canceling: record a refund for that.",
            "Subscribed webhooks receive “Order canceled”.",
        ],
        done=f"Order #{order.number} canceled.",
    )


def _refund_refused(
    request: HtmxHttpRequest, order: Order, form: RefundForm, exc: services.OrderError
) -> HttpResponse:
    if exc.field in form.fields:
        form.add_error(exc.field, exc.message)
        return _refused(request, order, refund_form=form)
    return _refused(request, order, error=exc.message, refund_form=form)


@require_POST
@permission_required(MANAGE_PAYMENTS, raise_exception=True)
def refund(request: HtmxHttpRequest, number: int) -> HttpResponse:
    order = order_or_404(number)
    form = RefundForm(request.POST)
    if not form.is_valid():
        return _refused(request, order, refund_form=form)
    amount, reason = form.cleaned_data["amount"], form.cleaned_data["reason"]
    provider_id = form.cleaned_data["payment_provider_transaction_id"]
    refund = lambda: services.order_refund(  # noqa: E731
        order=order,
        amount=amount,
        reason=reason,
        payment_provider_transaction_id=provider_id,
        actor=request.user,
    )
    if not _confirmed(request):
        refusal = _refusal(refund)
        if refusal:
            return _refund_refused(request, order, form, refusal)
        refunded = services.order_refunded_amount(order=order)
        after = refunded + amount
        amount_text, cur = f"{amount:.2f}", order.currency
        status = (
            PaymentStatus.FULLY_REFUNDED
            if after >= order.total
            else PaymentStatus.PARTIALLY_REFUNDED
        )
        return _confirm(
            request,
            order,
            action="refund",
            title=f"Refund {amount_text} {cur} on order #{order.number}?",
            button=f"Yes, refund {amount_text} {cur}",
            summary=[
                f"Refunded so far: {refunded:.2f} of {order.total:.2f} {cur}; "
                f"after this: {after:.2f} {cur}.",
                f"Payment status becomes {status.label}.",
                f"Reason: {reason}" if reason else "No reason given.",
                "Packdesk records the refund; it does not move money.",
            ],
            fields={
                "amount": amount_text,
                "reason": reason,
                "payment_provider_transaction_id": provider_id,
            },
        )
    try:
        created = refund()
    except services.OrderError as exc:
        return _refund_refused(request, order, form, exc)
    return _done(
        request, order, f"Refunded {created.amount} {order.currency} on order #{order.number}."
    )
