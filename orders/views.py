"""Order pages."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from orders.selectors import order_detail_queryset, order_list_rows


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "orders/home.html")


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_list(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(order_list_rows(), 50)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "orders/list.html", {"page": page})


# ---- The order page (fulfillments issue) below; the list (orders issue) above. ----


@require_GET
@permission_required("orders.view_order", raise_exception=True)
def order_detail(request: HttpRequest, number: int) -> HttpResponse:
    order = order_detail_queryset().filter(number=number).first()
    if order is None:
        raise Http404("No such order")
    return render(request, "orders/detail.html", {"order": order})
