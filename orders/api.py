"""Stores Orders v2 endpoints under /api/stores/v2/."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["Stores Orders v2"])


# ---- Order writes (fulfillments issue): create, updateEmail, updateShippingAddress. ----
# Kept in one block at the end so the query endpoints above stay separate.

import uuid as _uuid  # noqa: E402
from typing import Any as _Any  # noqa: E402

from django.http import Http404 as _Http404  # noqa: E402
from django.http import HttpRequest as _HttpRequest  # noqa: E402
from ninja import Schema as _Schema  # noqa: E402

from config.api import require_perm as _require_perm  # noqa: E402


class OrderCreateIn(_Schema):
    order: dict[str, _Any]


class UpdateEmailIn(_Schema):
    orderId: _uuid.UUID | None = None
    email: str


class UpdateShippingAddressIn(_Schema):
    orderId: _uuid.UUID | None = None
    shippingAddress: dict[str, _Any]


def _order_for_write(order_id):
    from orders.selectors import visible_orders

    order = visible_orders().filter(pk=order_id).first()
    if order is None:
        raise _Http404(f"Order {order_id} not found.")
    return order


def _order_response(order_id) -> dict[str, _Any]:
    from orders.selectors import order_detail_queryset
    from orders.serializers import order_to_dict

    return {"order": order_to_dict(order_detail_queryset().get(pk=order_id))}


@router.post("orders", summary="Create order")
def order_create_endpoint(request: _HttpRequest, payload: OrderCreateIn):
    from fulfillments.api import api_error
    from orders.services import OrderError, order_create

    _require_perm(request, "orders.add_order")
    try:
        order = order_create(data=payload.order, actor=request.user)
    except OrderError as error:
        raise api_error(error) from None
    return _order_response(order.pk)


@router.patch("orders/{id}/updateEmail", summary="Update buyer email")
def order_update_email_endpoint(request: _HttpRequest, id: _uuid.UUID, payload: UpdateEmailIn):
    from fulfillments.api import api_error
    from orders.models import Order
    from orders.services import OrderError, order_update_email

    _require_perm(request, "orders.change_order")
    order = _order_for_write(id)
    try:
        order_update_email(order=order, email=payload.email, actor=request.user)
    except Order.DoesNotExist:
        raise _Http404(f"Order {id} not found.") from None
    except OrderError as error:
        raise api_error(error) from None
    return _order_response(order.pk)


@router.put("orders/{id}/updateShippingAddress", summary="Update shipping address")
def order_update_shipping_address_endpoint(
    request: _HttpRequest, id: _uuid.UUID, payload: UpdateShippingAddressIn
):
    from fulfillments.api import api_error
    from orders.models import Order
    from orders.services import OrderError, order_update_shipping_address

    _require_perm(request, "orders.change_order")
    order = _order_for_write(id)
    try:
        order_update_shipping_address(
            order=order, address=payload.shippingAddress, actor=request.user
        )
    except Order.DoesNotExist:
        raise _Http404(f"Order {id} not found.") from None
    except OrderError as error:
        raise api_error(error) from None
    return _order_response(order.pk)
