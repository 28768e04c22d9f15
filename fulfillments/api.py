"""Fulfillment endpoints: the Stores v2 ones under /api/stores/v2/ (line items by index) and
the eCommerce ones under /api/ecom/v1/fulfillments/ (line items by id).

The eCommerce endpoints speak Wix's REST wire format (`id`, `createdDate`); Wix's JS SDK turns
those into the `_id` / `_createdDate` of the spec's examples for its caller. Requests accept
`id` and, for hand-written clients, `_id`."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Router
from pydantic import StrictBool, StrictInt

from config.api import ApiError, error_fields, require_perm
from config.schemas import InputSchema
from fulfillments.models import MAX_FULFILLMENT_LINE_QUANTITY, Fulfillment
from fulfillments.services import (
    MAX_BULK_ORDERS,
    MAX_LINK,
    MAX_PROVIDER,
    MAX_TRACKING_NUMBER,
    LineId,
    LineRequest,
    fulfillment_bulk_create,
    fulfillment_create,
    fulfillment_delete,
    fulfillment_update,
)
from orders.api import order_json, order_json_written, order_visible_or_404
from orders.idempotency import idempotent
from orders.models import Order
from orders.selectors import visible_orders
from orders.serializers import iso, tracking_info
from orders.services import OrderError

stores_router = Router(tags=["Stores Orders v2: fulfillments"])
ecom_router = Router(tags=["eCommerce Order Fulfillments"])

PERM_VIEW = "fulfillments.view_fulfillment"
PERM_ADD = "fulfillments.add_fulfillment"
PERM_CHANGE = "fulfillments.change_fulfillment"
PERM_DELETE = "fulfillments.delete_fulfillment"


# ---- Schemas (wrong types are a 400 naming the field, from config.api) ----


class TrackingIn(InputSchema):
    trackingNumber: str | None = Field(default=None, max_length=MAX_TRACKING_NUMBER)
    shippingProvider: str | None = Field(default=None, max_length=MAX_PROVIDER)
    trackingLink: str | None = Field(
        None, max_length=MAX_LINK, description="An http(s) URL; null removes the stored link"
    )


def tracking_given(tracking: TrackingIn | None) -> dict[str, Any] | None:
    """Only the keys the caller sent: an absent key is kept on update, a null one removed."""
    return None if tracking is None else tracking.model_dump(exclude_unset=True)


class IndexLineIn(InputSchema):
    index: StrictInt = Field(..., ge=1)
    quantity: StrictInt | None = Field(
        None, ge=1, le=MAX_FULFILLMENT_LINE_QUANTITY, description="Default: what remains"
    )


# A Packdesk extension beside the spec's body (Wix's API has no such key): whether to email the
# buyer the tracking details; absent or null, the store's "notify the buyer" default.
NOTIFY_BUYER_DESCRIPTION = (
    "Packdesk extension: email the buyer the tracking details (only when there is a tracking "
    "number). Absent or null: the store's notify-the-buyer setting."
)


def notify_buyer_field() -> Any:
    return Field(default=None, description=NOTIFY_BUYER_DESCRIPTION)


class StoresFulfillmentIn(InputSchema):
    lineItems: list[IndexLineIn]
    trackingInfo: TrackingIn | None = None


class StoresCreateIn(InputSchema):
    fulfillment: StoresFulfillmentIn
    notifyBuyer: StrictBool | None = notify_buyer_field()


class StoresUpdateIn(InputSchema):
    fulfillmentTrackingInfo: TrackingIn
    lineItems: list[IndexLineIn] | None = None


class IdLineIn(InputSchema):
    id: uuid.UUID | None = None
    underscore_id: uuid.UUID | None = Field(default=None, alias="_id")
    quantity: StrictInt | None = Field(
        default=None, ge=1, le=MAX_FULFILLMENT_LINE_QUANTITY, description="Default: what remains"
    )

    def line_id(self, position: int) -> uuid.UUID:
        line_id = self.id or self.underscore_id
        if line_id is None:
            raise ApiError(
                400,
                f"lineItems[{position}] needs an id (or _id).",
                {"field": f"fulfillment.lineItems[{position}].id"},
            )
        return line_id


class EcomFulfillmentIn(InputSchema):
    lineItems: list[IdLineIn]
    trackingInfo: TrackingIn | None = None


class EcomCreateIn(InputSchema):
    # Wix's SDK also sends the path's orderId in the body.
    orderId: uuid.UUID | None = None
    fulfillment: EcomFulfillmentIn
    notifyBuyer: StrictBool | None = notify_buyer_field()


class EcomUpdateFulfillmentIn(InputSchema):
    # Wix's SDK sends the path's fulfillment id here (`id`; `_id` from hand-written clients).
    id: uuid.UUID | None = None
    underscore_id: uuid.UUID | None = Field(default=None, alias="_id")
    trackingInfo: TrackingIn | None = None
    lineItems: list[IdLineIn] | None = None


class EcomUpdateIn(InputSchema):
    orderId: uuid.UUID | None = None
    fulfillment: EcomUpdateFulfillmentIn


def path_ids_match(sent: dict[str, uuid.UUID | None], path: dict[str, uuid.UUID]) -> None:
    """Ids repeated in the body (as Wix's SDK does) must be the path's."""
    for field, value in sent.items():
        if value is not None and value != path[field]:
            raise ApiError(
                400, f"{field} {value} does not match the path ({path[field]}).", {"field": field}
            )


class BulkOrderIn(InputSchema):
    # A string so that one malformed id fails its own item, not the whole request.
    orderId: str
    fulfillments: list[EcomFulfillmentIn]


class BulkCreateIn(InputSchema):
    ordersWithFulfillments: list[BulkOrderIn] = Field(..., min_length=1, max_length=MAX_BULK_ORDERS)
    notifyBuyer: StrictBool | None = notify_buyer_field()


class ListByIdsIn(InputSchema):
    orderIds: list[uuid.UUID] = Field(..., max_length=MAX_BULK_ORDERS)


def id_lines(lines: list[IdLineIn]) -> list[LineRequest]:
    return [(LineId(line.line_id(position)), line.quantity) for position, line in enumerate(lines)]


# ---- eCommerce shapes ----


def ecom_fulfillment(fulfillment: Fulfillment, line_ids: dict[int, uuid.UUID]) -> dict[str, Any]:
    return {
        "id": str(fulfillment.id),
        "createdDate": iso(fulfillment.date_created),
        "lineItems": [
            {"id": str(line_ids[line.line_item_id]), "quantity": line.quantity}
            for line in fulfillment.lines.all()
        ],
        "trackingInfo": tracking_info(fulfillment),
    }


def order_with_fulfillments(order: Order) -> dict[str, Any]:
    """{orderId, fulfillments} from an order with line_items and fulfillments__lines
    prefetched; newest fulfillment first."""
    line_ids = {item.pk: item.line_id for item in order.line_items.all()}
    fulfillments = sorted(
        order.fulfillments.all(), key=lambda f: (f.date_created, str(f.id)), reverse=True
    )
    return {
        "orderId": str(order.id),
        "fulfillments": [ecom_fulfillment(f, line_ids) for f in fulfillments],
    }


FULFILLMENT_RELATIONS = ("line_items", "fulfillments__lines")


def fulfillments_queryset():
    return visible_orders().prefetch_related(*FULFILLMENT_RELATIONS)


def order_with_fulfillments_json(order_id) -> dict[str, Any]:
    return order_with_fulfillments(fulfillments_queryset().get(pk=order_id))


# ---- Stores Orders v2 ----


@stores_router.post("orders/{id}/fulfillments", summary="Create fulfillment")
@error_fields("fulfillment.")
def stores_fulfillment_create(request: HttpRequest, id: uuid.UUID, payload: StoresCreateIn):
    """With an `Idempotency-Key` header a retry returns the first answer."""
    require_perm(request, PERM_ADD)
    order = order_visible_or_404(id)
    body = payload.fulfillment

    def create() -> dict[str, Any]:
        fulfillment = fulfillment_create(
            order=order,
            lines=[(line.index, line.quantity) for line in body.lineItems],
            tracking=tracking_given(body.trackingInfo),
            actor=request.user,
            notify=payload.notifyBuyer,
        )
        return {"id": str(fulfillment.id), "order": order_json_written(fulfillment.order)}

    return idempotent(request, create)


def stores_update_field(field: str) -> str:
    """The services name tracking fields `trackingInfo.*`; this body calls it
    `fulfillmentTrackingInfo`."""
    if field == "lineItems":
        return field
    return "fulfillmentTrackingInfo." + field.removeprefix("trackingInfo.")


@stores_router.put("orders/{id}/fulfillments/{fulfillmentId}", summary="Update fulfillment")
@error_fields(stores_update_field)
def stores_fulfillment_update(
    request: HttpRequest, id: uuid.UUID, fulfillmentId: uuid.UUID, payload: StoresUpdateIn
):
    require_perm(request, PERM_CHANGE)
    order = order_visible_or_404(id)
    lines = None
    if payload.lineItems is not None:
        lines = [(line.index, line.quantity) for line in payload.lineItems]
    fulfillment_update(
        order=order,
        fulfillment_id=fulfillmentId,
        tracking=tracking_given(payload.fulfillmentTrackingInfo),
        lines=lines,
        actor=request.user,
    )
    return {"order": order_json(order.pk)}


@stores_router.delete("orders/{id}/fulfillments/{fulfillmentId}", summary="Delete fulfillment")
def stores_fulfillment_delete(request: HttpRequest, id: uuid.UUID, fulfillmentId: uuid.UUID):
    require_perm(request, PERM_DELETE)
    order = order_visible_or_404(id)
    fulfillment_delete(order=order, fulfillment_id=fulfillmentId, actor=request.user)
    return {"order": order_json(order.pk)}


# ---- eCommerce Order Fulfillments ----


@ecom_router.post("orders/{orderId}/create-fulfillment", summary="Create fulfillment")
@error_fields("fulfillment.")
def ecom_fulfillment_create(request: HttpRequest, orderId: uuid.UUID, payload: EcomCreateIn):
    """With an `Idempotency-Key` header a retry returns the first answer."""
    require_perm(request, PERM_ADD)
    path_ids_match({"orderId": payload.orderId}, {"orderId": orderId})
    order = order_visible_or_404(orderId)
    body = payload.fulfillment

    def create() -> dict[str, Any]:
        fulfillment = fulfillment_create(
            order=order,
            lines=id_lines(body.lineItems),
            tracking=tracking_given(body.trackingInfo),
            actor=request.user,
            notify=payload.notifyBuyer,
        )
        written = fulfillment.order
        prefetch_related_objects([written], *FULFILLMENT_RELATIONS)
        return {
            "fulfillmentId": str(fulfillment.id),
            "orderWithFulfillments": order_with_fulfillments(written),
        }

    return idempotent(request, create)


ERROR_CODES = {400: "INVALID_ARGUMENT", 404: "ORDER_NOT_FOUND", 409: "FULFILLMENT_CONFLICT"}


@ecom_router.post("orders/bulk/create-fulfillments", summary="Bulk create fulfillments")
def ecom_fulfillment_bulk_create(request: HttpRequest, payload: BulkCreateIn):
    """Each order in its own savepoint; with an `Idempotency-Key` header a retry returns the
    first answer and creates nothing."""
    require_perm(request, PERM_ADD)
    return idempotent(request, lambda: bulk_create_results(request, payload))


def bulk_create_results(request: HttpRequest, payload: BulkCreateIn) -> dict[str, Any]:
    items: list[tuple[Any, list[dict[str, Any]]]] = []
    refused: dict[int, OrderError] = {}
    for position, entry in enumerate(payload.ordersWithFulfillments):
        try:
            order_id = uuid.UUID(entry.orderId)
            specs = [
                {"lines": id_lines(f.lineItems), "tracking": tracking_given(f.trackingInfo)}
                for f in entry.fulfillments
            ]
        except ValueError:
            refused[position] = OrderError(
                f"orderId is not a valid id: {entry.orderId!r}.", field="orderId"
            )
            order_id, specs = None, []
        except ApiError as exc:
            refused[position] = OrderError(exc.message, field=exc.details.get("field"))
            order_id, specs = None, []
        items.append((order_id, specs))
    runnable = [(i, item) for i, item in enumerate(items) if i not in refused]
    outcomes = fulfillment_bulk_create(
        items=[item for _, item in runnable], actor=request.user, notify=payload.notifyBuyer
    )
    by_position = {i: outcome for (i, _), outcome in zip(runnable, outcomes, strict=True)}
    succeeded = [outcome.order_id for outcome in outcomes if outcome.success]
    orders = {order.pk: order for order in fulfillments_queryset().filter(pk__in=succeeded)}
    results = []
    for position, entry in enumerate(payload.ordersWithFulfillments):
        outcome = by_position.get(position)
        error = refused.get(position) or (outcome.error if outcome else None)
        metadata: dict[str, Any] = {
            "id": entry.orderId,
            "originalIndex": position,
            "success": error is None,
        }
        result: dict[str, Any] = {"itemMetadata": metadata}
        if error is None and outcome is not None:
            result["ordersWithFulfillments"] = order_with_fulfillments(orders[outcome.order_id])
        elif error is not None:
            metadata["error"] = {
                "code": ERROR_CODES.get(error.status, "INVALID_ARGUMENT"),
                "description": error.message,
                "data": {"field": error.field} if error.field else {},
            }
        results.append(result)
    successes = sum(1 for r in results if r["itemMetadata"]["success"])
    return {
        "results": results,
        "bulkActionMetadata": {
            "totalSuccesses": successes,
            "totalFailures": len(results) - successes,
            "undetailedFailures": 0,
        },
    }


@ecom_router.get("orders/{orderId}", summary="List fulfillments for a single order")
def ecom_fulfillments_for_order(request: HttpRequest, orderId: uuid.UUID):
    require_perm(request, PERM_VIEW)
    order = fulfillments_queryset().filter(pk=orderId).first()
    if order is None:
        raise Http404(f"Order {orderId} not found.")
    return {"orderWithFulfillments": order_with_fulfillments(order)}


@ecom_router.post("list-by-ids", summary="List fulfillments for multiple orders")
def ecom_fulfillments_for_orders(request: HttpRequest, payload: ListByIdsIn):
    """Orders in the order asked; unknown ids are left out."""
    require_perm(request, PERM_VIEW)
    orders = {o.pk: o for o in fulfillments_queryset().filter(pk__in=payload.orderIds)}
    return {
        "ordersWithFulfillments": [
            order_with_fulfillments(orders[order_id])
            for order_id in dict.fromkeys(payload.orderIds)
            if order_id in orders
        ]
    }


@ecom_router.patch("{fulfillmentId}/orders/{orderId}", summary="Update fulfillment")
@error_fields("fulfillment.")
def ecom_fulfillment_update(
    request: HttpRequest, fulfillmentId: uuid.UUID, orderId: uuid.UUID, payload: EcomUpdateIn
):
    require_perm(request, PERM_CHANGE)
    body = payload.fulfillment
    path_ids_match(
        {"orderId": payload.orderId, "fulfillment.id": body.id or body.underscore_id},
        {"orderId": orderId, "fulfillment.id": fulfillmentId},
    )
    order = order_visible_or_404(orderId)
    fulfillment_update(
        order=order,
        fulfillment_id=fulfillmentId,
        tracking=tracking_given(body.trackingInfo) or {},
        lines=id_lines(body.lineItems) if body.lineItems is not None else None,
        actor=request.user,
    )
    return {"orderWithFulfillments": order_with_fulfillments_json(order.pk)}


@ecom_router.delete("{fulfillmentId}/orders/{orderId}", summary="Delete fulfillment")
def ecom_fulfillment_delete(request: HttpRequest, fulfillmentId: uuid.UUID, orderId: uuid.UUID):
    require_perm(request, PERM_DELETE)
    order = order_visible_or_404(orderId)
    fulfillment_delete(order=order, fulfillment_id=fulfillmentId, actor=request.user)
    return {"orderWithFulfillments": order_with_fulfillments_json(order.pk)}
