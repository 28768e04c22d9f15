"""Stores Orders v2 endpoints under /api/stores/v2/."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from pydantic import BeforeValidator, WithJsonSchema

from config.api import (
    BODY_TOO_LARGE,
    KEY_REUSED,
    NOT_FOUND,
    READ_METHODS,
    ApiError,
    as_built,
    needs,
    responses,
)
from config.ops.replicas import replica_reads
from config.schemas import NO_NUL_PATTERN, InputSchema, WholeNumber
from orders import idempotency
from orders.counting import count_matches
from orders.idempotency import idempotent
from orders.models import Order
from orders.query import (
    DEFAULT_LIMIT,
    FIELDS,
    LOGICAL,
    MAX_LIMIT,
    MAX_OFFSET,
    SORTABLE,
    build_query,
)
from orders.schemas import OrderCreateIn, OrderOut, OrderResponse
from orders.selectors import (
    ORDER_DETAIL_RELATIONS,
    order_detail_queryset,
    order_json_queryset,
    visible_orders,
)
from orders.serializers import order_to_dict
from orders.services import (
    ADDRESS_OBJECT_PARTS,
    ADDRESS_TEXT_FIELDS,
    order_create,
    order_update_email,
    order_update_shipping_address,
)

router = Router(tags=["Stores Orders v2"])

# Parsed by the endpoint, so that a malformed id is the 400 it always was (field "id").
OrderIdText = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]


class PagingIn(InputSchema):
    # The bounds are the query language's (orders/query.py checks them and names the field).
    limit: WholeNumber | None = Field(
        default=None,
        description=f"1..{MAX_LIMIT}, default {DEFAULT_LIMIT}",
        json_schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
    )
    offset: WholeNumber | None = Field(
        default=None,
        description=f"0..{MAX_OFFSET}, default 0",
        json_schema_extra={"minimum": 0, "maximum": MAX_OFFSET},
    )


# What the query language (orders/query.py) takes, as far as JSON Schema can say it; the
# operators each field allows and their value types are checked there (a 400 naming the field).
DIRECTION = {"type": "string", "pattern": "^([aA][sS][cC]|[dD][eE][sS][cC])$"}
SORT_ITEM = {
    "anyOf": [
        {"type": "string", "enum": list(SORTABLE)},
        {
            "type": "object",
            "minProperties": 1,
            "maxProperties": 1,
            "propertyNames": {"enum": list(SORTABLE)},
            "additionalProperties": DIRECTION,
        },
        {
            "type": "object",
            "required": ["fieldName"],
            "additionalProperties": False,
            "properties": {"fieldName": {"enum": list(SORTABLE)}, "order": DIRECTION},
        },
    ]
}
FilterIn = Annotated[
    str | dict[str, Any] | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": NO_NUL_PATTERN, "description": "the filter as JSON"},
                {"type": "object", "propertyNames": {"enum": [*FIELDS, *LOGICAL]}},
                {"type": "null"},
            ],
            "description": 'A filter object or its JSON string, e.g. {"paymentStatus": "PAID"}',
        }
    ),
]
SortIn = Annotated[
    str | list[Any] | dict[str, Any] | None,
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": NO_NUL_PATTERN, "description": "the sort as JSON"},
                {"type": "array", "items": SORT_ITEM},
                {
                    **SORT_ITEM["anyOf"][1],
                    "minProperties": 0,
                    "description": "one sort item, as a list of one ({} as [], the default)",
                },
                {"type": "null"},
            ],
            "description": 'A sort list or its JSON string, e.g. [{"number": "desc"}]',
        }
    ),
]


def offset_paging_only(value: Any) -> None:
    """Wix's newer query APIs page with cursors; Stores Orders v2 pages by offset only."""
    if value is not None:
        raise ValueError(
            "Stores Orders v2 pages by offset: send paging {limit, offset} (offset at most "
            f"{MAX_OFFSET}); cursor paging is not supported"
        )


class QueryIn(InputSchema):
    filter: FilterIn = None
    sort: SortIn = None
    paging: PagingIn | None = None
    # Named so that a client used to cursor paging is told why, not only "unknown key".
    cursorPaging: Annotated[
        Any,
        BeforeValidator(offset_paging_only),
        WithJsonSchema({"type": "null", "description": "Not supported: use paging"}),
    ] = None


class OrdersQueryIn(InputSchema):
    # null is "not set", as for filter, sort and paging (and in Wix's JSON: proto3's rule).
    query: QueryIn | None = None


class MetadataOut(Schema):
    items: int
    offset: int


class OrdersQueryOut(Schema):
    orders: list[OrderOut]
    metadata: MetadataOut
    totalResults: int = Field(
        ..., description="Exact up to 10,000 matches; above that PostgreSQL's estimate"
    )


class UpdateEmailIn(InputSchema):
    orderId: uuid.UUID | None = None
    # Checked by order_update_email (a 400 naming "email").
    email: Annotated[
        str,
        WithJsonSchema({"type": "string", "format": "email", "minLength": 1, "maxLength": 254}),
    ]


TEXT_OR_NULL = {
    "anyOf": [{"type": "string", "maxLength": 500, "pattern": NO_NUL_PATTERN}, {"type": "null"}]
}


