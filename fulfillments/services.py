"""Writes to fulfillments (DESIGN.md section 4).

Every function runs in one transaction that locks the order row first, so two requests
fulfilling the same order are serialised and cannot over-fulfil a line item; a refused change
raises `OrderError` and writes nothing.

Creating a fulfillment runs a fixed number of queries whatever the order's size (asserted in
tests/fulfillments/test_write_queries.py): lock the order, reading in the same statement its
line items with what is already fulfilled, the endpoints subscribed to FulfillmentCreated, the
store's notify-buyer default and whatever the caller's answer shows (orders/lock_reads.py);
insert the fulfillment, its lines and its activities (one INSERT each); update the order;
write the webhook event with its deliveries. Everything else is computed from what was read.
Inside a caller's transaction (every write request has one) it adds no savepoint: the checks
run before anything is written and their error is raised after the block.

New fulfillments are built in memory (`_Batch`) and written with one statement per table, so
a bulk create of many orders costs what one order costs (fulfillment_bulk_create).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.db.models import (
    Exists,
    OuterRef,
    Prefetch,
    prefetch_related_objects,
)
from django.utils import timezone
from psycopg import errors as pg_errors

from fulfillments.carriers import carrier_is_known, carrier_link, link_is_http
from fulfillments.models import (
    MAX_FULFILLMENT_LINE_ITEMS,
    MAX_FULFILLMENT_LINE_QUANTITY,
    Fulfillment,
    FulfillmentLineItem,
    PackerPreference,
)
from fulfillments.notify import (
    PICKUP_EMAIL_QUEUED,
    notify_default_from,
    notify_default_subquery,
    pickup_email_queue,
    shipment_emails_queue,
)
from fulfillments.packing import items_with_sku, parcels_with_label
from fulfillments.selectors import line_items_fulfilled
from orders.lock_reads import Related, related_keep
from orders.models import (
    Activity,
    ActivityType,
    FulfillmentStatus,
    LineItem,
    Order,
    PaymentStatus,
)
from orders.serializers import iso, tracking_info
from orders.services import (
    ORDER_ACTIVITIES,
    ORDER_REFUNDS,
    OrderError,
    activities_join,
    activities_record,
    activity_record,
    order_fulfillments_related,
    order_lock,
    order_touch,
)
from orders.timestamps import change_time, ms_now
from orders.webhooks.models import WebhookEndpoint, WebhookEvent
from orders.webhooks.outbox import EventType, event_build, event_emit, event_endpoints, events_write

logger = logging.getLogger(__name__)

TRACKING_KEYS = ("trackingNumber", "shippingProvider", "trackingLink")
MAX_TRACKING_NUMBER = 100
MAX_PROVIDER = 100
MAX_LINK = 2000
LINES_CHANGE_REFUSED = (
    "Line items and quantities cannot be changed: delete the fulfillment and create it again"
)

# Orders in one bulk create: the API's bulk endpoint and the list page's "Fulfil selected".
MAX_BULK_ORDERS = 100
# How long a bulk create waits, in all, for orders another change holds (each is then its
# own error), well within the request's statement timeout.
BULK_LOCK_WAIT = timedelta(seconds=3)


@dataclass(frozen=True)
class LineId:
    """A line item named by its public UUID, as the eCommerce API names it (`lineItems[].id`)."""

    value: uuid.UUID


# A requested line: which line item (its 1-based index on the order, as the Stores v2 API and
# the pages name it; a LineId, as the eCommerce API does; or the LineItem itself, when a
# service chose it) and the quantity, None meaning "whatever remains to be fulfilled".
LineRequest = tuple[int | LineId | LineItem, int | None]


@dataclass
class BulkItemResult:
    """The outcome of one order of a bulk create."""

    order_id: Any
    original_index: int
    success: bool
    error: OrderError | None = None
    fulfillments: list[Fulfillment] = field(default_factory=list)


# ---- Reads used by the rules (and by the order page) ----


# What the fulfillment writes read with the order's lock (orders/lock_reads.py): the line
# items with what is fulfilled (their rules), and for an answer built from memory the
# relations of answer_relation().
LINE_ITEMS_FULFILLED = Related(
    "line_items", line_items_fulfilled().order_by("index"), extra=("fulfilled_total",)
)


def answer_relation(name: str) -> Related:
    """A relation an answer may ask fulfillment_create to read with its lock."""
    if name == "fulfillments":
        return order_fulfillments_related()
    return {"activities": ORDER_ACTIVITIES, "refunds": ORDER_REFUNDS}[name]


def line_items_with_fulfilled(*, order: Order) -> tuple[list[LineItem], dict[int, int]]:
    """The order's line items (also kept as `order.line_items.all()`) and (LineItem pk ->
    quantity fulfilled), in one query. Run it after locking the order, as its own statement:
    it must see every fulfillment committed before the lock was granted."""
    prefetch_related_objects([order], Prefetch("line_items", queryset=line_items_fulfilled()))
    return _fulfilled_of(order)


def _fulfilled_of(order: Order) -> tuple[list[LineItem], dict[int, int]]:
    """The line items kept on `order` and (LineItem pk -> quantity fulfilled)."""
    items = list(order.line_items.all())
    return items, _fulfilled_totals(items)


def _fulfilled_totals(items: Iterable[LineItem]) -> dict[int, int]:
    """(LineItem pk -> quantity fulfilled) of line items read with `fulfilled_total`."""
    totals = {item.pk: item.fulfilled_total for item in items}  # type: ignore[attr-defined]
    return {pk: total for pk, total in totals.items() if total}


class LabelSuspect(Exception):
    """The tracking number a create was asked to check (`label_check`) is on another order's
    parcel or is a product's SKU (fulfillments.packing.label_doubt says which): nothing was
    written, and the caller asks the person before shipping under it."""


def _label_suspect_annotations(code: str) -> dict[str, Any]:
    """Whether `code` is already on another visible order's parcel, or is a line item's SKU,
    as annotations of the order's lock statement: the order page checks a label at no
    statement of its own (packing.label_doubt, which names the order or product, runs only
    when one is true). The lookups are packing's (parcels_with_label, items_with_sku)."""
    suspect: dict[str, Any] = {}
    if (parcels := parcels_with_label(code)) is not None:
        suspect["label_elsewhere"] = Exists(parcels.exclude(order=OuterRef("pk")))
    if (items := items_with_sku(code)) is not None:
        suspect["label_is_sku"] = Exists(items)
    return suspect


