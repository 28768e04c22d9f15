"""Owners' webhook pages: endpoints (list, create, edit, delete) and their deliveries, with
resend. Permissions are the webhook models' own (the Owner role has them)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.http import HtmxHttpRequest
from orders.webhooks.forms import WebhookEndpointForm
from orders.webhooks.models import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from orders.webhooks.tasks import delivery_resend

DELIVERIES_PER_PAGE = 50


def secret_shown_once(secret: str) -> str:
    return f"Signing secret: {secret} — copy it now, it will not be shown again."


@require_safe
@permission_required("orders.view_webhookendpoint", raise_exception=True)
def endpoint_list(request: HtmxHttpRequest) -> HttpResponse:
    endpoints = WebhookEndpoint.objects.annotate(
        pending=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.PENDING)),
        failed=Count("deliveries", filter=Q(deliveries__status=WebhookDeliveryStatus.FAILED)),
    )
    return render(request, "webhooks/endpoint_list.html", {"endpoints": endpoints})


@require_http_methods(["GET", "POST"])
@permission_required("orders.add_webhookendpoint", raise_exception=True)
def endpoint_create(request: HtmxHttpRequest) -> HttpResponse:
    form = WebhookEndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        endpoint = form.save(commit=False)
        endpoint.created_by = request.user
        endpoint.save()
        messages.success(request, f"Webhook endpoint {endpoint.url} added.")
        if form.generated_secret:
            messages.warning(request, secret_shown_once(form.generated_secret))
        return redirect("webhooks:detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_webhookendpoint", raise_exception=True)
def endpoint_edit(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    form = WebhookEndpointForm(request.POST or None, instance=endpoint)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Webhook endpoint saved.")
        return redirect("webhooks:detail", pk=endpoint.pk)
    return render(request, "webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@require_http_methods(["GET", "POST"])
@permission_required("orders.delete_webhookendpoint", raise_exception=True)
def endpoint_delete(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    if request.method == "POST":
        endpoint.delete()
        messages.success(request, f"Webhook endpoint {endpoint.url} deleted.")
        return redirect("webhooks:list")
    pending = endpoint.deliveries.filter(status=WebhookDeliveryStatus.PENDING).count()
    return render(
        request, "webhooks/endpoint_confirm_delete.html", {"endpoint": endpoint, "pending": pending}
    )


@require_safe
@permission_required(
    ["orders.view_webhookendpoint", "orders.view_webhookdelivery"], raise_exception=True
)
def endpoint_detail(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    endpoint = get_object_or_404(WebhookEndpoint, pk=pk)
    deliveries = endpoint.deliveries.select_related("event", "event__order")
    status = request.GET.get("status", "")
    if status in WebhookDeliveryStatus.values:
        deliveries = deliveries.filter(status=status)
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "endpoint": endpoint,
        "page": page,
        "status": status,
        "statuses": WebhookDeliveryStatus.choices,
    }
    template = "webhooks/endpoint_detail.html"
    if request.htmx:
        template += "#deliveries"
    return render(request, template, context)


@require_POST
@permission_required("orders.change_webhookdelivery", raise_exception=True)
def delivery_resend_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    delivery = get_object_or_404(WebhookDelivery.objects.select_related("event"), pk=pk)
    with transaction.atomic():
        delivery = delivery_resend(delivery=delivery)
    delivery = WebhookDelivery.objects.select_related("event", "event__order").get(pk=pk)
    order = f" for order #{delivery.event.order.number}" if delivery.event.order else ""
    message = f"“{delivery.event.get_event_type_display()}”{order} will be sent again shortly."
    if request.htmx:
        context = {"delivery": delivery, "resend_message": message}
        return render(request, "webhooks/endpoint_detail.html#delivery_row", context)
    messages.success(request, message)
    return redirect("webhooks:detail", pk=delivery.endpoint_id)
