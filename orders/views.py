"""Order pages."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET
from django_htmx.middleware import HtmxDetails

from orders.filters import order_listing
from orders.selectors import order_detail_queryset


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
    response = render(request, template, {"listing": listing})
    patch_vary_headers(response, ["HX-Request"])
    return response


# ---- The order page (fulfillments issue) below; the list (orders issue) above. ----


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    order = order_detail_queryset().filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    return render(request, "orders/detail.html", {"order": order})