def _lock_for_create(
    *,
    order_id: Any = None,
    number: int | None = None,
    answer: Sequence[str] = (),
    label_check: str = "",
) -> tuple[Order, list[LineItem], dict[int, int]]:
    """Lock the order for new fulfillments and read, in the same statement, its line items
    with what is fulfilled, the endpoints subscribed to FulfillmentCreated, the store's
    notify-buyer default and the relations named in `answer` (answer_relation). With a
    `label_check`, raises LabelSuspect when that tracking number is doubtful."""
    suspect = _label_suspect_annotations(label_check) if label_check else {}
    locked = order_lock(
        order_id=order_id,
        number=number,
        related=[LINE_ITEMS_FULFILLED, *(answer_relation(name) for name in answer)],
        annotations={
            "created_endpoints": event_endpoints(EventType.FULFILLMENT_CREATED),
            "notify_default": notify_default_subquery(),
            **suspect,
        },
    )
    if any(getattr(locked, name) for name in suspect):
        raise LabelSuspect
    items, fulfilled = _fulfilled_of(locked)
    return locked, items, fulfilled


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
    if "\x00" in value:
        # PostgreSQL text cannot hold NUL: refused here rather than failing the INSERT.
        raise OrderError(f"{field} must not contain NUL characters.", field=field)
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


def _line_lookup(items: list[LineItem], key: int | LineId | LineItem, position: int) -> LineItem:
    if isinstance(key, LineItem):
        found = next((item for item in items if item.pk == key.pk), None)
        name, shown = f"lineItems[{position}].id", str(key.line_id)
    elif isinstance(key, LineId):
        found = next((item for item in items if item.line_id == key.value), None)
        name, shown = f"lineItems[{position}].id", str(key.value)
    else:
        found = next((item for item in items if item.index == key), None)
        name, shown = f"lineItems[{position}].index", str(key)
    if found is None:
        raise OrderError(f"{name}: the order has no line item {shown}.", field=name)
    return found


def _lines_count_check(lines: Sequence[LineRequest]) -> None:
    if not lines:
        raise OrderError("A fulfillment needs at least one line item.", field="lineItems")
    if len(lines) > MAX_FULFILLMENT_LINE_ITEMS:
        raise OrderError(
            f"A fulfillment takes at most {MAX_FULFILLMENT_LINE_ITEMS} line items.",
            field="lineItems",
        )


def _quantity_check(quantity: Any, *, field: str) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise OrderError(f"{field} must be a whole number.", field=field)
    if not 1 <= quantity <= MAX_FULFILLMENT_LINE_QUANTITY:
        raise OrderError(
            f"{field} must be between 1 and {MAX_FULFILLMENT_LINE_QUANTITY}.", field=field
        )


