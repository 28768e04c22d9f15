"""Order pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.middleware import HtmxDetails

from fulfillments.carriers import CARRIER_CHOICES
from fulfillments.forms import (
    BulkFulfilForm,
    EmailForm,
    MultiFulfilForm,
    ShippingAddressForm,
    TrackingForm,
)
from fulfillments.models import MAX_FULFILLMENT_LINE_QUANTITY
from fulfillments.selectors import order_page_queryset, order_rows
from ops.replicas import reads_from_replica
from orders.filters import order_listing
from orders.forms import StoreSettingsForm
from orders.selectors import store_settings_get, visible_orders
from orders.services import (
    OrderError,
    order_update_email,
    order_update_shipping_address,
    store_settings_update,
)


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/home.html")


@require_GET
@permission_required("orders.view_order", raise_exception=True)
@reads_from_replica
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """The orders list; the URL holds the whole state (see orders/filters.py). HTMX requests
    get only the results partial, except history restores, which need the page."""
    listing = order_listing(request.GET)
    partial = request.htmx and not request.htmx.history_restore_request
    template = "orders/list.html#results" if partial else "orders/list.html"
    context = {
        "listing": listing,
        "bulk_carrier_choices": BulkFulfilForm.base_fields["carrier"].choices,
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---- The order page ----

PAGE = "orders/detail.html"


def order_page_context(request: HttpRequest, order, **overrides: Any) -> dict[str, Any]:
    """Everything the order page shows, from an order fetched with order_page_queryset().

    `overrides` carries bound forms with errors (`line_form=(index, form)`, `multi_form`,
    `edit_form`, `email_form`, `address_form`) and which fulfillment is being edited
    (`editing`) or confirmed for deletion (`confirming`)."""
    line_rows, fulfillment_rows = order_rows(order)
    can_add = request.user.has_perm("fulfillments.add_fulfillment")
    open_order = not order.is_canceled
    bound_index, bound_form = overrides.pop("line_form", (None, None))
    for row in line_rows:
        # A line shows its "add tracking" form with errors (`form`), or blank (`blank_form`,
        # written out by the template without building a form object per line).
        row.form = bound_form if row.item.index == bound_index else None
        row.blank_form = row.form is None and can_add and open_order and row.remaining > 0
    fulfillable = [row for row in line_rows if row.remaining > 0]
    multi_form = overrides.pop("multi_form", None)
    if multi_form is None and can_add and open_order and fulfillable:
        multi_form = MultiFulfilForm(prefix="multi", line_rows=fulfillable)
    if multi_form is not None:
        multi_form.rows = [
            (row, multi_form.pick_field(row.item.index), multi_form.qty_field(row.item.index))
            for row in multi_form.line_rows
        ]
    editing = overrides.get("editing")
    confirming = overrides.get("confirming")
    for frow in fulfillment_rows:
        frow.edit_form = None
        if editing and frow.fulfillment.id == editing:
            frow.edit_form = overrides.get("edit_form") or TrackingForm(
                prefix="edit", initial=TrackingForm.initial_for(frow.fulfillment)
            )
        frow.confirming = bool(confirming and frow.fulfillment.id == confirming)
    shipping = order.shipping
    shipping_address = order.shipment_address
    context = {
        "order": order,
        "line_rows": line_rows,
        "fulfillment_rows": fulfillment_rows,
        "multi_form": multi_form,
        "shipping_address": shipping_address or {},
        "pickup": shipping.get("pickupDetails"),
        "billing_address": order.billing_address_fields,
        "activities": list(order.activities.all()),
        "line_by_index": {row.item.index: row.item for row in line_rows},
        # For the hand-written blank line forms (fulfillments/_line_fields_blank.html).
        "carrier_choices": CARRIER_CHOICES,
        "default_carrier": TrackingForm.base_fields["carrier"].initial,
        "max_quantity": MAX_FULFILLMENT_LINE_QUANTITY,
        **overrides,
    }
    if context.get("show_email_form") and context.get("email_form") is None:
        context["email_form"] = EmailForm(prefix="email", initial={"email": order.buyer_email})
    if context.get("show_address_form") and context.get("address_form") is None:
        context["address_form"] = ShippingAddressForm(
            prefix="address", initial=ShippingAddressForm.initial_for(shipping_address or {})
        )
    if editing:
        context["frow"] = next((f for f in fulfillment_rows if f.fulfillment.id == editing), None)
    if confirming:
        context["frow"] = next(
            (f for f in fulfillment_rows if f.fulfillment.id == confirming), None
        )
    return context


def order_page_response(
    request: HttpRequest, number: int, *, partial: str = "order-body", **overrides: Any
) -> HttpResponse:
    """The order page, or only `partial` of it for an htmx request."""
    order = order_page_queryset().filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    context = order_page_context(request, order, **overrides)
    if (overrides.get("editing") or overrides.get("confirming")) and context["frow"] is None:
        raise Http404("No such fulfillment")
    template = f"{PAGE}#{partial}" if request.htmx else PAGE
    return render(request, template, context)


def order_page_done(request: HttpRequest, number: int, message: str) -> HttpResponse:
    """After a successful change: the fresh page body for htmx (with the message), else a
    redirect to the order page (POST/redirect/GET)."""
    messages.success(request, message)
    if request.htmx:
        return order_page_response(request, number)
    return redirect("orders:detail", number=number)


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    return order_page_response(request, number)


def _order_or_404(number: int):
    order = visible_orders().filter(number=number).only("pk", "number", "shipping_info").first()
    if order is None:
        raise Http404("No such order")
    return order


@require_http_methods(["GET", "POST"])
@permission_required(["orders.change_order", "orders.edit_buyer_email"], raise_exception=True)
def order_email_edit(request: HttpRequest, number: int) -> HttpResponse:
    """GET shows the email form (htmx: the addresses partial); POST saves it."""
    if request.method == "GET":
        return order_page_response(request, number, partial="addresses", show_email_form=True)
    order = _order_or_404(number)
    form = EmailForm(request.POST, prefix="email")
    if form.is_valid():
        try:
            order_update_email(order=order, email=form.cleaned_data["email"], actor=request.user)
        except OrderError as error:
            form.add_error("email", error.message)
        else:
            return order_page_done(request, number, "Email updated.")
    return order_page_response(request, number, show_email_form=True, email_form=form)


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_order", raise_exception=True)
def order_shipping_address_edit(request: HttpRequest, number: int) -> HttpResponse:
    """GET shows the shipping address form (htmx: the addresses partial); POST saves it."""
    if request.method == "GET":
        return order_page_response(request, number, partial="addresses", show_address_form=True)
    order = _order_or_404(number)
    form = ShippingAddressForm(request.POST, prefix="address")
    if form.is_valid():
        try:
            order_update_shipping_address(order=order, address=form.address(), actor=request.user)
        except OrderError as error:
            form.add_error(None, error.message)
        else:
            return order_page_done(request, number, "Shipping address updated.")
    return order_page_response(request, number, show_address_form=True, address_form=form)


# ---- The store's settings ----


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_storesettings", raise_exception=True)
def store_settings_edit(request: HttpRequest) -> HttpResponse:
    """Owners change the store name (slips), the item check and the notify-buyer default."""
    current = store_settings_get()
    if request.method == "GET":
        form = StoreSettingsForm(instance=current)
        return render(request, "orders/store_settings.html", {"form": form})
    form = StoreSettingsForm(request.POST, instance=current)
    if form.is_valid():
        data = form.cleaned_data
        try:
            store_settings_update(
                store_name=data["store_name"],
                require_item_scan=data["require_item_scan"],
                notify_buyer_default=data["notify_buyer_default"],
                actor=request.user,
            )
        except OrderError as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, "Settings saved.")
            return redirect("store_settings")
    return render(request, "orders/store_settings.html", {"form": form}, status=400)
