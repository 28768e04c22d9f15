"""Order pages."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods, require_POST
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
from fulfillments.notify import notify_default
from fulfillments.selectors import order_page_queryset, order_rows
from fulfillments.timeline import timeline
from orders.export import csv_stream
from orders.filters import listing_query, order_listing
from orders.forms import StoreSettingsForm
from orders.saved_views import (
    SavedViewError,
    SavedViewForm,
    saved_view_can_delete,
    saved_view_delete,
    saved_view_save,
    saved_views_for,
    view_query,
)
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
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """The orders list; the URL holds the whole state (see orders/filters.py). HTMX requests
    get only the results partial, except history restores, which need the page."""
    listing = order_listing(request.GET)
    partial = request.htmx and not request.htmx.history_restore_request
    template = "orders/list.html#results" if partial else "orders/list.html"
    current = view_query(request.GET)
    saved = list(saved_views_for(request.user))
    for view in saved:
        view.is_current = view.query == current
        view.can_delete = saved_view_can_delete(view, request.user)
    context = {
        "listing": listing,
        "bulk_carrier_choices": BulkFulfilForm.base_fields["carrier"].choices,
        "saved_views": saved,
        "notify_default": request.user.has_perm("fulfillments.add_fulfillment")
        and notify_default(),
        "saved_current": any(view.is_current for view in saved),
        "current_query": current,
        "export_params": [
            (key, value)
            for key, values in request.GET.lists()
            if key not in ("page", "after", "before", "rows")
            for value in values
        ],
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_export(request: HttpRequest) -> HttpResponse:
    """The list's current view as CSV (`rows=line` for one row per line item), streamed."""
    listing, queryset = listing_query(request.GET)
    if queryset is None:
        # The list page shows what is wrong with the filter.
        params = request.GET.copy()
        params.pop("rows", None)
        return redirect(f"{reverse('orders:list')}?{params.urlencode()}")
    per_line = request.GET.get("rows") == "line"
    response = StreamingHttpResponse(
        csv_stream(queryset, per_line=per_line, sort=listing.sort),
        content_type="text/csv; charset=utf-8",
    )
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    kind = "order-lines" if per_line else "orders"
    response["Content-Disposition"] = f'attachment; filename="{kind}-{stamp}.csv"'
    return response


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Save the list's current view (its query) under a name, for the user or shared."""
    form = SavedViewForm(request.POST)
    query = request.POST.get("query", "")
    if form.is_valid():
        try:
            view = saved_view_save(
                user=request.user,
                name=form.cleaned_data["name"],
                query=view_query(QueryDict(form.cleaned_data["query"])),
                shared=form.cleaned_data["shared"],
            )
        except SavedViewError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"View “{view.name}” saved.")
            return redirect(f"{reverse('orders:list')}?{view.query}")
    else:
        messages.error(request, "Give the view a name (at most 60 characters).")
    return redirect(f"{reverse('orders:list')}?{query}")


@require_POST
@permission_required("orders.view_order", raise_exception=True)
def saved_view_remove(request: HttpRequest, pk: int) -> HttpResponse:
    view = get_object_or_404(saved_views_for(request.user), pk=pk)
    try:
        saved_view_delete(view=view, user=request.user)
    except SavedViewError as error:
        messages.error(request, error.message)
        return redirect(f"{reverse('orders:list')}?{view.query}")
    messages.success(request, f"View “{view.name}” deleted.")
    return redirect("orders:list")


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
    notify = notify_default() if can_add and open_order and fulfillable else False
    multi_form = overrides.pop("multi_form", None)
    if multi_form is None and can_add and open_order and fulfillable:
        multi_form = MultiFulfilForm(
            prefix="multi", line_rows=fulfillable, initial={"notify": notify}
        )
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
        "timeline": timeline(order.activities.all()),
        "line_by_index": {row.item.index: row.item for row in line_rows},
        # For the hand-written blank line forms (fulfillments/_line_fields_blank.html).
        "carrier_choices": CARRIER_CHOICES,
        "default_carrier": TrackingForm.base_fields["carrier"].initial,
        "max_quantity": MAX_FULFILLMENT_LINE_QUANTITY,
        "notify_default": notify,
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