def _lines_resolve(
    *, lines: Sequence[LineRequest], items: list[LineItem], fulfilled: Mapping[int, int]
) -> list[tuple[LineItem, int]]:
    """Check the requested lines against what is left to fulfil; return (line item,
    quantity) pairs. Raises OrderError (409 when the cause is what is already fulfilled)."""
    _lines_count_check(lines)
    resolved: list[tuple[LineItem, int]] = []
    seen: set[int] = set()
    for position, (key, quantity) in enumerate(lines):
        try:
            item = _line_lookup(items, key, position)
            qty_field = f"lineItems[{position}].quantity"
            if item.pk in seen:
                raise OrderError(
                    f"Line item {item.index} appears more than once.",
                    field=f"lineItems[{position}]",
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
            _quantity_check(quantity, field=qty_field)
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
        except OrderError as error:
            error.line = position  # the position of the requested line at fault
            raise
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
    shippable_only: bool = False,
) -> _Plan:
    """Every rule of a new fulfillment, without writing; raises OrderError. With
    `shippable_only` (the order page's line form), a digital or custom-amount line is
    refused: it needs no shipping."""
    _refuse_canceled(order)
    if shippable_only:
        for position, (key, _) in enumerate(lines):
            item = _line_lookup(items, key, position)
            if not item.is_shippable:
                raise OrderError(
                    f"Line {item.index} needs no shipping (digital or a custom amount)."
                )
    info = _tracking_clean(tracking)
    resolved = _lines_resolve(lines=lines, items=items, fulfilled=fulfilled)
    fields = tracking_resolve(
        number=info.get("trackingNumber") or "",
        provider=info.get("shippingProvider") or "",
        link=info.get("trackingLink") or "",
    )
    return _Plan(resolved=resolved, tracking=fields)


@dataclass
class _Batch:
    """New fulfillments of one or more locked orders, built in memory (rows of every table
    they touch), then written with one statement per table (_batch_write)."""

    fulfillments: list[Fulfillment] = field(default_factory=list)
    lines: list[FulfillmentLineItem] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list)
    orders: dict[Any, Order] = field(default_factory=dict)
    events: list[WebhookEvent] = field(default_factory=list)
    emails: list[tuple[Fulfillment, bool | None]] = field(default_factory=list)

    def extend(self, other: _Batch) -> None:
        self.fulfillments += other.fulfillments
        self.lines += other.lines
        self.activities += other.activities
        self.orders.update(other.orders)
        self.events += other.events
        self.emails += other.emails


def _create_build(
    *,
    order: Order,
    items: list[LineItem],
    fulfilled: dict[int, int],
    plan: _Plan,
    actor,
    notify: bool | None,
    batch: _Batch,
) -> Fulfillment:
    """Add a checked fulfillment's rows to `batch` (nothing is written); `fulfilled` and
    `order` (status, lastUpdated) are updated to include it."""
    fulfillment = Fulfillment(order=order, created_by=actor, **plan.tracking)
    lines = [
        FulfillmentLineItem(fulfillment=fulfillment, line_item=item, quantity=quantity)
        for item, quantity in sorted(plan.resolved, key=lambda pair: pair[0].index)
    ]
    if "fulfillments" in getattr(order, "_prefetched_objects_cache", {}):
        related_keep(fulfillment, "lines", lines)  # the answer shows them (answer_relation)
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
    previous = order.fulfillment_status
    order.fulfillment_status = fulfillment_status_compute(
        order=order, line_items=items, fulfilled=fulfilled
    )
    if order.fulfillment_status == FulfillmentStatus.FULFILLED != previous:
        entries.append((ActivityType.ORDER_FULFILLED, {}))
    when = change_time(order)
    order.last_updated = when
    batch.fulfillments.append(fulfillment)
    batch.lines += lines
    batch.activities += [
        Activity(order=order, type=type, actor=actor, details=details, timestamp=when)
        for type, details in entries
    ]
    batch.orders[order.pk] = order
    batch.events.append(
        event_build(
            order=order,
            event_type=EventType.FULFILLMENT_CREATED,
            data={
                "fulfillmentId": str(fulfillment.id),
                "trackingInfo": tracking_info(fulfillment),
                "dateCreated": iso(fulfillment.date_created),
            },
            actor=actor,
        )
    )
    batch.emails.append((fulfillment, notify))
    return fulfillment