def object_text_or_null(parts: tuple[str, ...]) -> dict[str, Any]:
    """street / vatId: an object of those string parts, a string, or null (address_clean)."""
    part = {
        "anyOf": [{"type": "string", "maxLength": 500, "pattern": NO_NUL_PATTERN}, {"type": "null"}]
    }
    return {
        "anyOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "properties": dict.fromkeys(parts, part),
            },
            {"type": "string", "maxLength": 500, "pattern": NO_NUL_PATTERN},
            {"type": "null"},
        ]
    }


NAME_PART = {"type": "string", "maxLength": 200, "pattern": NO_NUL_PATTERN}
# The fields order_update_shipping_address takes (address_clean checks them); null removes one.
SHIPPING_ADDRESS = {
    "type": "object",
    "minProperties": 1,
    "additionalProperties": False,
    "properties": {
        **dict.fromkeys(ADDRESS_TEXT_FIELDS, TEXT_OR_NULL),
        # An address's email is an email address (or "" for none), as address_clean checks.
        "email": {
            "anyOf": [
                {"type": "string", "maxLength": 254, "format": "email"},
                {"type": "string", "maxLength": 0},
                {"type": "null"},
            ]
        },
        "fullName": {
            "anyOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"firstName": NAME_PART, "lastName": NAME_PART},
                },
                {"type": "null"},
            ]
        },
        "street": object_text_or_null(ADDRESS_OBJECT_PARTS["street"]),
        "vatId": object_text_or_null(ADDRESS_OBJECT_PARTS["vatId"]),
    },
}


class UpdateShippingAddressIn(InputSchema):
    orderId: uuid.UUID | None = None
    shippingAddress: Annotated[dict[str, Any], WithJsonSchema(SHIPPING_ADDRESS)]


# A small order the create endpoint accepts, shown in the docs.
CREATE_EXAMPLE = {
    "requestBody": {
        "content": {
            "application/json": {
                "example": {
                    "order": {
                        "lineItems": [{"name": "Mug", "quantity": 2, "price": "5.00"}],
                        "billingInfo": {
                            "address": {"fullName": {"firstName": "Ida", "lastName": "Berg"}}
                        },
                        "shippingInfo": {
                            "shipmentDetails": {"address": {"city": "Oslo", "country": "NO"}}
                        },
                        "currency": "NOK",
                    }
                }
            }
        }
    }
}


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
    response=responses(OrdersQueryOut, BODY_TOO_LARGE),
    summary="Query orders",
    auth=needs("orders.view_order"),
)
@as_built
def orders_query(request: HttpRequest, payload: OrdersQueryIn | None = None):
    """Up to 100 orders matching the filter, in the sort order, from the offset (hidden
    orders are never returned). Filter and sort follow the Stores v2 query language.

    `totalResults` is exact when every match fits on a first page; otherwise it is counted up
    to 10,000, and above that (or when PostgreSQL's planner expects more than 10,000 matches)
    it is the planner's estimate, so a broad filter over a million orders does not pay for a
    full count on every call."""
    # No body at all is the default query, as the empty object is.
    asked = (payload and payload.query) or QueryIn()
    paging = asked.paging or PagingIn()
    query = build_query(
        filter=asked.filter,
        sort=asked.sort,
        limit=paging.limit,
        offset=paging.offset,
        base=order_json_queryset(),
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


@router.api_operation(
    READ_METHODS,
    "orders/{order_id}",
    response=responses(OrderResponse, NOT_FOUND),
    summary="Get order",
    auth=needs("orders.view_order"),
)
@as_built
def order_get(request: HttpRequest, order_id: OrderIdText):
    """One order by its id (hidden orders are not found)."""
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


@router.post(
    "orders",
    response=responses(OrderResponse, BODY_TOO_LARGE, KEY_REUSED),
    openapi_extra={**idempotency.OPENAPI_EXTRA, **CREATE_EXAMPLE},
    summary="Create order",
    auth=needs("orders.add_order"),
)
@as_built
def order_create_endpoint(request: HttpRequest, payload: OrderCreateIn):
    """Creates the order; with an `Idempotency-Key` header a retry returns the first answer."""

    def create() -> dict[str, Any]:
        order = order_create(data=payload.order, actor=request.user)
        return {"order": order_json(order.pk)}

    return idempotent(request, create)


@router.patch(
    "orders/{id}/updateEmail",
    response=responses(OrderResponse, NOT_FOUND, BODY_TOO_LARGE),
    summary="Update buyer email",
    auth=needs("orders.change_order", "orders.edit_buyer_email"),
)
@as_built
def order_update_email_endpoint(request: HttpRequest, id: uuid.UUID, payload: UpdateEmailIn):
    path_id_matches(payload.orderId, id)
    order = order_visible_or_404(id)
    order_update_email(order=order, email=payload.email, actor=request.user)
    return {"order": order_json(order.pk)}


@router.put(
    "orders/{id}/updateShippingAddress",
    response=responses(OrderResponse, NOT_FOUND, BODY_TOO_LARGE),
    summary="Update shipping address",
    auth=needs("orders.change_order"),
)
@as_built
def order_update_shipping_address_endpoint(
    request: HttpRequest, id: uuid.UUID, payload: UpdateShippingAddressIn
):
    path_id_matches(payload.orderId, id)
    order = order_visible_or_404(id)
    order_update_shipping_address(order=order, address=payload.shippingAddress, actor=request.user)
    return {"order": order_json(order.pk)}
