"""Order pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_http_methods

from config.http import HtmxHttpRequest
from fulfillments.pages import (
    OrderPageState,
    bulk_carrier_choices,
    order_page_done,
    order_page_response,
)
from ops.replicas import reads_from_replica
from orders.filters import order_listing
from orders.forms import EmailForm, ShippingAddressForm, StoreSettingsForm
from orders.selectors import order_or_404, store_settings_get, visible_orders
from orders.services import (
    OrderError,
    order_update_email,
    order_update_shipping_address,
    store_settings_update,
)


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
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
        "bulk_carrier_choices": bulk_carrier_choices(),
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---- The order page (composed in fulfillments/pages.py) ----


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HtmxHttpRequest, number: int) -> HttpResponse:
    return order_page_response(request, number)


@require_http_methods(["GET", "POST"])
@permission_required(["orders.change_order", "orders.edit_buyer_email"], raise_exception=True)
def order_email_edit(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """GET shows the email form (htmx: the addresses partial); POST saves it."""
    if request.method == "GET":
        state = OrderPageState(show_email_form=True)
        return order_page_response(request, number, state, partial="addresses")
    order = order_or_404(number, visible_orders().only("pk", "number", "shipping_info"))
    form = EmailForm(request.POST, prefix="email")
    if form.is_valid():
        try:
            order_update_email(order=order, email=form.cleaned_data["email"], actor=request.user)
        except OrderError as error:
            form.add_error("email", error.message)
        else:
            return order_page_done(request, number, "Email updated.")
    return order_page_response(
        request, number, OrderPageState(show_email_form=True, email_form=form)
    )


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_order", raise_exception=True)
def order_shipping_address_edit(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """GET shows the shipping address form (htmx: the addresses partial); POST saves it."""
    if request.method == "GET":
        state = OrderPageState(show_address_form=True)
        return order_page_response(request, number, state, partial="addresses")
    order = order_or_404(number, visible_orders().only("pk", "number", "shipping_info"))
    form = ShippingAddressForm(request.POST, prefix="address")
    if form.is_valid():
        try:
            order_update_shipping_address(order=order, address=form.address(), actor=request.user)
        except OrderError as error:
            form.add_error(None, error.message)
        else:
            return order_page_done(request, number, "Shipping address updated.")
    return order_page_response(
        request, number, OrderPageState(show_address_form=True, address_form=form)
    )


# ---- The store's settings ----


@require_http_methods(["GET", "POST"])
@permission_required("orders.change_storesettings", raise_exception=True)
def store_settings_edit(request: HtmxHttpRequest) -> HttpResponse:
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