def _batch_write(batch: _Batch, *, endpoints: list[int] | None = None) -> None:
    """Write a batch: one INSERT each for the fulfillments, their lines and the activities,
    one UPDATE of the orders (status and lastUpdated), the events with their deliveries
    (`endpoints`: the ids subscribed to FulfillmentCreated, read when not given); the
    shipment emails asked for are marked due in the fulfillments' INSERT and queued for
    after commit. Orders locked with ORDER_FULFILLMENTS or
    ORDER_ACTIVITIES keep them current."""
    if not batch.fulfillments:
        return
    orders = list(batch.orders.values())
    default = None  # read by shipment_emails_queue when the lock did not read it
    if hasattr(orders[0], "notify_default"):
        default = notify_default_from(orders[0].notify_default)
    # Before the INSERT: it writes which fulfillments' emails are due (their sweep's mark).
    shipment_emails_queue(batch.emails, default=default)
    Fulfillment.objects.bulk_create(batch.fulfillments)
    FulfillmentLineItem.objects.bulk_create(batch.lines)
    Activity.objects.bulk_create(batch.activities)
    if len(orders) == 1:
        orders[0].save(update_fields=["fulfillment_status", "last_updated"])
    else:
        # One UPDATE per (status, change time): a bulk stamps its orders with one time, so
        # that is one or two statements (cheaper than one UPDATE of a CASE per row).
        groups: dict[tuple[str, Any], list[Any]] = {}
        for order in orders:
            key = (order.fulfillment_status, order.last_updated)
            groups.setdefault(key, []).append(order.pk)
        # In a fixed order (by status): two bulks' UPDATEs take the home figures' per-day
        # rows (their triggers) in the same order.
        for (status, when), ids in sorted(groups.items(), key=lambda group: group[0]):
            Order.objects.filter(pk__in=ids).update(fulfillment_status=status, last_updated=when)
    if endpoints is None:
        endpoints = list(
            WebhookEndpoint.objects.filter(
                active=True, events__contains=[EventType.FULFILLMENT_CREATED.value]
            ).values_list("pk", flat=True)
        )
    events_write(batch.events, endpoints=endpoints)
    for order in orders:
        cached = getattr(order, "_prefetched_objects_cache", {})
        if "fulfillments" in cached:  # read with the lock for an answer: the new ones join
            made = [f for f in batch.fulfillments if f.order_id == order.pk]
            known = [*order.fulfillments.all(), *made]
            related_keep(order, "fulfillments", sorted(known, key=lambda f: (f.date_created, f.id)))
        if "activities" in cached:
            activities_join(order, [a for a in batch.activities if a.order_id == order.pk])


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
    batch = _Batch()
    fulfillment = _create_build(
        order=order,
        items=items,
        fulfilled=fulfilled,
        plan=plan,
        actor=actor,
        notify=notify,
        batch=batch,
    )
    _batch_write(batch, endpoints=getattr(order, "created_endpoints", None))
    return fulfillment


# ---- The operations ----


def fulfillment_create(
    *,
    order: Order | None = None,
    order_id: Any = None,
    number: int | None = None,
    lines: Sequence[LineRequest],
    tracking: Mapping[str, Any] | None = None,
    actor,
    notify: bool | None = None,
    answer: Sequence[str] = (),
    shippable_only: bool = False,
    label_check: str = "",
) -> Fulfillment:
    """Fulfil `lines` of the order (`order`, or its id `order_id`, or its `number`) with one
    tracking number.

    `tracking` is a trackingInfo object (trackingNumber, shippingProvider, trackingLink).
    `notify`: email the buyer the tracking details after commit (None: the store's default;
    only when there is a tracking number; see fulfillments/notify.py). `answer` names the
    relations the caller's answer needs ("activities", "refunds", "fulfillments"): they are
    read with the lock and kept current on `fulfillment.order`, so building the answer
    reads nothing more. `shippable_only`: see _create_check. `label_check`: a tracking number
    to check under the lock (LabelSuspect when it is on another order's parcel or a SKU).
    Raises Order.DoesNotExist for an unknown order and OrderError for a refused change.
    """
    if order is not None:
        order_id = order.pk
    return _create_locked(
        order_id=order_id,
        number=number,
        answer=answer,
        label_check=label_check,
        check=lambda locked, items, fulfilled: _create_check(
            order=locked,
            items=items,
            fulfilled=fulfilled,
            lines=lines,
            tracking=tracking,
            shippable_only=shippable_only,
        ),
        actor=actor,
        notify=notify,
    )


