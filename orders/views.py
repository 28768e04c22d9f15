"""Order pages."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    QueryDict,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.http import HtmxHttpRequest
from config.ops.replicas import reads_from_replica
from fulfillments.pages import (
    OrderPageState,
    bulk_carrier_choices,
    list_print_limits,
    order_page_done,
    order_page_response,
)
from orders.export import csv_stream, export_query_check
from orders.filters import listing_query, order_listing
from orders.forms import EmailForm, ShippingAddressForm, StoreSettingsForm
from orders.saved_views import (
    NOT_SAVED,
    SavedViewError,
    SavedViewForm,
    saved_view_can_delete,
    saved_view_columns,
    saved_view_delete,
    saved_view_save,
    saved_views_for,
    saved_views_for_list,
    saved_views_from_row,
    view_query,
)
from orders.selectors import order_or_404, store_settings_get, visible_orders
from orders.services import (
    OrderError,
    order_set_archived,
    order_update_email,
    order_update_shipping_address,
    store_settings_update,
)


@require_safe
@permission_required("orders.view_order", raise_exception=True)
@reads_from_replica
def order_list(request: HtmxHttpRequest) -> HttpResponse:
    """The orders list; the URL holds the whole state (see orders/filters.py). HTMX requests
    get only the results partial, except history restores, which need the page."""
    # The saved-view tabs and the notify default come with the page's rows (one query less).
    listing = order_listing(request.GET, page_extra=saved_view_columns(request.user))
    partial = request.htmx and not request.htmx.history_restore_request
    template = "orders/list.html#results" if partial else "orders/list.html"
    current = view_query(request.GET)
    saved, notify_default = (
        saved_views_from_row(listing.orders[0])
        if listing.orders
        else saved_views_for_list(request.user)
    )
    for view in saved:
        view.is_current = view.query == current
        view.can_delete = saved_view_can_delete(view, request.user)
    context = {
        "listing": listing,
        "bulk_carrier_choices": bulk_carrier_choices(),
        "notify_default": notify_default,
        "saved_views": saved,
        "saved_current": any(view.is_current for view in saved),
        "current_query": current,
        "export_params": [
            (key, value)
            for key, values in request.GET.lists()
            if key not in NOT_SAVED
            for value in values
        ],
        **list_print_limits(),
    }
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@require_safe
@permission_required("orders.view_order", raise_exception=True)
@reads_from_replica
def order_export(request: HttpRequest) -> HttpResponseBase:
    """The list's current view as CSV (`rows=line` for one row per line item), streamed."""
    listing, queryset = listing_query(request.GET)
    if queryset is None:
        # The list page shows what is wrong with the filter.
        params = request.GET.copy()
        params.pop("rows", None)
        return redirect(f"{reverse('orders:list')}?{params.urlencode()}")
    per_line = request.GET.get("rows") == "line"
    export_query_check(queryset, per_line=per_line, sort=listing.sort)
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


# ---- The order page (composed in fulfillments/pages.py) ----


@require_safe
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HtmxHttpRequest, number: int) -> HttpResponse:
    return order_page_response(request, number)


@require_POST
@permission_required(["orders.view_order", "orders.archive_order"], raise_exception=True)
def order_archive(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """Archive (`archived=1`) or unarchive (`archived=0`) the order, back on its page."""
    order = order_or_404(number, visible_orders().only("pk", "number"))
    value = request.POST.get("archived")
    if value not in ("0", "1"):
        return HttpResponseBadRequest(
            "archived must be 1 (archive) or 0 (unarchive).", content_type="text/plain"
        )
    archived = value == "1"
    order_set_archived(order=order, archived=archived, actor=request.user)
    return order_page_done(
        request,
        number,
        "Order archived: it no longer shows in the open views."
        if archived
        else "Order unarchived: it shows in the open views again.",
        # The same button, now the way back, keeps the focus.
        OrderPageState(focus_archive=True),
    )


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
