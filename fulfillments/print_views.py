"""Printable pages: packing slips (one order, or many, one per sheet) and pick lists."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_safe

from config.http import HtmxHttpRequest
from fulfillments.barcodes import code128_svg
from fulfillments.packing import pack_queryset
from fulfillments.printing import (
    MAX_PICK_ORDERS,
    MAX_SLIPS,
    PrintRequestError,
    orders_to_print,
    pick_list,
    slips_for,
)
from orders.selectors import store_settings_get, visible_orders

CAN_VIEW = "orders.view_order"


def _slips_page(request: HtmxHttpRequest, orders, *, more: bool = False) -> HttpResponse:
    slips = slips_for(orders)
    for slip in slips:
        slip.barcode = code128_svg(slip.code)
    context = {"slips": slips, "store": store_settings_get(), "more": more, "limit": MAX_SLIPS}
    return render(request, "fulfillments/slips.html", context)


@require_safe
@permission_required(CAN_VIEW, raise_exception=True)
def slip(request: HtmxHttpRequest, number: int) -> HttpResponse:
    """One order's packing slip."""
    order = pack_queryset().filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    return _slips_page(request, [order])


def _print_params(request: HtmxHttpRequest) -> dict:
    """The orders list's checkboxes POST their choice; a GET carries the list's filter."""
    if request.method == "POST":
        return {"params": request.POST, "chosen": True}
    return {"params": request.GET}


@require_http_methods(["GET", "POST"])
@permission_required(CAN_VIEW, raise_exception=True)
def slips(request: HtmxHttpRequest) -> HttpResponse:
    """Slips of the chosen orders (POSTed from the list's checkboxes) or of the list's
    current filter (GET with its parameters), at most MAX_SLIPS, one per printed page."""
    try:
        orders, more = orders_to_print(
            **_print_params(request), base=pack_queryset(), limit=MAX_SLIPS
        )
    except PrintRequestError as error:
        return render(request, "fulfillments/print_error.html", {"error": str(error)}, status=400)
    return _slips_page(request, orders, more=more)


@require_http_methods(["GET", "POST"])
@permission_required(CAN_VIEW, raise_exception=True)
def picking(request: HtmxHttpRequest) -> HttpResponse:
    """The pick list of the chosen orders, or of the unfulfilled orders of the list's current
    filter (at most MAX_PICK_ORDERS)."""
    try:
        orders, more = orders_to_print(
            **_print_params(request),
            base=visible_orders(),
            limit=MAX_PICK_ORDERS,
            open_only=True,
        )
    except PrintRequestError as error:
        return render(request, "fulfillments/print_error.html", {"error": str(error)}, status=400)
    numbers = list(orders.values_list("pk", "number"))
    rows = pick_list([pk for pk, _ in numbers])
    context = {
        "rows": rows,
        "order_count": len(numbers),
        "units": sum(row.quantity for row in rows),
        "store": store_settings_get(),
        "more": more,
        "limit": MAX_PICK_ORDERS,
    }
    return render(request, "fulfillments/pick_list.html", context)