def _create_locked(
    *,
    order_id: Any,
    number: int | None,
    answer: Sequence[str] = (),
    check: Callable[[Order, list[LineItem], dict[int, int]], _Plan],
    actor,
    notify: bool | None,
    label_check: str = "",
) -> Fulfillment:
    """Lock the order (_lock_for_create), `check` the new fulfillment against it, write it.
    No savepoint: nothing is written until every check passed, and a refusal leaves the
    block normally (raised below), so a caller's transaction stays usable."""
    refused: Exception | None = None
    with transaction.atomic(savepoint=False):
        try:
            locked, items, fulfilled = _lock_for_create(
                order_id=order_id, number=number, answer=answer, label_check=label_check
            )
            plan = check(locked, items, fulfilled)
        except (Order.DoesNotExist, OrderError, LabelSuspect) as error:
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
    *,
    items: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
    actor,
    notify: bool | None = None,
    confirmed: bool = False,
) -> list[BulkItemResult]:
    """Create fulfillments for several orders: `items` is a list of (order id, [{"lines":
    [...], "tracking": {...}}, ...]). A spec with `"remaining": True` instead of lines ships
    every remaining shippable unit, as fulfillment_ship_remaining does (`confirmed` lets
    unpaid or archived orders ship). Each order is all or nothing: a refused order changes
    nothing and does not stop the others.

    Set-based: the orders are locked in one statement (by id, so two bulk creates cannot
    deadlock), their line items read in one, every order checked in memory, and the accepted
    orders' rows written with one statement per table (_batch_write), about ten statements
    for a hundred orders. Should one of those statements fail in the database (a value the
    checks let through), that savepoint is rolled back and every order runs again on its own
    savepoint, so only the order at fault fails. An order named twice runs that way too.

    The set-based lock skips orders another change holds (SKIP LOCKED) instead of waiting for
    them past the statement timeout (a 503 for every order): those run afterwards each on its
    own savepoint, waiting BULK_LOCK_WAIT in all for their locks; one still held then fails
    alone with OrderBusy (409). Two bulks over the same orders: the second skips what the
    first holds and waits for it order by order."""
    results = [
        BulkItemResult(order_id=order_id, original_index=position, success=False)
        for position, (order_id, _) in enumerate(items)
    ]
    # Every item's input is checked before anything is written; a refused item is its error.
    todo = []
    for position, (_, specs) in enumerate(items):
        results[position].error = _bulk_item_check(specs)
        if results[position].error is None:
            todo.append(position)
    if not todo:
        return results
    if len({str(items[position][0]) for position in todo}) == len(todo):
        try:
            with transaction.atomic():
                todo = _bulk_set_based(
                    items, todo, results, actor=actor, notify=notify, confirmed=confirmed
                )
        except (DataError, IntegrityError):
            logger.exception("A bulk fulfillment statement was refused: each order on its own")
            for position in todo:
                results[position].success, results[position].error = False, None
                results[position].fulfillments = []
    if not todo:
        return results
    # Each order on its own, waiting at most BULK_LOCK_WAIT in all for orders another change
    # holds: past it, such an order is its own error and the others stand.
    deadline = time.monotonic() + BULK_LOCK_WAIT.total_seconds()
    try:
        for position in todo:
            _bulk_one(
                items[position],
                results[position],
                actor=actor,
                notify=notify,
                confirmed=confirmed,
                lock_wait=max(0.0, deadline - time.monotonic()),
            )
    finally:
        _lock_timeout_reset()
    return results


def _bulk_not_found(order_id) -> OrderError:
    return OrderError(f"Order {order_id} not found.", field="orderId", status=404)


def _bulk_build(
    *,
    order: Order,
    line_items: list[LineItem],
    specs: Sequence[Mapping[str, Any]],
    actor,
    notify: bool | None,
    confirmed: bool,
    batch: _Batch,
) -> list[Fulfillment]:
    """Check and build one bulk item's fulfillments on its locked order and its line items
    (each with `fulfilled_total`); raises OrderError."""
    fulfilled = _fulfilled_totals(line_items)
    made = []
    for number, spec in enumerate(specs):
        lines = spec.get("lines") or []
        if spec.get("remaining"):
            lines = _ship_remaining_lines(
                order=order, items=line_items, fulfilled=fulfilled, confirmed=confirmed
            )
        try:
            plan = _create_check(
                order=order,
                items=line_items,
                fulfilled=fulfilled,
                lines=lines,
                tracking=spec.get("tracking"),
            )
        except OrderError as error:
            raise _in_fulfillment(error, number) from None
        made.append(
            _create_build(
                order=order,
                items=line_items,
                fulfilled=fulfilled,
                plan=plan,
                actor=actor,
                notify=notify,
                batch=batch,
            )
        )
    return made


