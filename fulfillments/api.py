"""Fulfillment endpoints: the Stores v2 ones under /api/stores/v2/ (line items by index) and
the eCommerce ones under /api/ecom/v1/fulfillments/ (line items by id).

The eCommerce endpoints speak Wix's REST wire format (`id`, `createdDate`); Wix's JS SDK turns
those into the `_id` / `_createdDate` of the spec's examples for its caller. Requests accept
`id` and, for hand-written clients, `_id`."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Annotated, Any

from django.db.models import Prefetch, prefetch_related_objects
from django.http import Http404, HttpRequest
from ninja import Field, Router, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    StrictBool,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.json_schema import JsonDict

from config.api import (
    BODY_TOO_LARGE,
    CONFLICT,
    KEY_REUSED,
    NOT_FOUND,
    READ_METHODS,
    ApiError,
    as_built,
    error_fields,
    needs,
    responses,
)
from config.schemas import InputSchema, state_no_nul, whole_number
from fulfillments.models import (
    MAX_FULFILLMENT_LINE_ITEMS,
    MAX_FULFILLMENT_LINE_QUANTITY,
    Fulfillment,
)
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
from orders import idempotency
from orders.api import order_json, order_json_written, order_visible_or_404
from orders.idempotency import idempotent
from orders.models import LineItem, Order
from orders.schemas import OrderOut, OrderResponse, TrackingOut
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
        None,
        max_length=MAX_LINK,
        description='An http(s) URL with a host; null or "" removes the stored link',
        # What link_is_http accepts (a host: something before the first / ? or #).
        json_schema_extra={"pattern": "^([hH][tT][tT][pP][sS]?://[^/?#\\u0000][^\\u0000]*)?$"},
    )


def tracking_given(tracking: TrackingIn | None) -> dict[str, Any] | None:
    """Only the keys the caller sent: an absent key is kept on update, a null one removed."""
    return None if tracking is None else tracking.model_dump(exclude_unset=True)


LineIndex = Annotated[int, Field(ge=1), BeforeValidator(whole_number)]
LineQuantity = Annotated[
    int, Field(ge=1, le=MAX_FULFILLMENT_LINE_QUANTITY), BeforeValidator(whole_number)
]
# The services refuse an empty or too long list with their own message; the schema states it.
LINE_LIST: JsonDict = {"minItems": 1, "maxItems": MAX_FULFILLMENT_LINE_ITEMS}


class IndexLineIn(InputSchema):
    index: LineIndex
    quantity: LineQuantity | None = Field(None, description="Default: what remains")


# A Packdesk extension beside the spec's body (Wix's API has no such key): whether to email the
# buyer the tracking details; absent or null, the store's "notify the buyer" default.
NOTIFY_BUYER_DESCRIPTION = (
    "Packdesk extension: email the buyer the tracking details (only when there is a tracking "
    "number). Absent or null: the store's notify-the-buyer setting."
)


def notify_buyer_field() -> Any:
    return Field(default=None, description=NOTIFY_BUYER_DESCRIPTION)


class StoresFulfillmentIn(InputSchema):
    lineItems: list[IndexLineIn] = Field(..., json_schema_extra=LINE_LIST)
    trackingInfo: TrackingIn | None = None


# Wix's REST bodies may repeat the path's ids (the document's updateEmail example sends its
# orderId); when they do, they must be the path's.
class StoresCreateIn(InputSchema):
    orderId: uuid.UUID | None = None
    fulfillment: StoresFulfillmentIn
    notifyBuyer: StrictBool | None = notify_buyer_field()


class StoresUpdateIn(InputSchema):
    orderId: uuid.UUID | None = None
    fulfillmentId: uuid.UUID | None = None
    fulfillmentTrackingInfo: TrackingIn
    lineItems: list[IndexLineIn] | None = None


def id_or_underscore_id(schema: dict[str, Any]) -> None:
    """The JSON schema states what line_id() checks: `id` or `_id` is given."""
    state_no_nul(schema)
    schema["anyOf"] = [
        {"required": [key], "properties": {key: {"type": "string"}}} for key in ("id", "_id")
    ]


class IdLineIn(InputSchema):
    """A line item named by `id` (or `_id`): one of the two is required."""

    model_config = ConfigDict(json_schema_extra=id_or_underscore_id)

    id: uuid.UUID | None = None
    underscore_id: uuid.UUID | None = Field(default=None, alias="_id")
    quantity: LineQuantity | None = Field(default=None, description="Default: what remains")

    def line_id(self, position: int, where: str = "fulfillment.") -> uuid.UUID:
        line_id = self.id or self.underscore_id
        if self.id and self.underscore_id and self.id != self.underscore_id:
            raise ApiError(
                400,
                f"lineItems[{position}] has an id and an _id that differ; send one of them.",
                {"field": f"{where}lineItems[{position}]._id"},
            )
        if line_id is None:
            raise ApiError(
                400,
                f"lineItems[{position}] needs an id (or _id).",
                {"field": f"{where}lineItems[{position}].id"},
            )
        return line_id


def not_kept(value: Any, info: ValidationInfo) -> None:
    """`status`, `completed` and `customInfo`: Wix's newer SDK types a fulfillment with them, the
    Order Fulfillments document does not have them and Packdesk keeps no such state. null (or
    absent) is "not set" and taken; a value is refused, not silently dropped, so a client never
    believes a status was saved (README, "Fields the document does not define")."""
    if value is not None:
        raise ValueError(
            f"Packdesk does not keep a fulfillment's {info.field_name} (a field of Wix's newer "
            "Fulfillment object that the Order Fulfillments document does not define): leave "
            "it out or send null"
        )
    return None


NotKept = Annotated[
    Any,
    BeforeValidator(not_kept),
    WithJsonSchema({"type": "null", "description": "Not kept by Packdesk: absent or null only"}),
]


class WixFulfillmentFieldsIn(InputSchema):
    """The fields of Wix's current Fulfillment object beyond the document's: null only."""

    status: NotKept = None
    completed: NotKept = None
    customInfo: NotKept = None


class EcomFulfillmentIn(WixFulfillmentFieldsIn):
    lineItems: list[IdLineIn] = Field(..., json_schema_extra=LINE_LIST)
    trackingInfo: TrackingIn | None = None


class EcomCreateIn(InputSchema):
    # Wix's SDK also sends the path's orderId in the body.
    orderId: uuid.UUID | None = None
    fulfillment: EcomFulfillmentIn
    notifyBuyer: StrictBool | None = notify_buyer_field()


class EcomUpdateFulfillmentIn(WixFulfillmentFieldsIn):
    # Wix's SDK sends the path's fulfillment id here (`id`; `_id` from hand-written clients).
    id: uuid.UUID | None = None
    underscore_id: uuid.UUID | None = Field(default=None, alias="_id")
    # A fulfillment read and sent back whole (as the SDK's callers do) carries its creation
    # time: read-only, so accepted only unchanged, like its line items.
    createdDate: datetime | None = Field(default=None, description="Read-only: only unchanged")
    underscore_createdDate: datetime | None = Field(default=None, alias="_createdDate")
    trackingInfo: TrackingIn | None = Field(
        default=None, description="null removes the tracking number, provider and link"
    )
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


# Bulk create reports a bad item as that item's error, beside the others' results (DESIGN.md
# section 4), so its items' schema leaves out what is checked per item: a malformed orderId or
# trackingLink, a line without id, an empty or too long list of lines. Shape errors (a wrong
# type, an unknown key, a too long string) still refuse the whole request.


class BulkTrackingIn(TrackingIn):
    trackingLink: str | None = Field(
        None, max_length=MAX_LINK, description="An http(s) URL with a host (checked per item)"
    )


class BulkLineIn(IdLineIn):
    model_config = ConfigDict(json_schema_extra=state_no_nul)


class BulkFulfillmentIn(EcomFulfillmentIn):
    lineItems: list[BulkLineIn]  # type: ignore[assignment]  # checked per item
    trackingInfo: BulkTrackingIn | None = None


class BulkOrderIn(InputSchema):
    # A string so that one malformed id fails its own item, not the whole request.
    orderId: str = Field(..., description="The order's id (a UUID; another string fails its item)")
    fulfillments: list[BulkFulfillmentIn]


# What one bulk request may ask for in all: 100 orders with up to 3 fulfillments each, each
# fulfillment up to 300 lines. (Only the body's size bounded it: 2.5 MB named ~30,000
# fulfillments, minutes of writes, and an answer that lists each order's fulfillments once per
# entry naming it.)
MAX_BULK_FULFILLMENTS = 3 * MAX_BULK_ORDERS
MAX_BULK_LINES = MAX_BULK_ORDERS * MAX_FULFILLMENT_LINE_ITEMS


class BulkCreateIn(InputSchema):
    ordersWithFulfillments: list[BulkOrderIn] = Field(
        ...,
        min_length=1,
        max_length=MAX_BULK_ORDERS,
        description=f"At most {MAX_BULK_FULFILLMENTS} fulfillments and {MAX_BULK_LINES} "
        "line items in all",
    )
    notifyBuyer: StrictBool | None = notify_buyer_field()

    @field_validator("ordersWithFulfillments")
    @classmethod
    def _bounded(cls, entries: list[BulkOrderIn]) -> list[BulkOrderIn]:
        fulfillments = [f for entry in entries for f in entry.fulfillments]
        lines = sum(len(f.lineItems) for f in fulfillments)
        if len(fulfillments) > MAX_BULK_FULFILLMENTS or lines > MAX_BULK_LINES:
            raise ValueError(
                f"at most {MAX_BULK_FULFILLMENTS} fulfillments and {MAX_BULK_LINES} line items "
                f"in one request, got {len(fulfillments)} and {lines}; send the rest in another"
            )
        return entries


class ListByIdsIn(InputSchema):
    orderIds: list[uuid.UUID] = Field(..., max_length=MAX_BULK_ORDERS)


def id_lines(lines: Sequence[IdLineIn], where: str = "fulfillment.") -> list[LineRequest]:
    """The lines by id; an error names its line after `where` (a bulk item's fulfillment)."""
    return [
        (LineId(line.line_id(position, where)), line.quantity)
        for position, line in enumerate(lines)
    ]


# ---- Responses ----


class StoresCreateOut(Schema):
    id: uuid.UUID = Field(..., description="The new fulfillment's id")
    order: OrderOut


class EcomLineOut(Schema):
    id: uuid.UUID = Field(..., description="The line item's id")
    quantity: int


class EcomFulfillmentOut(Schema):
    """A fulfillment in Wix's REST wire format (Wix's JS SDK shows `_id`, `_createdDate`)."""

    id: uuid.UUID
    createdDate: datetime
    lineItems: list[EcomLineOut]
    trackingInfo: TrackingOut


class OrderWithFulfillmentsOut(Schema):
    orderId: uuid.UUID
    fulfillments: list[EcomFulfillmentOut] = Field(..., description="Newest first")


class EcomCreateOut(Schema):
    fulfillmentId: uuid.UUID
    orderWithFulfillments: OrderWithFulfillmentsOut


class EcomOrderOut(Schema):
    orderWithFulfillments: OrderWithFulfillmentsOut


class EcomOrdersOut(Schema):
    ordersWithFulfillments: list[OrderWithFulfillmentsOut] = Field(
        ..., description="In the order asked; unknown ids are left out"
    )


class BulkErrorOut(Schema):
    code: str = Field(..., description="INVALID_ARGUMENT, ORDER_NOT_FOUND or FULFILLMENT_CONFLICT")
    description: str
    data: dict[str, Any] = Field(..., description='{"field": ...} when one input is at fault')


class BulkItemMetadataOut(Schema):
    id: str = Field(..., description="The orderId as sent")
    originalIndex: int
    success: bool
    error: BulkErrorOut | None = None


class BulkResultOut(Schema):
    itemMetadata: BulkItemMetadataOut
    ordersWithFulfillments: OrderWithFulfillmentsOut | None = None


class BulkActionMetadataOut(Schema):
    totalSuccesses: int
    totalFailures: int
    undetailedFailures: int


class BulkCreateOut(Schema):
    results: list[BulkResultOut]
    bulkActionMetadata: BulkActionMetadataOut


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


@contextlib.contextmanager
def order_not_found_404(order_id) -> Iterator[None]:
    """A service's Order.DoesNotExist as the 404 order_visible_or_404 answers."""
    try:
        yield
    except Order.DoesNotExist:
        raise Http404(f"Order {order_id} not found.") from None


@stores_router.post(
    "orders/{id}/fulfillments",
    response=responses(StoresCreateOut, NOT_FOUND, CONFLICT, BODY_TOO_LARGE, KEY_REUSED),
    openapi_extra=idempotency.OPENAPI_EXTRA,
    summary="Create fulfillment",
    auth=needs(PERM_ADD),
)
@as_built
@error_fields("fulfillment.")
def stores_fulfillment_create(request: HttpRequest, id: uuid.UUID, payload: StoresCreateIn):
    """With an `Idempotency-Key` header a retry returns the first answer."""
    path_ids_match({"orderId": payload.orderId}, {"orderId": id})
    body = payload.fulfillment

    def create() -> dict[str, Any]:
        # The answer's relations are read with the order's lock (no read before or after).
        with order_not_found_404(id):
            fulfillment = fulfillment_create(
                order_id=id,
                lines=[(line.index, line.quantity) for line in body.lineItems],
                tracking=tracking_given(body.trackingInfo),
                actor=request.user,
                notify=payload.notifyBuyer,
                answer=("activities", "refunds", "fulfillments"),
            )
        return {"id": str(fulfillment.id), "order": order_json_written(fulfillment.order)}

    return idempotent(request, create)


def stores_update_field(field: str) -> str:
    """The services name tracking fields `trackingInfo.*`; this body calls it
    `fulfillmentTrackingInfo`."""
    if field == "lineItems":
        return field
    return "fulfillmentTrackingInfo." + field.removeprefix("trackingInfo.")


@stores_router.put(
    "orders/{id}/fulfillments/{fulfillmentId}",
    response=responses(OrderResponse, NOT_FOUND, CONFLICT, BODY_TOO_LARGE),
    summary="Update fulfillment",
    auth=needs(PERM_CHANGE),
)
@as_built
@error_fields(stores_update_field)
def stores_fulfillment_update(
    request: HttpRequest, id: uuid.UUID, fulfillmentId: uuid.UUID, payload: StoresUpdateIn
):
    path_ids_match(
        {"orderId": payload.orderId, "fulfillmentId": payload.fulfillmentId},
        {"orderId": id, "fulfillmentId": fulfillmentId},
    )
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


@stores_router.delete(
    "orders/{id}/fulfillments/{fulfillmentId}",
    response=responses(OrderResponse, NOT_FOUND, CONFLICT),
    summary="Delete fulfillment",
    auth=needs(PERM_DELETE),
)
@as_built
def stores_fulfillment_delete(request: HttpRequest, id: uuid.UUID, fulfillmentId: uuid.UUID):
    order = order_visible_or_404(id)
    fulfillment_delete(order=order, fulfillment_id=fulfillmentId, actor=request.user)
    return {"order": order_json(order.pk)}


# ---- eCommerce Order Fulfillments ----


@ecom_router.post(
    "orders/{orderId}/create-fulfillment",
    response=responses(EcomCreateOut, NOT_FOUND, CONFLICT, BODY_TOO_LARGE, KEY_REUSED),
    openapi_extra=idempotency.OPENAPI_EXTRA,
    summary="Create fulfillment",
    auth=needs(PERM_ADD),
)
@as_built
@error_fields("fulfillment.")
def ecom_fulfillment_create(request: HttpRequest, orderId: uuid.UUID, payload: EcomCreateIn):
    """With an `Idempotency-Key` header a retry returns the first answer."""
    path_ids_match({"orderId": payload.orderId}, {"orderId": orderId})
    body = payload.fulfillment

    def create() -> dict[str, Any]:
        # The answer's relations are read with the order's lock (no read before or after).
        with order_not_found_404(orderId):
            fulfillment = fulfillment_create(
                order_id=orderId,
                lines=id_lines(body.lineItems),
                tracking=tracking_given(body.trackingInfo),
                actor=request.user,
                notify=payload.notifyBuyer,
                answer=("fulfillments",),
            )
        written = fulfillment.order
        prefetch_related_objects([written], *FULFILLMENT_RELATIONS)
        return {
            "fulfillmentId": str(fulfillment.id),
            "orderWithFulfillments": order_with_fulfillments(written),
        }

    return idempotent(request, create)


ERROR_CODES = {400: "INVALID_ARGUMENT", 404: "ORDER_NOT_FOUND", 409: "FULFILLMENT_CONFLICT"}


@ecom_router.post(
    "orders/bulk/create-fulfillments",
    response=responses(BulkCreateOut, BODY_TOO_LARGE, KEY_REUSED),
    openapi_extra=idempotency.OPENAPI_EXTRA,
    summary="Bulk create fulfillments",
    auth=needs(PERM_ADD),
)
@as_built
def ecom_fulfillment_bulk_create(request: HttpRequest, payload: BulkCreateIn):
    """Each order in its own savepoint; with an `Idempotency-Key` header a retry returns the
    first answer and creates nothing."""
    return idempotent(request, lambda: bulk_create_results(request, payload))


def bulk_create_results(request: HttpRequest, payload: BulkCreateIn) -> dict[str, Any]:
    items: list[tuple[Any, list[dict[str, Any]]]] = []
    refused: dict[int, OrderError] = {}
    for position, entry in enumerate(payload.ordersWithFulfillments):
        specs: list[dict[str, Any]] = []
        try:
            order_id: uuid.UUID | None = uuid.UUID(entry.orderId)
            for number, f in enumerate(entry.fulfillments):
                where = f"fulfillments[{number}]."
                specs.append(
                    {
                        "lines": id_lines(f.lineItems, where),
                        "tracking": tracking_given(f.trackingInfo),
                    }
                )
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
    # Only what the answer shows: the order's id, its line items' ids, the fulfillments.
    answered = visible_orders().filter(pk__in=succeeded).only("pk")
    orders = {
        order.pk: order
        for order in answered.prefetch_related(
            Prefetch("line_items", LineItem.objects.only("pk", "order_id", "line_id")),
            "fulfillments__lines",
        )
    }
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


@ecom_router.api_operation(
    READ_METHODS,
    "orders/{orderId}",
    response=responses(EcomOrderOut, NOT_FOUND),
    summary="List fulfillments for a single order",
    auth=needs(PERM_VIEW),
)
@as_built
def ecom_fulfillments_for_order(request: HttpRequest, orderId: uuid.UUID):
    order = fulfillments_queryset().filter(pk=orderId).first()
    if order is None:
        raise Http404(f"Order {orderId} not found.")
    return {"orderWithFulfillments": order_with_fulfillments(order)}


@ecom_router.post(
    "list-by-ids",
    response=responses(EcomOrdersOut, BODY_TOO_LARGE),
    summary="List fulfillments for multiple orders",
    auth=needs(PERM_VIEW),
)
@as_built
def ecom_fulfillments_for_orders(request: HttpRequest, payload: ListByIdsIn):
    """Orders in the order asked; unknown ids are left out."""
    orders = {o.pk: o for o in fulfillments_queryset().filter(pk__in=payload.orderIds)}
    return {
        "ordersWithFulfillments": [
            order_with_fulfillments(orders[order_id])
            for order_id in dict.fromkeys(payload.orderIds)
            if order_id in orders
        ]
    }


def created_date_unchanged(
    order: Order, fulfillment_id: uuid.UUID, body: EcomUpdateFulfillmentIn
) -> None:
    """A createdDate (or _createdDate) sent with an update must be the fulfillment's own
    (a time without an offset is UTC's)."""
    sent_dates = {"createdDate": body.createdDate, "_createdDate": body.underscore_createdDate}
    for field, sent in sent_dates.items():
        if sent is None:
            continue
        created = (
            Fulfillment.objects.filter(pk=fulfillment_id, order_id=order.pk)
            .values_list("date_created", flat=True)
            .first()
        )
        sent = sent if sent.tzinfo else sent.replace(tzinfo=UTC)
        if created is not None and sent != created:
            raise ApiError(
                400,
                f"{field} is read-only: the fulfillment was created at {iso(created)}, "
                f"not {sent.isoformat()}.",
                {"field": f"fulfillment.{field}"},
            )


@ecom_router.patch(
    "{fulfillmentId}/orders/{orderId}",
    response=responses(EcomOrderOut, NOT_FOUND, CONFLICT, BODY_TOO_LARGE),
    summary="Update fulfillment",
    auth=needs(PERM_CHANGE),
)
@as_built
@error_fields("fulfillment.")
def ecom_fulfillment_update(
    request: HttpRequest, fulfillmentId: uuid.UUID, orderId: uuid.UUID, payload: EcomUpdateIn
):
    body = payload.fulfillment
    if body.id and body.underscore_id and body.id != body.underscore_id:
        raise ApiError(
            400, "fulfillment has an id and an _id that differ.", {"field": "fulfillment._id"}
        )
    path_ids_match(
        {"orderId": payload.orderId, "fulfillment.id": body.id or body.underscore_id},
        {"orderId": orderId, "fulfillment.id": fulfillmentId},
    )
    order = order_visible_or_404(orderId)
    created_date_unchanged(order, fulfillmentId, body)
    tracking = tracking_given(body.trackingInfo) or {}
    if "trackingInfo" in body.model_fields_set and body.trackingInfo is None:
        tracking = dict.fromkeys(TrackingIn.model_fields)  # "pass null" removes it all
    fulfillment_update(
        order=order,
        fulfillment_id=fulfillmentId,
        tracking=tracking,
        lines=id_lines(body.lineItems) if body.lineItems is not None else None,
        actor=request.user,
    )
    return {"orderWithFulfillments": order_with_fulfillments_json(order.pk)}


@ecom_router.delete(
    "{fulfillmentId}/orders/{orderId}",
    response=responses(EcomOrderOut, NOT_FOUND, CONFLICT),
    summary="Delete fulfillment",
    auth=needs(PERM_DELETE),
)
@as_built
def ecom_fulfillment_delete(request: HttpRequest, fulfillmentId: uuid.UUID, orderId: uuid.UUID):
    order = order_visible_or_404(orderId)
    fulfillment_delete(order=order, fulfillment_id=fulfillmentId, actor=request.user)
    return {"orderWithFulfillments": order_with_fulfillments_json(order.pk)}
