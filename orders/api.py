"""Stores Orders v2 endpoints under /api/stores/v2/."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema

from config.api import ApiError, require_perm
from config.ops.replicas import replica_reads
from config.schemas import InputSchema
from orders.counting import count_matches
from orders.idempotency import idempotent
from orders.models import Order
from orders.query import build_query
from orders.schemas import ErrorOut, OrderCreateIn
from orders.selectors import ORDER_DETAIL_RELATIONS, order_detail_queryset, visible_orders
from orders.serializers import order_to_dict
from orders.services import (
    order_create,
    order_update_email,
    order_update_shipping_address,
)

router = Router(tags=["Stores Orders v2"])


class PagingIn(InputSchema):
    limit: int | None = Field(default=None, description="1..100, default 50")
    offset: int | None = Field(default=None, description=">= 0, default 0")


class QueryIn(InputSchema):
    filter: str | dict[str, Any] | None = Field(
        default=None,
        description='A filter object or its JSON string, e.g. {"paymentStatus": "PAID"}',
    )
    sort: str | list[Any] | None = Field(
        default=None, description='A sort list or its JSON string, e.g. [{"number": "desc"}]'
    )
    paging: PagingIn | None = None


class OrdersQueryIn(InputSchema):
    query: QueryIn = Field(default_factory=QueryIn)


class MetadataOut(Schema):
    items: int
    offset: int


class OrdersQueryOut(Schema):
    orders: list[dict[str, Any]]
    metadata: MetadataOut
    totalResults: int


class OrderOut(Schema):
    order: dict[str, Any]


class UpdateEmailIn(InputSchema):
    orderId: uuid.UUID | None = None
    email: str


class UpdateShippingAddressIn(InputSchema):
    orderId: uuid.UUID | None = None
    shippingAddress: dict[str, Any]


def order_visible_or_404(order_id) -> Order:
    """The order to write to (hidden orders are not found); the services lock it again."""
    order = visible_orders().filter(pk=order_id).first()
    if order is None:
        raise Http404(f"Order {order_id} not found.")
    return order


def path_id_matches(body_id: uuid.UUID | None, path_id: uuid.UUID) -> None:
    """A body `orderId` (optional) must name the order of the path."""
    if body_id is not None and body_id != path_id:
        raise ApiError(
            400,
            f"orderId {body_id} does not match the order in the path ({path_id}).",
            {"field": "orderId"},
        )


def order_json(order_id) -> dict[str, Any]:
    """The order's Stores v2 JSON, read after a write."""
    return order_to_dict(order_detail_queryset().get(pk=order_id))


def order_json_written(order: Order) -> dict[str, Any]:
    """The Stores v2 JSON of `order` as a service just locked and saved it: only the
    relations the service did not already read are fetched."""
    prefetch_related_objects([order], *ORDER_DETAIL_RELATIONS)
    return order_to_dict(order)


@router.post(
    "orders/query",
    response={200: OrdersQueryOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut},
    summary="Query orders",
)
def orders_query(request: HttpRequest, payload: OrdersQueryIn):
    """Up to 100 orders matching the filter, in the sort order, from the offset (hidden
    orders are never returned). Filter and sort follow the Stores v2 query language.

    `totalResults` is exact when every match fits on a first page; otherwise it is counted up
    to 10,000, and above that (or when PostgreSQL's planner expects more than 10,000 matches)
    it is the planner's estimate, so a broad filter over a million orders does not pay for a
    full count on every call."""
    require_perm(request, "orders.view_order")
    paging = payload.query.paging or PagingIn()
    query = build_query(
        filter=payload.query.filter,
        sort=payload.query.sort,
        limit=paging.limit,
        offset=paging.offset,
        base=order_detail_queryset(),
    )
    with replica_reads(request):
        orders = [order_to_dict(order) for order in query.page()]
        total, _ = count_matches(
            query.queryset,
            page_rows=len(orders),
            first_page=query.offset == 0,
            more=len(orders) == query.limit,
        )
    return {
        "orders": orders,
        "metadata": {"items": len(orders), "offset": query.offset},
        "totalResults": total,
    }


@router.get(
    "orders/{order_id}",
    response={200: OrderOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Get order",
)
def order_get(request: HttpRequest, order_id: str):
    """One order by its id (hidden orders are not found)."""
    require_perm(request, "orders.view_order")
    try:
        pk = uuid.UUID(order_id)
    except ValueError:
        raise ApiError(
            400, f"{order_id!r} is not a valid order id (UUID).", {"field": "id"}
        ) from None
    order = order_detail_queryset().filter(pk=pk).first()
    if order is None:
        raise Http404(f"Order {order_id} not found.")
    return {"order": order_to_dict(order)}


# ---- Order writes: create, updateEmail, updateShippingAddress ----


@router.post("orders", summary="Create order")
def order_create_endpoint(request: HttpRequest, payload: OrderCreateIn):
    """Creates the order; with an `Idempotency-Key` header a retry returns the first answer."""
    require_perm(request, "orders.add_order")

    def create() -> dict[str, Any]:
        order = order_create(data=payload.order, actor=request.user)
        return {"order": order_json(order.pk)}

    return idempotent(request, create)


@router.patch("orders/{id}/updateEmail", summary="Update buyer email")
def order_update_email_endpoint(request: HttpRequest, id: uuid.UUID, payload: UpdateEmailIn):
    require_perm(request, "orders.change_order", "orders.edit_buyer_email")
    path_id_matches(payload.orderId, id)
    order = order_visible_or_404(id)
    order_update_email(order=order, email=payload.email, actor=request.user)
    return {"order": order_json(order.pk)}


@router.put("orders/{id}/updateShippingAddress", summary="Update shipping address")
def order_update_shipping_address_endpoint(
    request: HttpRequest, id: uuid.UUID, payload: UpdateShippingAddressIn
):
    require_perm(request, "orders.change_order")
    path_id_matches(payload.orderId, id)
    order = order_visible_or_404(id)
    order_update_shipping_address(order=order, address=payload.shippingAddress, actor=request.user)
    return {"order": order_json(order.pk)}