def _bulk_set_based(
    items: Sequence[tuple[Any, Sequence[Mapping[str, Any]]]],
    todo: list[int],
    results: list[BulkItemResult],
    *,
    actor,
    notify: bool | None,
    confirmed: bool,
) -> list[int]:
    """fulfillment_bulk_create's items at `todo` (each order once), inside one savepoint;
    returns the positions of the orders it did not lock (another change holds them, or they
    do not exist), to be tried on their own."""
    ids = [items[position][0] for position in todo]
    # SKIP LOCKED: an order another change holds does not hold up the others; it is left
    # out here and tried on its own afterwards (fulfillment_bulk_create).
    locked = {
        str(order.pk): order
        for order in Order.objects.select_for_update(skip_locked=True)
        .filter(pk__in=ids, hidden=False)
        .order_by("pk")
        .annotate(notify_default=notify_default_subquery())
    }
    # Read after the lock, in a statement of its own: it sees every earlier fulfillment.
    by_order: dict[str, list[LineItem]] = {key: [] for key in locked}
    for item in (
        line_items_fulfilled().filter(order__in=list(locked.values())).order_by("order_id", "index")
    ):
        by_order[str(item.order_id)].append(item)
    batch = _Batch()
    now = ms_now()  # the bulk is one change: its orders, activities and lastUpdated share it
    skipped = []
    for position in todo:
        order_id, specs = items[position]
        result = results[position]
        order = locked.get(str(order_id))
        if order is None:  # held by another change, or not found: tried on its own
            skipped.append(position)
            continue
        change_time(order, start=now)
        state = (order.fulfillment_status, order.last_updated)
        mine = _Batch()
        try:
            made = _bulk_build(
                order=order,
                line_items=by_order[str(order_id)],
                specs=specs,
                actor=actor,
                notify=notify,
                confirmed=confirmed,
                batch=mine,
            )
        except OrderError as error:
            order.fulfillment_status, order.last_updated = state  # nothing of it is written
            result.error = error
            continue
        batch.extend(mine)
        result.fulfillments, result.success = made, True
    _batch_write(batch)
    return skipped


def _bulk_one(
    item: tuple[Any, Sequence[Mapping[str, Any]]],
    result: BulkItemResult,
    *,
    actor,
    notify: bool | None,
    confirmed: bool,
    lock_wait: float,
) -> None:
    """One bulk item in a savepoint of its own, waiting at most `lock_wait` seconds for its
    order's lock (another change may hold it): then the item fails with OrderBusy."""
    order_id, specs = item
    _lock_timeout_set(lock_wait)
    try:
        with transaction.atomic():
            locked, line_items, _ = _lock_for_create(order_id=order_id)
            batch = _Batch()
            made = _bulk_build(
                order=locked,
                line_items=line_items,
                specs=specs,
                actor=actor,
                notify=notify,
                confirmed=confirmed,
                batch=batch,
            )
            _batch_write(batch, endpoints=locked.created_endpoints)  # type: ignore[attr-defined]
        result.fulfillments, result.success = made, True
    except Order.DoesNotExist:
        result.error = _bulk_not_found(order_id)
    except OrderError as error:
        result.error = error
    except OperationalError as error:
        if not isinstance(error.__cause__, pg_errors.LockNotAvailable):
            raise
        result.error = OrderBusy()
    except (DataError, IntegrityError):
        # A value the checks let through but the database refused: this item's savepoint
        # is rolled back and the others go on.
        logger.exception("Bulk fulfillment of order %s refused by the database", order_id)
        result.error = OrderError("The database refused this order's fulfillment.")


class OrderBusy(OrderError):
    """A bulk item whose order another change held for longer than the bulk could wait."""

    def __init__(self) -> None:
        super().__init__(
            "Another change held this order for too long; nothing was shipped for it. "
            "Try it again.",
            status=409,
        )


