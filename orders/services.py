"""Writes to orders. Every mutation of an order goes through a function here or in
fulfillments/services.py: one transaction, the order row locked, an activity recorded with
the acting user, `last_updated` bumped, and its webhook event written in the same transaction.
"""

from __future__ import annotations

import functools
import uuid
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from orders.lock_reads import Related, order_lock, related_keep
from orders.models import (
    ENTERED_BY_NAMESPACE,
    REFUNDABLE_STATUSES,
    STORE_SETTINGS_PK,
    UNPAID_STATUSES,
    UNSPECIFIED_PAYMENT_STATUS,
    Activity,
    ActivityType,
    ChannelType,
    EnteredByIdentityType,
    FulfillmentStatus,
    LineItem,
    LineItemType,
    Order,
    PaymentStatus,
    Refund,
    StoreSettings,
    WeightUnit,
    shipment_address_of,
    shipping_with_address,
)
from orders.schemas import (
    MONEY_LIMIT,
    AddressIn,
    BillingInfoIn,
    BuyerInfoIn,
    LineItemIn,
    OrderCreateData,
    TotalsIn,
)
from orders.timestamps import change_time, ms_now
from orders.webhooks.outbox import EventType, event_emit, event_endpoints


class OrderError(Exception):
    """A domain rule refused the change. `message` is stable (tests and clients read it);
    `field` names the input at fault when there is one; `status` is the HTTP status the API
    answers with (400 for bad input, 409 for a conflict with the order's state); `line` is
    the position, in the request's list of line items, of the one at fault (pages show the
    error next to that line's field)."""

    def __init__(
        self, message: str, *, field: str | None = None, status: int = 400, line: int | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status
        self.line = line


def activity_record(*, order: Order, type: str, actor=None, details: dict[str, Any] | None = None):
    activity = Activity.objects.create(
        order=order, type=type, actor=actor, details=details or {}, timestamp=change_time(order)
    )
    activities_join(order, [activity])
    return activity


def activities_record(
    *, order: Order, entries: list[tuple[str, dict[str, Any]]], actor=None
) -> list[Activity]:
    """Several activities of one change (type, details) in one INSERT."""
    when = change_time(order)
    created = Activity.objects.bulk_create(
        Activity(order=order, type=type, actor=actor, details=details, timestamp=when)
        for type, details in entries
    )
    activities_join(order, created)
    return created


def activities_join(order: Order, created: list[Activity]) -> None:
    """When the order's activities were read with its lock (ORDER_ACTIVITIES), the new ones
    join them, so an answer built from memory shows them."""
    cache = getattr(order, "_prefetched_objects_cache", {})
    if "activities" in cache:
        known = [*cache["activities"], *created]
        related_keep(order, "activities", sorted(known, key=lambda a: (a.timestamp, a.pk)))


# The relations order_lock() can read with the lock for an answer built from memory, each in
# the order a prefetch gives (the models' Meta.ordering).
ORDER_ACTIVITIES = Related("activities", Activity.objects.order_by("timestamp", "id"))
ORDER_REFUNDS = Related("refunds", Refund.objects.order_by("date_created"))


@functools.cache
def order_fulfillments_related() -> Related:
    """The order's fulfillments with their lines (models of the fulfillments app, reached
    through the reverse relations: orders does not import that app)."""
    fulfillment = Order._meta.get_field("fulfillments").related_model
    line = fulfillment._meta.get_field("lines").related_model
    return Related(
        "fulfillments",
        fulfillment._default_manager.order_by("date_created", "id"),
        nested=(
            Related(
                "lines",
                line._default_manager.order_by("line_item__index"),  # type: ignore[union-attr]
                link="fulfillment",
            ),
        ),
    )


ORDER_LINE_ITEMS = Related("line_items", LineItem.objects.order_by("index"))


def order_detail_related() -> list[Related]:
    """Everything an order's full JSON shows (orders.selectors.ORDER_DETAIL_RELATIONS)."""
    return [ORDER_LINE_ITEMS, ORDER_ACTIVITIES, ORDER_REFUNDS, order_fulfillments_related()]


def _lock_for_event(order: Order, event_type: str) -> Order:
    """Lock `order` for a change that emits `event_type` with the full order: the relations
    its payload shows and the subscribed endpoints are read in the lock's statement."""
    return order_lock(
        order_id=order.pk,
        related=order_detail_related(),
        annotations={"event_endpoints": event_endpoints(event_type)},
    )


def order_touch(*, order: Order, fields: list[str] | tuple[str, ...] = ()) -> None:
    """Save `fields` and bump `last_updated` (to the change's time) in one UPDATE."""
    order.last_updated = change_time(order)
    order.save(update_fields=[*fields, "last_updated"])


# ---- Owner actions: payment and cancellation (permission manage_payments) ----


def order_can_mark_paid(order: Order) -> bool:
    return order.payment_status in UNPAID_STATUSES


def order_can_cancel(order: Order) -> bool:
    """Only an order that has not shipped (nor been canceled) can be canceled."""
    return order.fulfillment_status == FulfillmentStatus.NOT_FULFILLED


def order_can_refund(order: Order) -> bool:
    """Whether the payment status allows a refund (the amount rules are order_refund's)."""
    return order.payment_status in REFUNDABLE_STATUSES


def order_refunded_amount(*, order: Order) -> Decimal:
    """What has been refunded so far: added up from the refunds read with the order when they
    were prefetched (the order page), else summed by the database."""
    prefetched = getattr(order, "_prefetched_objects_cache", {}).get("refunds")
    if prefetched is not None:
        return sum((refund.amount for refund in prefetched), Decimal("0"))
    return order.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def order_mark_paid(*, order: Order, actor) -> Order:
    """Record that the order was paid in full (payment taken outside Packdesk)."""
    with transaction.atomic():
        order = _lock_for_event(order, EventType.ORDER_PAID)
        if not order_can_mark_paid(order):
            raise OrderError(
                f"The order cannot be marked paid: its payment status is {order.payment_status}.",
                status=409,
            )
        order.payment_status = PaymentStatus.PAID
        order.paid_date = change_time(order)
        order_touch(order=order, fields=["payment_status", "paid_date"])
        activity_record(order=order, type=ActivityType.ORDER_PAID, actor=actor)
        event_emit(
            order=order,
            event_type=EventType.ORDER_PAID,
            actor=actor,
            endpoints=order.event_endpoints,  # type: ignore[attr-defined]
        )
    return order


def order_cancel(*, order: Order, actor) -> Order:
    """Cancel an order that has not shipped: fulfillmentStatus becomes CANCELED."""
    with transaction.atomic():
        order = _lock_for_event(order, EventType.ORDER_CANCELED)
        if order.is_canceled:
            raise OrderError("The order is already canceled.", status=409)
        if not order_can_cancel(order):
            raise OrderError(
                "A fulfilled order cannot be canceled: delete its fulfillments first.",
                status=409,
            )
        previous = order.fulfillment_status
        order.fulfillment_status = FulfillmentStatus.CANCELED
        order_touch(order=order, fields=["fulfillment_status"])
        activity_record(
            order=order,
            type=ActivityType.ORDER_CANCELED,
            actor=actor,
            details={"previousFulfillmentStatus": previous},
        )
        event_emit(
            order=order,
            event_type=EventType.ORDER_CANCELED,
            actor=actor,
            endpoints=order.event_endpoints,  # type: ignore[attr-defined]
        )
    return order


def order_refund(
    *,
    order: Order,
    amount: Decimal,
    reason: str = "",
    payment_provider_transaction_id: str = "",
    actor,
) -> Refund:
    """Refund `amount` of a paid order (full or partial). The amount must be more than zero
    and at most what has not been refunded yet. `payment_provider_transaction_id` is the
    provider's id of the refund, when known."""
    with transaction.atomic():
        order = _lock_for_event(order, EventType.ORDER_REFUNDED)
        if not order_can_refund(order):
            raise OrderError(
                f"Only a paid order can be refunded; its payment status is {order.payment_status}.",
                status=409,
            )
        earlier = sum((refund.amount for refund in order.refunds.all()), Decimal("0"))
        refundable = order.total - earlier
        if amount is None or amount <= 0:
            raise OrderError("The refund amount must be more than 0.", field="amount")
        if amount > refundable:
            raise OrderError(
                f"The refund amount cannot exceed {refundable} (the total minus earlier refunds).",
                field="amount",
            )
        refund = Refund.objects.create(
            order=order,
            amount=amount,
            reason=reason,
            payment_provider_transaction_id=payment_provider_transaction_id,
            actor=actor,
            date_created=change_time(order),
        )
        # Read with the lock for the event's payload: the new refund joins them, its amount
        # as the database keeps it (to the field's decimal places, as PostgreSQL rounds).
        places = Decimal(10) ** -Refund._meta.get_field("amount").decimal_places
        refund.amount = refund.amount.quantize(places, rounding=ROUND_HALF_UP)
        related_keep(order, "refunds", [*order.refunds.all(), refund])
        fully = amount == refundable
        order.payment_status = (
            PaymentStatus.FULLY_REFUNDED if fully else PaymentStatus.PARTIALLY_REFUNDED
        )
        order_touch(order=order, fields=["payment_status"])
        activity_record(
            order=order,
            type=ActivityType.ORDER_REFUNDED,
            actor=actor,
            details={"refundId": str(refund.id), "amount": str(amount), "reason": reason},
        )
        event_emit(
            order=order,
            event_type=EventType.ORDER_REFUNDED,
            data={"refundId": str(refund.id)},
            actor=actor,
            endpoints=order.event_endpoints,  # type: ignore[attr-defined]
        )
    return refund


# ---- Archiving (permission archive_order) ----


def order_set_archived(*, order: Order, archived: bool, actor) -> Order:
    """Archive (`archived` True) or unarchive the order: it leaves (or rejoins) the open
    views of the list and the home page, and its timeline records who did it. Setting what
    the order already has writes nothing."""
    if not isinstance(archived, bool):
        raise OrderError("archived must be true or false.", field="archived")
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.archived == archived:
            return order
        order.archived = archived
        order_touch(order=order, fields=["archived"])
        activity_record(
            order=order,
            type=ActivityType.ORDER_ARCHIVED if archived else ActivityType.ORDER_UNARCHIVED,
            actor=actor,
        )
    return order


# ---- Order edits and creation: email, shipping address, create ----


def order_update_email(*, order: Order, email: str, actor) -> Order:
    """Set the buyer's email on billingInfo.address, the shipment address (when shipping was
    chosen) and buyerInfo."""
    email = (email or "").strip() if isinstance(email, str) else email
    if not isinstance(email, str) or not email:
        raise OrderError("email is required.", field="email")
    try:
        validate_email(email)
    except ValidationError:
        raise OrderError(f"email is not a valid email address: {email!r}.", field="email") from None
    if len(email) > 254:
        raise OrderError("email must be at most 254 characters.", field="email")
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        previous = order.buyer_email
        billing = {**order.billing_address_fields, "email": email}
        shipping = dict(order.shipping)
        address = shipment_address_of(shipping)
        if address is not None:
            shipping = shipping_with_address(shipping, {**address, "email": email})
        if (previous, billing, shipping) == (email, order.billing_address, order.shipping_info):
            return order  # nothing changes: nothing is written
        order.buyer_email = email
        order.billing_address = billing
        order.shipping_info = shipping
        order_touch(order=order, fields=["buyer_email", "billing_address", "shipping_info"])
        activity_record(
            order=order,
            type=ActivityType.EMAIL_EDITED,
            actor=actor,
            details={"before": previous, "after": email},
        )
    return order


def is_email(value: str) -> bool:
    if len(value) > 254:
        return False
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


ADDRESS_OBJECT_PARTS = {"street": ("number", "name", "apt"), "vatId": ("id", "type")}
ADDRESS_TEXT_FIELDS = (
    "country",
    "subdivision",
    "city",
    "zipCode",
    "phone",
    "email",
    "addressLine1",
    "addressLine2",
    "company",
)


def address_clean(address: Any, *, field: str) -> dict[str, Any]:
    """An address object in the spec's shape, checked field by field."""
    if not isinstance(address, dict):
        raise OrderError(f"{field} must be an object.", field=field)
    allowed = {*ADDRESS_TEXT_FIELDS, "fullName", "street", "vatId"}
    unknown = sorted(set(address) - allowed)
    if unknown:
        raise OrderError(
            f"{field}.{unknown[0]} is not an address field; allowed: {', '.join(sorted(allowed))}.",
            field=f"{field}.{unknown[0]}",
        )
    clean: dict[str, Any] = {}
    for key, value in address.items():
        if value is None:
            continue
        if key in ADDRESS_TEXT_FIELDS:
            if not isinstance(value, str) or len(value) > 500:
                raise OrderError(
                    f"{field}.{key} must be a string of at most 500 characters.",
                    field=f"{field}.{key}",
                )
            if key == "email" and value.strip() and not is_email(value.strip()):
                raise OrderError(
                    f"{field}.email is not a valid email address (at most 254 characters): "
                    f"{value[:254]!r}.",
                    field=f"{field}.email",
                )
            clean[key] = value
        elif key == "fullName":
            if not isinstance(value, dict) or set(value) - {"firstName", "lastName"}:
                raise OrderError(
                    f"{field}.fullName must be {{firstName, lastName}}.", field=f"{field}.fullName"
                )
            for part, text in value.items():
                if not isinstance(text, str) or len(text) > 200:
                    raise OrderError(
                        f"{field}.fullName.{part} must be a string of at most 200 characters.",
                        field=f"{field}.fullName.{part}",
                    )
            clean[key] = dict(value)
        else:  # street {number, name, apt} or vatId {id, type}, as the create schema has them
            parts = ADDRESS_OBJECT_PARTS[key]
            if isinstance(value, dict):
                for part, text in value.items():
                    if part not in parts or not (text is None or isinstance(text, str)):
                        raise OrderError(
                            f"{field}.{key} takes {', '.join(parts)} (strings); got {part!r}.",
                            field=f"{field}.{key}.{part}",
                        )
                    if text is not None and len(text) > 500:
                        raise OrderError(
                            f"{field}.{key}.{part} must be at most 500 characters.",
                            field=f"{field}.{key}.{part}",
                        )
            elif not isinstance(value, str) or len(value) > 500:
                raise OrderError(
                    f"{field}.{key} must be an object or a string of at most 500 characters.",
                    field=f"{field}.{key}",
                )
            clean[key] = value
    return clean


SHIPPING_TEXT_FIELDS = ("deliveryOption", "estimatedDeliveryTime", "shippingRegion", "code")


def shipping_info_clean(info: Any, *, field: str = "shippingInfo") -> dict[str, Any]:
    """A whole shippingInfo object (as support edits it in the admin): an object whose
    shipmentDetails.address follows the same rules as the API's addresses."""
    if not isinstance(info, dict):
        raise OrderError(f"{field} must be an object.", field=field)
    allowed = {*SHIPPING_TEXT_FIELDS, "shipmentDetails", "pickupDetails"}
    unknown = sorted(set(info) - allowed)
    if unknown:
        raise OrderError(
            f"{field}.{unknown[0]} is not a shippingInfo field; allowed: "
            f"{', '.join(sorted(allowed))}.",
            field=f"{field}.{unknown[0]}",
        )
    clean = dict(info)
    for key in SHIPPING_TEXT_FIELDS:
        if info.get(key) is not None and (not isinstance(info[key], str) or len(info[key]) > 500):
            raise OrderError(
                f"{field}.{key} must be a string of at most 500 characters.",
                field=f"{field}.{key}",
            )
    for key in ("shipmentDetails", "pickupDetails"):
        if info.get(key) is not None and not isinstance(info[key], dict):
            raise OrderError(f"{field}.{key} must be an object.", field=f"{field}.{key}")
    details = info.get("shipmentDetails")
    if details is not None and details.get("address") is not None:
        clean["shipmentDetails"] = {
            **details,
            "address": address_clean(details["address"], field=f"{field}.shipmentDetails.address"),
        }
    return clean


def order_update_shipping_address(*, order: Order, address: dict[str, Any], actor) -> Order:
    """Update the shipment address (shippingInfo.shipmentDetails.address) as the spec's example
    does: the fields sent replace those fields, the others stay; a field sent as null is
    removed. An empty address is refused; a change that changes nothing writes nothing."""
    if isinstance(address, dict) and not address:
        raise OrderError(
            "shippingAddress needs at least one field to change.", field="shippingAddress"
        )
    removed = {key for key, value in address.items() if value is None} if address else set()
    changes = address_clean(address, field="shippingAddress")
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        shipping = dict(order.shipping)
        previous = shipment_address_of(shipping)
        after = {key: value for key, value in (previous or {}).items() if key not in removed}
        after.update(changes)
        if after == previous and "pickupDetails" not in shipping:
            return order
        shipping = shipping_with_address(shipping, after)
        shipping.pop("pickupDetails", None)
        order.shipping_info = shipping
        order_touch(order=order, fields=["shipping_info"])
        activity_record(
            order=order,
            type=ActivityType.SHIPPING_ADDRESS_EDITED,
            actor=actor,
            details={"before": previous, "after": after},
        )
    return order


def _line_rows(lines: list[LineItemIn]) -> list[LineItem]:
    """Line items as rows, numbered 1..n, with the spec note's rules on types and variants."""
    rows = []
    for position, item in enumerate(lines):
        path = f"order.lineItems[{position}]"
        price_data = item.priceData
        price = Decimal(item.price or (price_data and price_data.price) or "0")
        given_total = item.totalPrice or (price_data and price_data.totalPrice)
        total_price = Decimal(given_total) if given_total else price * item.quantity
        if total_price >= MONEY_LIMIT:
            raise OrderError(
                f"{path}: price x quantity must be less than {MONEY_LIMIT:f}.",
                field=f"{path}.price",
            )
        default_type = LineItemType.PHYSICAL if item.productId else LineItemType.CUSTOM_AMOUNT_ITEM
        line_type = item.lineItemType or default_type
        if item.productId is None and line_type != LineItemType.CUSTOM_AMOUNT_ITEM:
            raise OrderError(
                f"{path}.lineItemType must be CUSTOM_AMOUNT_ITEM without a productId.",
                field=f"{path}.lineItemType",
            )
        if item.productId is not None and line_type != LineItemType.PHYSICAL:
            raise OrderError(
                f"{path}.lineItemType must be PHYSICAL for a catalog product (with a productId).",
                field=f"{path}.lineItemType",
            )
        options = [option.model_dump() for option in item.options or []]
        variant_id = item.variantId if item.variantId != uuid.UUID(int=0) else None  # "none"
        if variant_id is not None and not options:
            raise OrderError(
                f"{path}.options is required with a variantId (the variant's choices).",
                field=f"{path}.options",
            )
        rows.append(
            LineItem(
                index=position + 1,
                quantity=item.quantity,
                name=item.name,
                translated_name=item.translatedName or "",
                product_id=item.productId,
                variant_id=variant_id,
                sku=item.sku or "",
                line_item_type=line_type,
                price=price,
                total_price=total_price,
                tax=Decimal(item.tax or "0"),
                discount=Decimal(item.discount or "0"),
                tax_included_in_price=bool(price_data and price_data.taxIncludedInPrice),
                weight=Decimal(item.weight) if item.weight is not None else None,
                options=options,
                custom_text_fields=[f.model_dump() for f in item.customTextFields or []],
                media_item=item.mediaItem.model_dump(exclude_none=True) if item.mediaItem else None,
                fulfiller_id=item.fulfillerId,
                tax_group_id=item.taxGroupId,
            )
        )
    return rows


def _address(address: AddressIn | None) -> dict[str, Any]:
    return address.model_dump(exclude_none=True) if address is not None else {}


def entered_by(actor) -> tuple[uuid.UUID | None, str]:
    """The spec's enteredBy ("identity of the order's initiator") for what `actor` creates: the
    API key the request came with as an APP (as its webhook events name it), else the user as
    a USER; nobody without an actor."""
    api_key = getattr(actor, "acting_api_key", None)
    if api_key is not None:
        return api_key.entered_by_id, EnteredByIdentityType.APP
    if actor is not None and actor.pk is not None:
        return uuid.uuid5(ENTERED_BY_NAMESPACE, f"user:{actor.pk}"), EnteredByIdentityType.USER
    return None, ""


def order_create(*, data: OrderCreateData, actor) -> Order:
    """Create an order from the Stores v2 create-order body's `order` (shapes already checked
    by orders.schemas), following the spec's notes: billingInfo.address is required unless
    channelInfo.type is POS; a shipment address is required unless pickupDetails are given,
    the channel is POS or every line item is DIGITAL; paymentMethod /
    paymentProviderTransactionId only with paymentStatus PAID. Number, id, dates, activities
    and fulfillment status are Packdesk's, never the caller's; so is enteredBy (`entered_by`)."""
    channel = data.channelInfo
    channel_type = (channel and channel.type) or ChannelType.WEB
    payment_status: str = PaymentStatus.NOT_PAID
    if data.paymentStatus not in (None, UNSPECIFIED_PAYMENT_STATUS):
        payment_status = str(data.paymentStatus)
    paid = payment_status == PaymentStatus.PAID
    rows = _line_rows(data.lineItems)
    billing = data.billingInfo or BillingInfoIn()
    if billing.address is None and channel_type != ChannelType.POS:
        raise OrderError(
            "billingInfo.address is required unless channelInfo.type is POS.",
            field="order.billingInfo.address",
        )
    payment = billing.model_dump(exclude_none=True, exclude={"address"})
    for key in ("paymentMethod", "paymentProviderTransactionId"):
        if key in payment and not paid:
            raise OrderError(
                f"billingInfo.{key} can only be given when paymentStatus is PAID.",
                field=f"order.billingInfo.{key}",
            )
    shipping = data.shippingInfo
    details = shipping.shipmentDetails if shipping else None
    all_digital = all(row.line_item_type == LineItemType.DIGITAL for row in rows)
    if (details is None or details.address is None) and not (
        (shipping and shipping.pickupDetails) or channel_type == ChannelType.POS or all_digital
    ):
        raise OrderError(
            "shippingInfo.shipmentDetails.address is required unless pickupDetails are given, "
            "channelInfo.type is POS or every line item is DIGITAL.",
            field="order.shippingInfo.shipmentDetails.address",
        )
    shipping_json = shipping.model_dump(exclude_none=True) if shipping else {}
    totals = data.totals or TotalsIn()
    subtotal = sum((row.total_price for row in rows), Decimal("0"))
    subtotal = Decimal(totals.subtotal) if totals.subtotal is not None else subtotal
    total = Decimal(totals.total) if totals.total is not None else subtotal
    if max(subtotal, total) >= MONEY_LIMIT:
        raise OrderError(
            f"The order's total must be less than {MONEY_LIMIT:f}.", field="order.totals.total"
        )
    billing_address = _address(billing.address)
    name = billing_address.pop("fullName", {})
    buyer = data.buyerInfo or BuyerInfoIn()
    discount = data.discount
    entered_by_id, entered_by_type = entered_by(actor)
    email = buyer.email or billing_address.get("email") or ""
    now = ms_now()
    order = Order(
        date_created=now,
        last_updated=now,
        buyer_identity_type="CONTACT",
        buyer_first_name=buyer.firstName or name.get("firstName", ""),
        buyer_last_name=buyer.lastName or name.get("lastName", ""),
        buyer_phone=buyer.phone or "",
        buyer_email=email,
        currency=data.currency or "USD",
        weight_unit=data.weightUnit or WeightUnit.KG,
        subtotal=subtotal,
        shipping_total=Decimal(totals.shipping or "0"),
        tax_total=Decimal(totals.tax or "0"),
        # The order's discount is its totals' unless the totals say otherwise.
        discount_total=Decimal(totals.discount or (discount and discount.value) or "0"),
        total=total,
        total_weight=Decimal(totals.weight or "0"),
        total_quantity=sum(row.quantity for row in rows),
        billing_first_name=name.get("firstName", ""),
        billing_last_name=name.get("lastName", ""),
        billing_address=billing_address,
        billing_payment=payment,
        paid_date=now if paid else None,
        shipping_info=shipping_json,
        buyer_note=data.buyerNote or "",
        payment_status=payment_status,
        fulfillment_status=(
            FulfillmentStatus.NOT_FULFILLED
            if any(row.line_item_type == LineItemType.PHYSICAL for row in rows)
            else FulfillmentStatus.FULFILLED
        ),
        channel_type=channel_type,
        channel_external_order_id=(channel and channel.externalOrderId) or "",
        entered_by_id=entered_by_id,
        entered_by_identity_type=entered_by_type,
        buyer_language=data.buyerLanguage or "",
        subscription_info=data.subscriptionInfo,
        discount_value=Decimal(discount.value) if discount and discount.value else None,
        applied_coupon=(
            discount.appliedCoupon.model_dump(mode="json", exclude_none=True) or None
            if discount and discount.appliedCoupon
            else None
        ),
        custom_field=(data.customField and data.customField.model_dump(exclude_none=True)) or None,
        cart_id=data.cartId,
    )
    change_time(order, start=now)
    with transaction.atomic():
        order.save(force_insert=True)
        for row in rows:
            row.order = order
        LineItem.objects.bulk_create(rows)
        activity_record(order=order, type=ActivityType.ORDER_PLACED, actor=actor)
        if paid:
            activity_record(order=order, type=ActivityType.ORDER_PAID, actor=actor)
        event_emit(order=order, event_type=EventType.ORDER_CREATED, actor=actor)
    return order


# Support's edits in the Django admin: notes, billing name and address, shipping info.
ADMIN_EDITABLE_FIELDS = (
    "buyer_note",
    "billing_first_name",
    "billing_last_name",
    "billing_address",
    "shipping_info",
)


def order_update_from_admin(*, order: Order, changes: dict[str, Any], actor) -> Order:
    """Apply support's admin edits under the order lock, with one activity per kind of change."""
    unknown = set(changes) - set(ADMIN_EDITABLE_FIELDS)
    if unknown:
        raise OrderError(f"These fields cannot be edited here: {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        locked = order_lock(order_id=order.pk)
        for name, value in changes.items():
            setattr(locked, name, value)
        order_touch(order=locked, fields=list(changes))
        if "shipping_info" in changes:
            activity_record(
                order=locked,
                type=ActivityType.SHIPPING_ADDRESS_EDITED,
                actor=actor,
                details={"source": "admin"},
            )
        other = sorted(set(changes) - {"shipping_info"})
        if other:
            activity_record(
                order=locked,
                type=ActivityType.MERCHANT_COMMENT,
                actor=actor,
                details={"source": "admin", "edited": other},
            )
    return locked


# ---- The store's settings ----


def store_settings_update(
    *, store_name: str, require_item_scan: bool, notify_buyer_default: bool, actor
) -> StoreSettings:
    """Change the store's settings (one row, locked while it changes)."""
    store_name = (store_name or "").strip()
    if not store_name:
        raise OrderError("The store name cannot be empty.", field="store_name")
    if len(store_name) > 200:
        raise OrderError("The store name must be at most 200 characters.", field="store_name")
    with transaction.atomic():
        StoreSettings.objects.get_or_create(pk=STORE_SETTINGS_PK)
        row = StoreSettings.objects.select_for_update().get(pk=STORE_SETTINGS_PK)
        row.store_name = store_name
        row.require_item_scan = require_item_scan
        row.notify_buyer_default = notify_buyer_default
        row.last_updated = timezone.now()
        row.updated_by = actor
        row.save(
            update_fields=[
                "store_name",
                "require_item_scan",
                "notify_buyer_default",
                "last_updated",
                "updated_by",
            ]
        )
    return row
