"""Writes to fulfillments (DESIGN.md section 4).

Every function runs in one transaction that locks the order row first, so two requests
fulfilling the same order are serialised and cannot over-fulfil a line item; a refused change
raises `OrderError` and writes nothing.

Creating a fulfillment runs a fixed number of queries whatever the order's size (asserted in
tests/fulfillments/test_write_queries.py): lock the order; read its line items with what is
already fulfilled; insert the fulfillment, its lines and its activities (one INSERT each);
update the order; write the webhook event. Everything else is computed from what was read.
Inside a caller's transaction (every write request has one) it adds no savepoint: the checks
run before anything is written and their error is raised after the block.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import (
    IntegerField,
    OuterRef,
    Prefetch,
    Subquery,
    Sum,
    Value,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from fulfillments.carriers import carrier_is_known, carrier_link, link_is_http
from fulfillments.models import (
    MAX_FULFILLMENT_LINE_ITEMS,
    MAX_FULFILLMENT_LINE_QUANTITY,
    Fulfillment,
    FulfillmentLineItem,
)
from fulfillments.notify import shipment_email_queue
from orders.models import ActivityType, FulfillmentStatus, LineItem, Order
from orders.serializers import iso, tracking_info
from orders.services import (
    OrderError,
    activities_record,
    activity_record,
    order_lock,
    order_touch,
)
from orders.webhooks.outbox import EventType, event_emit

TRACKING_KEYS = ("trackingNumber", "shippingProvider", "trackingLink")
MAX_TRACKING_NUMBER = 100
MAX_PROVIDER = 100
MAX_LINK = 2000
LINES_CHANGE_REFUSED = (
    "Line items and quantities cannot be changed: delete the fulfillment and create it again"
)

# A requested line: the line item (a LineItem, its index, or its public UUID `line_id`) and
# the quantity, None meaning "whatever remains to be fulfilled".
LineRequest = tuple[LineItem | int | uuid.UUID | str, int | None]


@dataclass
class BulkItemResult:
    """The outcome of one order of a bulk create."""

    order_id: Any
    original_index: int
    success: bool
    error: OrderError | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)


# ---- Reads used by the rules (and by the order page) ----


def line_items_with_fulfilled(*, order: Order) -> tuple[list[LineItem], dict[int, int]]:
    """The order's line items (also kept as `order.line_items.all()`) and (LineItem pk ->
    quantity fulfilled), in one query. Run it after locking the order, as its own statement:
    it must see every fulfillment committed before the lock was granted."""
    fulfilled_sum = (
        FulfillmentLineItem.objects.filter(line_item=OuterRef("pk"))
        .values("line_item")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    annotated = LineItem.objects.annotate(
        fulfilled_total=Coalesce(Subquery(fulfilled_sum), Value(0), output_field=IntegerField())
    )
    prefetch_related_objects([order], Prefetch("line_items", queryset=annotated))
    items = list(order.line_items.all())
    totals = {item.pk: item.fulfilled_total for item in items}  # type: ignore[attr-defined]
    return items, {pk: total for pk, total in totals.items() if total}


def fulfillment_status_compute(
    *, order: Order, line_items: Iterable[LineItem], fulfilled: Mapping[int, int]
) -> str:
    """NOT_FULFILLED / PARTIALLY_FULFILLED / FULFILLED from what is fulfilled. Only physical
    items need shipping: an order with nothing to ship is FULFILLED. CANCELED stays."""
    if order.is_canceled:
        return FulfillmentStatus.CANCELED
    shippable = [item for item in line_items if item.is_shippable and item.fulfillable_quantity > 0]
    if all(fulfilled.get(item.pk, 0) >= item.fulfillable_quantity for item in shippable):
        return FulfillmentStatus.FULFILLED
    if any(quantity > 0 for quantity in fulfilled.values()):
        return FulfillmentStatus.PARTIALLY_FULFILLED
    return FulfillmentStatus.NOT_FULFILLED


# ---- Tracking info ----


def _text(value: Any, *, field: str, limit: int) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OrderError(f"{field} must be a string.", field=field)
    value = value.strip()
    if len(value) > limit:
        raise OrderError(f"{field} must be at most {limit} characters.", field=field)
    return value


def tracking_resolve(
    *, number: str, provider: str, link: str, keep_link: bool = False
) -> dict[str, str]:
    """The stored tracking fields. The trackingLink rule (README, "trackingLink"): a known
    carrier's link is always its own tracking page for the number (a link given for it is
    ignored), unless `keep_link` says the stored link stays as it is (an update that sent
    trackingLink null, which removes it, or that changed neither number nor carrier); another
    carrier keeps the link given. A link given must be an http(s) URL in any case."""
    if link and not link_is_http(link):
        raise OrderError(
            "trackingLink must be an http:// or https:// URL.", field="trackingInfo.trackingLink"
        )
    if carrier_is_known(provider) and not keep_link:
        link = carrier_link(provider, number) or ""
    return {"tracking_number": number, "shipping_provider": provider, "tracking_link": link}


def _tracking_clean(tracking: Mapping[str, Any] | None) -> dict[str, Any]:
    """Validate the given keys of a trackingInfo; None values stay None (meaning "remove")."""
    if tracking is None:
        return {}
    if not isinstance(tracking, Mapping):
        raise OrderError("trackingInfo must be an object.", field="trackingInfo")
    unknown = set(tracking) - set(TRACKING_KEYS)
    if unknown:
        raise OrderError(
            f"Unknown trackingInfo field: {', '.join(sorted(unknown))}; "
            f"allowed: {', '.join(TRACKING_KEYS)}.",
            field=f"trackingInfo.{sorted(unknown)[0]}",
        )
    limits = {
        "trackingNumber": MAX_TRACKING_NUMBER,
        "shippingProvider": MAX_PROVIDER,
        "trackingLink": MAX_LINK,
    }
    return {
        key: None if value is None else _text(value, field=f"trackingInfo.{key}", limit=limits[key])
        for key, value in tracking.items()
    }


# ---- Line items ----


def _line_lookup(items: list[LineItem], key, position: int) -> LineItem:
    if isinstance(key, LineItem):
        found = next((item for item in items if item.pk == key.pk), None)
        name, shown = f"lineItems[{position}].id", str(key.line_id)
    elif isinstance(key, int) and not isinstance(key, bool):
        found = next((item for item in items if item.index == key), None)
        name, shown = f"lineItems[{position}].index", str(key)
    else:
        name, shown = f"lineItems[{position}].id", str(key)
        try:
            line_id = key if isinstance(key, uuid.UUID) else uuid.UUID(str(key))
        except (TypeError, ValueError, AttributeError):
            raise OrderError(f"{name} is not a valid line item id: {key!r}.", field=name) from None
        found = next((item for item in items if item.line_id == line_id), None)
    if found is None:
        raise OrderError(f"{name}: the order has no line item {shown}.", field=name)
    return found


def _lines_resolve(
    *, lines: Sequence[LineRequest], items: list[LineItem], fulfilled: Mapping[int, int]
) -> list[tuple[LineItem, int]]:
    """Check the requested lines against what is left to fulfil; return (line item,
    quantity) pairs. Raises OrderError (409 when the cause is what is already fulfilled)."""
    if not lines:
        raise OrderError("A fulfillment needs at least one line item.", field="lineItems")
    if len(lines) > MAX_FULFILLMENT_LINE_ITEMS:
        raise OrderError(
            f"A fulfillment takes at most {MAX_FULFILLMENT_LINE_ITEMS} line items.",
            field="lineItems",
        )
    resolved: list[tuple[LineItem, int]] = []
    seen: set[int] = set()
    for position, (key, quantity) in enumerate(lines):
        item = _line_lookup(items, key, position)
        qty_field = f"lineItems[{position}].quantity"
        if item.pk in seen:
            raise OrderError(
                f"Line item {item.index} appears more than once.", field=f"lineItems[{position}]"
            )
        seen.add(item.pk)
        already = fulfilled.get(item.pk, 0)
        remaining = item.fulfillable_quantity - already
        label = f"Line item {item.index} ({item.name})"
        if quantity is None:
            if remaining <= 0:
                raise OrderError(
                    f"{label} is already fully fulfilled.", field=qty_field, status=409
                )
            quantity = remaining
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise OrderError(f"{qty_field} must be a whole number.", field=qty_field)
        if not 1 <= quantity <= MAX_FULFILLMENT_LINE_QUANTITY:
            raise OrderError(
                f"{qty_field} must be between 1 and {MAX_FULFILLMENT_LINE_QUANTITY}.",
                field=qty_field,
            )
        if quantity > item.fulfillable_quantity:
            raise OrderError(
                f"{label}: {quantity} is more than the {item.fulfillable_quantity} ordered"
                + (" (after refunds)." if item.refunded_quantity else "."),
                field=qty_field,
            )
        if quantity > remaining:
            raise OrderError(
                f"{label}: only {remaining} left to fulfil ({already} already fulfilled).",
                field=qty_field,
                status=409,
            )
        resolved.append((item, quantity))
    return resolved


def _refuse_canceled(order: Order) -> None:
    if order.is_canceled:
        raise OrderError("The order is canceled: its fulfillments cannot change.", status=409)


def _status_update(
    *,
    order: Order,
    items: list[LineItem],
    fulfilled: Mapping[int, int],
    actor,
    entries: list[tuple[str, dict[str, Any]]] | None = None,
) -> None:
    """Recompute fulfillmentStatus from `fulfilled` (what is fulfilled now), save it with
    last_updated, and record the change's activities (`entries`, plus ORDER_FULFILLED when
    the order just became fulfilled) in one INSERT."""
    previous = order.fulfillment_status
    order.fulfillment_status = fulfillment_status_compute(
        order=order, line_items=items, fulfilled=fulfilled
    )
    entries = list(entries or [])
    if order.fulfillment_status == FulfillmentStatus.FULFILLED != previous:
        entries.append((ActivityType.ORDER_FULFILLED, {}))
    if entries:
        activities_record(order=order, entries=entries, actor=actor)
    order_touch(order=order, fields=["fulfillment_status"])


@dataclass
class _Plan:
    """A checked fulfillment, not written yet."""

    resolved: list[tuple[LineItem, int]]
    tracking: dict[str, str]


def _create_check(
    *,
    order: Order,
    items: list[LineItem],
    fulfilled: Mapping[int, int],
    lines: Sequence[LineRequest],
    tracking: Mapping[str, Any] | None,
) -> _Plan:
    """Every rule of a new fulfillment, without writing; raises OrderError."""
    _refuse_canceled(order)
    info = _tracking_clean(tracking)
    resolved = _lines_resolve(lines=lines, items=items, fulfilled=fulfilled)
    fields = tracking_resolve(
        number=info.get("trackingNumber") or "",
        provider=info.get("shippingProvider") or "",
        link=info.get("trackingLink") or "",
    )
    return _Plan(resolved=resolved, tracking=fields)


def _create_write(
    *,
    order: Order,
    items: list[LineItem],
    fulfilled: dict[int, int],
    plan: _Plan,
    actor,
    notify: bool | None = None,
) -> Fulfillment:
    """Write a checked fulfillment; `fulfilled` is updated to include it."""
    fulfillment = Fulfillment.objects.create(order=order, created_by=actor, **plan.tracking)
    FulfillmentLineItem.objects.bulk_create(
        FulfillmentLineItem(fulfillment=fulfillment, line_item=item, quantity=quantity)
        for item, quantity in plan.resolved
    )
    for item, quantity in plan.resolved:
        fulfilled[item.pk] = fulfilled.get(item.pk, 0) + quantity
    details = {
        "fulfillmentId": str(fulfillment.id),
        "lineItems": [{"index": item.index, "quantity": q} for item, q in plan.resolved],
    }
    entries: list[tuple[str, dict[str, Any]]] = [(ActivityType.FULFILLMENT_CREATED, details)]
    if fulfillment.tracking_number:
        entries.append(
            (
                ActivityType.TRACKING_NUMBER_ADDED,
                {
                    **details,
                    "trackingNumber": fulfillment.tracking_number,
                    "shippingProvider": fulfillment.shipping_provider,
                },
            )
        )
    if fulfillment.tracking_link:
        entries.append(
            (
                ActivityType.TRACKING_LINK_WAS_SET,
                {"fulfillmentId": str(fulfillment.id), "trackingLink": fulfillment.tracking_link},
            )
        )
    _status_update(order=order, items=items, fulfilled=fulfilled, actor=actor, entries=entries)
    event_emit(
        order=order,
        event_type=EventType.FULFILLMENT_CREATED,
        data={
            "fulfillmentId": str(fulfillment.id),
            "trackingInfo": tracking_info(fulfillment),
            "dateCreated": iso(fulfillment.date_created),
        },
        actor=actor,
    )
    shipment_email_queue(fulfillment=fulfillment, notify=notify)
    return fulfillment


# ---- The operations ----


def fulfillment_create(
    *,
    order: Order,
    lines: Sequence[LineRequest],
    tracking: Mapping[str, Any] | None = None,
    actor,
    notify: bool | None = None,
) -> Fulfillment:
    """Fulfil `lines` of `order` with one tracking number.

    `tracking` is a trackingInfo object (trackingNumber, shippingProvider, trackingLink).
    `notify`: email the buyer the tracking details after commit (None: the store's default;
    only when there is a tracking number; see fulfillments/notify.py).
    Raises Order.DoesNotExist for an unknown order and OrderError for a refused change.
    """
    refused: Exception | None = None
    # No savepoint: nothing is written until every check passed, and a refusal leaves the
    # block normally (raised below), so a caller's transaction stays usable.
    with transaction.atomic(savepoint=False):
        try:
            locked = order_lock(order_id=order.pk)
            items, fulfilled = line_items_with_fulfilled(order=locked)
            plan = _create_check(
                order=locked, items=items, fulfilled=fulfilled, lines=lines, tracking=tracking
            )
        except (Order.DoesNotExist, OrderError) as error:
            refused = error
        else:
            fulfillment = _create_write(
                order=locked,
                items=items,
                fulfilled=fulfilled,
                plan=plan,
                actor=actor,
                notify=notify,
            )
    if refused is not None:
        raise refused
    return fulfillment


def fulfillment_bulk_create(
    *, items: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]], actor, notify: bool | None = None
) -> list[BulkItemResult]:
    """Create fulfillments for several orders: `items` is a list of (order id, [{"lines":
    [...], "tracking": {...}}, ...]). Each order runs in its own transaction (a savepoint
    inside a caller's): a refused order changes nothing and does not stop the others."""
    results = []
    for position, (order_id, specs) in enumerate(items):
        result = BulkItemResult(order_id=order_id, original_index=position, success=False)
        try:
            with transaction.atomic():
                locked = order_lock(order_id=order_id)
                if not specs:
                    raise OrderError("No fulfillments given for the order.", field="fulfillments")
                line_items, fulfilled = line_items_with_fulfilled(order=locked)
                for spec in specs:
                    plan = _create_check(
                        order=locked,
                        items=line_items,
                        fulfilled=fulfilled,
                        lines=spec.get("lines") or [],
                        tracking=spec.get("tracking"),
                    )
                    result.fulfillments.append(
                        _create_write(
                            order=locked,
                            items=line_items,
                            fulfilled=fulfilled,
                            plan=plan,
                            actor=actor,
                            notify=notify,
                        )
                    )
            result.success = True
        except Order.DoesNotExist:
            result.fulfillments = []
            result.error = OrderError(f"Order {order_id} not found.", field="orderId", status=404)
        except OrderError as error:
            result.fulfillments = []
            result.error = error
        results.append(result)
    return results


def fulfillment_update(
    *,
    order: Order,
    fulfillment_id,
    tracking: Mapping[str, Any] | None,
    lines: Sequence[LineRequest] | None = None,
    actor,
) -> Fulfillment:
    """Change a fulfillment's tracking info: keys present in `tracking` are set, a key set to
    None is removed, absent keys are kept; see tracking_resolve for the trackingLink rule.
    `lines`, when given, must equal the fulfillment's lines (they cannot change). A change
    that changes nothing writes nothing: no activity, no lastUpdated, no FulfillmentUpdated
    event.

    Raises Fulfillment.DoesNotExist when the order has no such fulfillment."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        fulfillment = Fulfillment.objects.get(pk=fulfillment_id, order=locked)
        _refuse_canceled(locked)
        if lines is not None:
            current = {line.line_item_id: line.quantity for line in fulfillment.lines.all()}
            items = list(locked.line_items.all())
            asked = {}
            for position, (key, quantity) in enumerate(lines):
                asked[_line_lookup(items, key, position).pk] = quantity
            if asked != current:
                raise OrderError(LINES_CHANGE_REFUSED, field="lineItems")
        info = _tracking_clean(tracking)
        before = {
            "trackingNumber": fulfillment.tracking_number,
            "shippingProvider": fulfillment.shipping_provider,
            "trackingLink": fulfillment.tracking_link,
        }
        after = {**before, **{key: value or "" for key, value in info.items()}}
        # A known carrier's link follows a new number or carrier; trackingLink null removes
        # it, and with nothing new the stored link stays (so a removed link stays removed).
        moved = any(after[key] != before[key] for key in ("trackingNumber", "shippingProvider"))
        removed = "trackingLink" in info and not info["trackingLink"]
        fields = tracking_resolve(
            number=after["trackingNumber"],
            provider=after["shippingProvider"],
            link=after["trackingLink"],
            keep_link=removed or not (moved or "trackingLink" in info),
        )
        if all(getattr(fulfillment, name) == value for name, value in fields.items()):
            return fulfillment  # nothing changes: nothing is written, no event
        for name, value in fields.items():
            setattr(fulfillment, name, value)
        fulfillment.save(update_fields=list(fields))
        activity_record(
            order=locked,
            type=ActivityType.TRACKING_NUMBER_EDITED,
            actor=actor,
            details={
                "fulfillmentId": str(fulfillment.id),
                "before": before,
                "trackingNumber": fulfillment.tracking_number,
                "shippingProvider": fulfillment.shipping_provider,
                "trackingLink": fulfillment.tracking_link,
            },
        )
        if fulfillment.tracking_link and fulfillment.tracking_link != before["trackingLink"]:
            activity_record(
                order=locked,
                type=ActivityType.TRACKING_LINK_WAS_SET,
                actor=actor,
                details={
                    "fulfillmentId": str(fulfillment.id),
                    "trackingLink": fulfillment.tracking_link,
                },
            )
        order_touch(order=locked)
        event_emit(
            order=locked,
            event_type=EventType.FULFILLMENT_UPDATED,
            data={"fulfillmentId": str(fulfillment.id)},
            actor=actor,
        )
    return fulfillment


def fulfillment_delete(*, order: Order, fulfillment_id, actor) -> Order:
    """Delete a fulfillment; its quantities become unfulfilled again. Returns the order.

    Raises Fulfillment.DoesNotExist when the order has no such fulfillment."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        fulfillment = Fulfillment.objects.get(pk=fulfillment_id, order=locked)
        _refuse_canceled(locked)
        details = {
            "fulfillmentId": str(fulfillment.id),
            "trackingNumber": fulfillment.tracking_number,
            "lineItems": [
                {"index": line.line_item.index, "quantity": line.quantity}
                for line in fulfillment.lines.select_related("line_item")
            ],
        }
        fulfillment.delete()
        items, fulfilled = line_items_with_fulfilled(order=locked)
        _status_update(
            order=locked,
            items=items,
            fulfilled=fulfilled,
            actor=actor,
            entries=[(ActivityType.FULFILLMENT_DELETED, details)],
        )
        event_emit(
            order=locked,
            event_type=EventType.FULFILLMENT_DELETED,
            data={"fulfillmentId": details["fulfillmentId"]},
            actor=actor,
        )
    return locked
