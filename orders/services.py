"""Writes to orders. Every mutation of an order goes through a function here or in
fulfillments/services.py: one transaction, the order row locked, an activity recorded with
the acting user, `last_updated` bumped, and its webhook event written in the same transaction.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from orders.demo import order_from_spec
from orders.models import (
    ORDER_NUMBER_SEQUENCE,
    STORE_SETTINGS_PK,
    Activity,
    ActivityType,
    ChannelType,
    FulfillmentStatus,
    LineItemType,
    Order,
    PaymentStatus,
    Refund,
    StoreSettings,
    WeightUnit,
)
from orders.serializers import iso
from orders.timestamps import change_time
from orders.webhooks.outbox import EventType, event_emit


class OrderError(Exception):
    """A domain rule refused the change. `message` is stable (tests and clients read it);
    `field` names the input at fault when there is one; `status` is the HTTP status the API
    answers with (400 for bad input, 409 for a conflict with the order's state)."""

    def __init__(self, message: str, *, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def order_lock(*, order_id) -> Order:
    """Re-read the order inside the current transaction and lock its row.

    Raises Order.DoesNotExist for unknown or hidden orders.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("order_lock() must run inside transaction.atomic()")
    return Order.objects.select_for_update().get(pk=order_id, hidden=False)


def activity_record(*, order: Order, type: str, actor=None, details: dict[str, Any] | None = None):
    return Activity.objects.create(
        order=order, type=type, actor=actor, details=details or {}, timestamp=change_time(order)
    )


def activities_record(
    *, order: Order, entries: list[tuple[str, dict[str, Any]]], actor=None
) -> list[Activity]:
    """Several activities of one change (type, details) in one INSERT."""
    when = change_time(order)
    return Activity.objects.bulk_create(
        Activity(order=order, type=type, actor=actor, details=details, timestamp=when)
        for type, details in entries
    )


def order_touch(*, order: Order, fields: list[str] | tuple[str, ...] = ()) -> None:
    """Save `fields` and bump `last_updated` (to the change's time) in one UPDATE."""
    order.last_updated = change_time(order)
    order.save(update_fields=[*fields, "last_updated"])


# ---- Owner actions: payment and cancellation (permission manage_payments) ----

PAYABLE_STATUSES = {PaymentStatus.NOT_PAID, PaymentStatus.PENDING, PaymentStatus.PARTIALLY_PAID}
REFUNDABLE_STATUSES = {PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED}


def order_refunded_amount(*, order: Order) -> Decimal:
    return order.refunds.aggregate(total=Sum("amount"))["total"] or Decimal("0")


def order_mark_paid(*, order: Order, actor) -> Order:
    """Record that the order was paid in full (payment taken outside Packdesk)."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.payment_status not in PAYABLE_STATUSES:
            raise OrderError(
                f"The order cannot be marked paid: its payment status is {order.payment_status}.",
                status=409,
            )
        order.payment_status = PaymentStatus.PAID
        order.paid_date = change_time(order)
        order_touch(order=order, fields=["payment_status", "paid_date"])
        activity_record(order=order, type=ActivityType.ORDER_PAID, actor=actor)
        event_emit(order=order, event_type=EventType.ORDER_PAID, actor=actor)
    return order


def order_cancel(*, order: Order, actor) -> Order:
    """Cancel an order that has not shipped: fulfillmentStatus becomes CANCELED."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.is_canceled:
            raise OrderError("The order is already canceled.", status=409)
        if order.fulfillment_status != FulfillmentStatus.NOT_FULFILLED:
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
        event_emit(order=order, event_type=EventType.ORDER_CANCELED, actor=actor)
    return order


def order_refund(*, order: Order, amount: Decimal, reason: str = "", actor) -> Refund:
    """Refund `amount` of a paid order (full or partial). The amount must be more than zero
    and at most what has not been refunded yet."""
    with transaction.atomic():
        order = order_lock(order_id=order.pk)
        if order.payment_status not in REFUNDABLE_STATUSES:
            raise OrderError(
                f"Only a paid order can be refunded; its payment status is {order.payment_status}.",
                status=409,
            )
        refundable = order.total - order_refunded_amount(order=order)
        if amount is None or amount <= 0:
            raise OrderError("The refund amount must be more than 0.", field="amount")
        if amount > refundable:
            raise OrderError(
                f"The refund amount cannot exceed {refundable} (the total minus earlier refunds).",
                field="amount",
            )
        refund = Refund.objects.create(
            order=order, amount=amount, reason=reason, actor=actor, date_created=change_time(order)
        )
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
        )
    return refund


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
        details = shipping.get("shipmentDetails")
        if isinstance(details, dict) and isinstance(details.get("address"), dict):
            shipping["shipmentDetails"] = {
                **details,
                "address": {**details["address"], "email": email},
            }
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
        else:
            if not isinstance(value, dict | str):
                raise OrderError(f"{field}.{key} must be an object.", field=f"{field}.{key}")
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
        details = shipping.get("shipmentDetails")
        details = dict(details) if isinstance(details, dict) else {}
        previous = details.get("address")
        before = dict(previous) if isinstance(previous, dict) else {}
        after = {key: value for key, value in before.items() if key not in removed}
        after.update(changes)
        if after == previous and "pickupDetails" not in shipping:
            return order
        details["address"] = after
        shipping["shipmentDetails"] = details
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


def _enum(value: Any, choices, *, field: str, default: str) -> str:
    if value is None:
        return default
    allowed = [str(choice) for choice in choices.values]
    if value not in allowed:
        raise OrderError(
            f"{field} must be one of: {', '.join(allowed)}; got {value!r}.", field=field
        )
    return value


def _money_text(value: Any, *, field: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise OrderError(f'{field} must be a decimal string such as "10.00".', field=field)
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise OrderError(
            f'{field} must be a decimal string such as "10.00".', field=field
        ) from None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        raise OrderError(f"{field} must be a non-negative amount.", field=field)
    return str(amount)


def _object(value: Any, *, field: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise OrderError(f"{field} must be an object.", field=field)
    return value


def _uuid_text(value: Any, *, field: str) -> str | None:
    if value is None:
        return None
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise OrderError(f"{field} must be a UUID.", field=field) from None


def _line_items_clean(raw: Any) -> list[dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise OrderError("lineItems must be a non-empty list.", field="order.lineItems")
    if len(raw) > 300:
        raise OrderError("An order takes at most 300 line items.", field="order.lineItems")
    lines = []
    for position, item in enumerate(raw):
        path = f"order.lineItems[{position}]"
        item = _object(item, field=path)
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 400:
            raise OrderError(
                f"{path}.name is required (at most 400 characters).", field=f"{path}.name"
            )
        quantity = item.get("quantity")
        if (
            not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= 100000
        ):
            raise OrderError(
                f"{path}.quantity must be a whole number from 1 to 100000.",
                field=f"{path}.quantity",
            )
        price_data = _object(item.get("priceData"), field=f"{path}.priceData")
        price = (
            _money_text(item.get("price", price_data.get("price")), field=f"{path}.price") or "0"
        )
        total_price = _money_text(
            item.get("totalPrice", price_data.get("totalPrice")), field=f"{path}.totalPrice"
        ) or str(Decimal(price) * quantity)
        product_id = _uuid_text(item.get("productId"), field=f"{path}.productId")
        default_type = LineItemType.PHYSICAL if product_id else LineItemType.CUSTOM_AMOUNT_ITEM
        line_type = _enum(
            item.get("lineItemType"),
            LineItemType,
            field=f"{path}.lineItemType",
            default=default_type,
        )
        if product_id is None and line_type != LineItemType.CUSTOM_AMOUNT_ITEM:
            raise OrderError(
                f"{path}.lineItemType must be CUSTOM_AMOUNT_ITEM without a productId.",
                field=f"{path}.lineItemType",
            )
        if product_id is not None and line_type == LineItemType.CUSTOM_AMOUNT_ITEM:
            raise OrderError(
                f"{path}.lineItemType cannot be CUSTOM_AMOUNT_ITEM for a catalog product.",
                field=f"{path}.lineItemType",
            )
        options = item.get("options") or []
        if not isinstance(options, list):
            raise OrderError(f"{path}.options must be a list.", field=f"{path}.options")
        media = item.get("mediaItem")
        if media is not None and not isinstance(media, dict):
            raise OrderError(f"{path}.mediaItem must be an object.", field=f"{path}.mediaItem")
        sku = item.get("sku") or ""
        if not isinstance(sku, str) or len(sku) > 100:
            raise OrderError(
                f"{path}.sku must be a string of at most 100 characters.", field=f"{path}.sku"
            )
        lines.append(
            {
                "index": position + 1,
                "quantity": quantity,
                "name": name.strip(),
                "price": price,
                "totalPrice": total_price,
                "productId": product_id,
                "variantId": _uuid_text(item.get("variantId"), field=f"{path}.variantId"),
                "lineItemType": line_type,
                "options": options,
                "mediaItem": media,
                "sku": sku,
                "weight": _money_text(item.get("weight"), field=f"{path}.weight"),
            }
        )
    return lines


def order_create(*, data: dict[str, Any], actor) -> Order:
    """Create an order from the Stores v2 create-order body's `order` object, following the
    spec's notes: billingInfo.address is required unless channelInfo.type is POS; a shipment
    address is required unless pickupDetails are given, the channel is POS or every line item
    is DIGITAL; paymentMethod / paymentProviderTransactionId only with paymentStatus PAID.
    Number, id, dates, activities and fulfillment status are Packdesk's, never the caller's."""
    data = _object(data, field="order")
    if not data:
        raise OrderError("order is required.", field="order")
    channel = _object(data.get("channelInfo"), field="order.channelInfo")
    channel_type = _enum(
        channel.get("type"), ChannelType, field="order.channelInfo.type", default=ChannelType.WEB
    )
    payment_status = data.get("paymentStatus")
    if payment_status == "UNSPECIFIED_PAYMENT_STATUS":
        payment_status = None
    payment_status = _enum(
        payment_status, PaymentStatus, field="order.paymentStatus", default=PaymentStatus.NOT_PAID
    )
    lines = _line_items_clean(data.get("lineItems"))
    billing = dict(_object(data.get("billingInfo"), field="order.billingInfo"))
    if "address" in billing:
        billing_address = address_clean(billing.pop("address"), field="order.billingInfo.address")
    elif channel_type == ChannelType.POS:
        billing_address = {}
    else:
        raise OrderError(
            "billingInfo.address is required unless channelInfo.type is POS.",
            field="order.billingInfo.address",
        )
    for key in ("paymentMethod", "paymentProviderTransactionId"):
        if billing.get(key) is not None and payment_status != PaymentStatus.PAID:
            raise OrderError(
                f"billingInfo.{key} can only be given when paymentStatus is PAID.",
                field=f"order.billingInfo.{key}",
            )
    payment = {}
    for key in (
        "paymentMethod",
        "externalTransactionId",
        "paymentProviderTransactionId",
        "paymentGatewayTransactionId",
    ):
        if billing.get(key) is not None:
            if not isinstance(billing[key], str) or len(billing[key]) > 200:
                raise OrderError(
                    f"billingInfo.{key} must be a string.", field=f"order.billingInfo.{key}"
                )
            payment[key] = billing[key]
    shipping = dict(_object(data.get("shippingInfo"), field="order.shippingInfo"))
    details = _object(shipping.get("shipmentDetails"), field="order.shippingInfo.shipmentDetails")
    pickup = shipping.get("pickupDetails")
    all_digital = all(line["lineItemType"] == LineItemType.DIGITAL for line in lines)
    if details.get("address") is not None:
        details = {
            **details,
            "address": address_clean(
                details["address"], field="order.shippingInfo.shipmentDetails.address"
            ),
        }
        shipping["shipmentDetails"] = details
    elif not (pickup or channel_type == ChannelType.POS or all_digital):
        raise OrderError(
            "shippingInfo.shipmentDetails.address is required unless pickupDetails are given, "
            "channelInfo.type is POS or every line item is DIGITAL.",
            field="order.shippingInfo.shipmentDetails.address",
        )
    if pickup is not None:
        _object(pickup, field="order.shippingInfo.pickupDetails")
    buyer = _object(data.get("buyerInfo"), field="order.buyerInfo")
    for key in ("firstName", "lastName", "phone", "email"):
        if buyer.get(key) is not None and not isinstance(buyer[key], str):
            raise OrderError(f"buyerInfo.{key} must be a string.", field=f"order.buyerInfo.{key}")
    totals_in = _object(data.get("totals"), field="order.totals")
    subtotal = sum((Decimal(line["totalPrice"]) for line in lines), Decimal("0"))
    totals_out = {"quantity": sum(line["quantity"] for line in lines)}
    for key in ("subtotal", "shipping", "tax", "discount", "total", "weight"):
        totals_out[key] = _money_text(totals_in.get(key), field=f"order.totals.{key}")
    totals_out["subtotal"] = totals_out["subtotal"] or str(subtotal)
    totals_out["total"] = totals_out["total"] or totals_out["subtotal"]
    currency = data.get("currency") or "USD"
    if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
        raise OrderError("currency must be an ISO-4217 code such as USD.", field="order.currency")
    weight_unit = _enum(
        data.get("weightUnit"), WeightUnit, field="order.weightUnit", default=WeightUnit.KG
    )
    buyer_note = data.get("buyerNote") or ""
    if not isinstance(buyer_note, str) or len(buyer_note) > 5000:
        raise OrderError("buyerNote must be a string.", field="order.buyerNote")
    external_id = channel.get("externalOrderId") or ""
    if not isinstance(external_id, str) or len(external_id) > 200:
        raise OrderError(
            "channelInfo.externalOrderId must be a string.",
            field="order.channelInfo.externalOrderId",
        )
    email = buyer.get("email") or billing_address.get("email") or ""
    full = billing_address.pop("fullName", {}) if billing_address else {}
    billing_out = {**payment, "address": {"fullName": full, **billing_address}}
    now = timezone.now()
    paid = payment_status == PaymentStatus.PAID
    if paid:
        billing_out["paidDate"] = iso(now)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [ORDER_NUMBER_SEQUENCE])
            number = cursor.fetchone()[0]
        document = {
            "id": str(uuid.uuid4()),
            "number": number,
            "dateCreated": iso(now),
            "lastUpdated": iso(now),
            "buyerInfo": {
                "identityType": "CONTACT",
                "firstName": buyer.get("firstName") or full.get("firstName", ""),
                "lastName": buyer.get("lastName") or full.get("lastName", ""),
                "phone": buyer.get("phone") or "",
                "email": email,
            },
            "currency": currency.upper(),
            "weightUnit": weight_unit,
            "totals": {key: value for key, value in totals_out.items() if value is not None},
            "billingInfo": billing_out,
            "shippingInfo": shipping,
            "buyerNote": buyer_note,
            "paymentStatus": payment_status,
            "lineItems": [{k: v for k, v in line.items() if v is not None} for line in lines],
            "channelInfo": {"type": channel_type, "externalOrderId": external_id},
        }
        order = order_from_spec(document)
        has_shippable = any(line["lineItemType"] == LineItemType.PHYSICAL for line in lines)
        order.fulfillment_status = (
            FulfillmentStatus.NOT_FULFILLED if has_shippable else FulfillmentStatus.FULFILLED
        )
        order_touch(order=order, fields=["fulfillment_status"])
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