def _lock_timeout_set(seconds: float) -> None:
    """Wait at most `seconds` for a lock from now to the end of the transaction (or
    _lock_timeout_reset). Never 0, which PostgreSQL reads as "no limit"."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true)", [f"{max(1, round(seconds * 1000))}ms"]
        )


def _lock_timeout_reset() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL lock_timeout TO DEFAULT")


def _bulk_item_check(specs: Sequence[Mapping[str, Any]]) -> OrderError | None:
    """What can be checked of one bulk item without the database: its fulfillments' shape,
    tracking info and quantities. Returns the error naming the field, or None."""
    if not specs:
        return OrderError("No fulfillments given for the order.", field="fulfillments")
    for number, spec in enumerate(specs):
        try:
            _tracking_clean(spec.get("tracking"))
            if spec.get("remaining"):
                continue  # its lines are read under the order's lock
            lines = spec.get("lines") or []
            _lines_count_check(lines)
            for position, (_, quantity) in enumerate(lines):
                if quantity is not None:
                    _quantity_check(quantity, field=f"lineItems[{position}].quantity")
        except OrderError as error:
            return _in_fulfillment(error, number)
    return None


def _in_fulfillment(error: OrderError, number: int) -> OrderError:
    """A bulk item's error, its field named within the item: `fulfillments[1].lineItems[0]
    .quantity` (an item may ask for several fulfillments)."""
    prefix = f"fulfillments[{number}]"
    error.field = f"{prefix}.{error.field}" if error.field else prefix
    return error


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


def _delete_locked(*, order: Order, fulfillment: Fulfillment, actor) -> None:
    _refuse_canceled(order)
    details = {
        "fulfillmentId": str(fulfillment.id),
        "trackingNumber": fulfillment.tracking_number,
        "lineItems": [
            {"index": line.line_item.index, "quantity": line.quantity}
            for line in fulfillment.lines.select_related("line_item")
        ],
    }
    fulfillment.delete()
    items, fulfilled = line_items_with_fulfilled(order=order)
    _status_update(
        order=order,
        items=items,
        fulfilled=fulfilled,
        actor=actor,
        entries=[(ActivityType.FULFILLMENT_DELETED, details)],
    )
    event_emit(
        order=order,
        event_type=EventType.FULFILLMENT_DELETED,
        data={"fulfillmentId": details["fulfillmentId"]},
        actor=actor,
    )


def fulfillment_delete(*, order: Order, fulfillment_id, actor) -> Order:
    """Delete a fulfillment; its quantities become unfulfilled again. Returns the order.

    Raises Fulfillment.DoesNotExist when the order has no such fulfillment."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        fulfillment = Fulfillment.objects.get(pk=fulfillment_id, order=locked)
        _delete_locked(order=locked, fulfillment=fulfillment, actor=actor)
    return locked


# ---- Shipping everything that remains (packing station, order page, bulk, pickup) ----

# Payment states that ship without a question; any other (not paid, pending, partly paid,
# fully refunded) needs the person shipping to confirm.
SHIPS_WITHOUT_ASKING = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}
NOTHING_TO_SHIP = "Nothing left to ship: every shippable item is already fulfilled."
UNDO_SECONDS = 120


class ShipmentNeedsConfirmation(OrderError):
    """The order may ship only after an explicit confirmation; `reasons` say why."""

    def __init__(self, *, order: Order, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            f"Order #{order.number} {' and '.join(reasons)}: confirm to ship it anyway.",
            field="confirm",
            status=409,
        )


def shipment_holds(*, order: Order) -> list[str]:
    """Why shipping `order` needs an explicit confirmation (empty: it may ship)."""
    reasons = []
    if order.payment_status not in SHIPS_WITHOUT_ASKING:
        reasons.append(f"is not paid (payment: {order.get_payment_status_display()})")
    if order.archived:
        reasons.append("is archived")
    return reasons


def shippable_remaining(
    *, items: Iterable[LineItem], fulfilled: Mapping[int, int]
) -> list[tuple[LineItem, int]]:
    """(line item, quantity) for every physical line with units left to ship; digital and
    custom-amount lines never go into a parcel."""
    lines = []
    for item in items:
        remaining = item.fulfillable_quantity - fulfilled.get(item.pk, 0)
        if item.is_shippable and remaining > 0:
            lines.append((item, remaining))
    return lines


class ShipmentChanged(OrderError):
    """What remains to ship is no longer what the packer was shown (someone else shipped,
    or a refund took back, part of the order meanwhile): nothing is shipped."""

    def __init__(self, *, order: Order) -> None:
        super().__init__(
            f"Order #{order.number} changed while you were packing it: someone else shipped "
            "or refunded part of it. Nothing was shipped: check the parcel against what "
            "remains now, then ship it again.",
            status=409,
        )


def fulfillment_ship_remaining(
    *,
    order: Order | None = None,
    number: int | None = None,
    tracking: Mapping[str, Any] | None = None,
    actor,
    confirmed: bool = False,
    notify: bool | None = None,
    expected: Mapping[int, int] | None = None,
    label_check: str = "",
) -> Fulfillment:
    """Ship every remaining shippable unit of the order (`order`, or its `number`) in one
    fulfillment.

    Refuses a canceled order and an order with nothing left to ship (OrderError, 409); an
    unpaid or archived order raises ShipmentNeedsConfirmation unless `confirmed`. `expected`
    ({line index: quantity}) is what the caller showed as remaining: when the locked order's
    remainder differs, ShipmentChanged (409) and nothing ships. `notify` as for
    fulfillment_create (None: the store's default), and `label_check` (checked before the
    holds). Raises Order.DoesNotExist for an unknown order. As fulfillment_create: no
    savepoint, a refusal leaves the caller's transaction usable."""

    def check(locked: Order, items: list[LineItem], fulfilled: dict[int, int]) -> _Plan:
        lines = _ship_remaining_lines(
            order=locked, items=items, fulfilled=fulfilled, confirmed=confirmed
        )
        if expected is not None and {item.index: q for item, q in lines} != dict(expected):
            raise ShipmentChanged(order=locked)
        return _create_check(
            order=locked, items=items, fulfilled=fulfilled, lines=lines, tracking=tracking
        )

    return _create_locked(
        order_id=None if order is None else order.pk,
        number=number,
        check=check,
        actor=actor,
        notify=notify,
        label_check=label_check,
    )


def _ship_remaining_lines(
    *, order: Order, items: list[LineItem], fulfilled: Mapping[int, int], confirmed: bool
) -> list[tuple[LineItem, int]]:
    """The lines "ship everything that remains" takes from a locked order; refuses a canceled
    order, one with nothing left to ship, and an unpaid or archived one unless `confirmed`."""
    _refuse_canceled(order)
    holds = shipment_holds(order=order)
    if holds and not confirmed:
        raise ShipmentNeedsConfirmation(order=order, reasons=holds)
    lines = shippable_remaining(items=items, fulfilled=fulfilled)
    if not lines:
        raise OrderError(NOTHING_TO_SHIP, status=409)
    return lines


def fulfillment_undo(*, order: Order, fulfillment_id, actor, within: int = UNDO_SECONDS) -> Order:
    """Take back a fulfillment its creator made less than `within` seconds ago (the packing
    station's undo); later, or for someone else's, the order page's delete is the way.

    Raises Fulfillment.DoesNotExist when the order has no such fulfillment."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        fulfillment = Fulfillment.objects.get(pk=fulfillment_id, order=locked)
        if fulfillment.created_by_id != getattr(actor, "pk", None):
            raise OrderError(
                "Only the person who shipped it can undo it here: delete it on the order page.",
                status=409,
            )
        if (timezone.now() - fulfillment.date_created).total_seconds() > within:
            raise OrderError(
                f"Too late to undo (after {within} seconds): delete the fulfillment on the "
                "order page.",
                status=409,
            )
        _delete_locked(order=locked, fulfillment=fulfillment, actor=actor)
    return locked


def packer_preference_remember(
    *, user, carrier: str, carrier_name: str = "", link_template: str = ""
) -> PackerPreference:
    """Remember the carrier a packer shipped with, to offer it first next time."""
    preference, _ = PackerPreference.objects.update_or_create(
        user=user,
        defaults={
            "carrier": carrier,
            "carrier_name": carrier_name,
            "link_template": link_template,
            "last_updated": timezone.now(),
        },
    )
    return preference


# ---- Pickup orders: ready for pickup, then picked up ----

# "Ready for pickup" again within this long of the last time sends nothing (a double click).
PICKUP_READY_REPEAT = timedelta(minutes=1)


def pickup_mark_ready(*, order: Order, actor) -> bool:
    """Mark a pickup order ready: record PICKUP_READY_EMAIL_SENT and queue the email of the
    pickup instructions to the buyer, sent by the tasks worker (fulfillments/notify.py; the
    activity says whether it was sent). Returns False when the buyer was told less than
    PICKUP_READY_REPEAT ago (a double click): nothing is queued or recorded again. Refused for
    an order that is not a pickup order, is canceled, has nothing left to hand over or has no
    buyer email."""
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        _refuse_canceled(locked)
        pickup = locked.pickup_details
        if pickup is None:
            raise OrderError("This is not a pickup order: it ships.", status=409)
        items, fulfilled = line_items_with_fulfilled(order=locked)
        remaining = shippable_remaining(items=items, fulfilled=fulfilled)
        if not remaining:
            raise OrderError("Everything on this order has been picked up already.", status=409)
        email = locked.buyer_email
        if not email:
            raise OrderError(
                "The buyer has no email address: tell them another way.", field="email"
            )
        told = pickup_ready_since(locked)
        if told is not None and timezone.now() - told < PICKUP_READY_REPEAT:
            # A second click, or two requests at once (the lock above puts them one after the
            # other): the buyer was told moments ago, so nothing is sent or recorded again.
            return False
        activity = activity_record(
            order=locked,
            type=ActivityType.PICKUP_READY_EMAIL_SENT,
            actor=actor,
            details={
                "email": email,
                "pickupInstructions": str(pickup.get("pickupInstructions") or ""),
                "delivery": PICKUP_EMAIL_QUEUED,
            },
        )
        order_touch(order=locked)
        pickup_email_queue(activity_id=activity.pk)
    return True


def pickup_email_note(queued: bool) -> str:
    """What the person who marked the order ready is told of the email, by what
    pickup_mark_ready returned: queued (not sent yet: the worker sends it), or nothing more
    (the buyer was told moments ago)."""
    if queued:
        return "the email to the buyer is queued (the activity shows when it is sent)"
    return "the buyer was emailed less than a minute ago, so nothing more was sent"


def pickup_ready_since(order: Order):
    """When the buyer was told the order is ready (the last PICKUP_READY_EMAIL_SENT), or
    None. One query."""
    activity = (
        order.activities.filter(type=ActivityType.PICKUP_READY_EMAIL_SENT)
        .order_by("-timestamp")
        .first()
    )
    return activity.timestamp if activity else None


def pickup_ready_since_from(activities: Iterable[Any]):
    """pickup_ready_since() from already fetched activities (the order page's)."""
    times = [a.timestamp for a in activities if a.type == ActivityType.PICKUP_READY_EMAIL_SENT]
    return max(times, default=None)
