"""Orders as JSON in the Stores Orders v2 shape (camelCase, money as strings).

`order_to_dict` expects the order fetched with `selectors.order_detail_queryset()` (or, for
JSON only, `selectors.order_json_queryset()`) so that line items, activities, fulfillments and
refunds come prefetched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders.models import SPEC_ACTIVITY_TYPES, Order, json_object
from orders.selectors import ROWS_SUFFIX


def related(instance, name: str) -> list:
    """`instance`'s rows of relation `name`: the list order_json_queryset() kept, else the
    prefetched `.all()`."""
    rows = instance.__dict__.get(name + ROWS_SUFFIX)
    return rows if rows is not None else list(getattr(instance, name).all())


def iso(value: datetime | None) -> str | None:
    """ISO-8601 in UTC with milliseconds and a Z, as the spec writes dates."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def money(value: Decimal | None) -> str | None:
    """A decimal as the spec writes it ("10.00", "1000"): never in exponent form."""
    return None if value is None else format(value, "f")


def weight(value: Decimal | None) -> str | None:
    """A weight as the spec shows them ("30", "1.5", "0.5"): trailing zeros dropped, never
    in exponent form ("3E+1")."""
    return None if value is None else money(value.normalize())


def uuid_str(value) -> str | None:
    return None if value is None else str(value)


def drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in data.items() if value is not None}


def full_name(first: str, last: str) -> dict[str, str]:
    return {"firstName": first, "lastName": last}


def buyer_info(order: Order) -> dict[str, Any]:
    """The buyer; a name, phone or email the order does not have is left out, not "" (the
    columns keep "" for none)."""
    return drop_none(
        {
            "id": uuid_str(order.buyer_id),
            "type": order.buyer_identity_type,
            "identityType": order.buyer_identity_type,
            "firstName": order.buyer_first_name or None,
            "lastName": order.buyer_last_name or None,
            "phone": order.buyer_phone or None,
            "email": order.buyer_email or None,
            "contactId": uuid_str(order.buyer_id)
            if order.buyer_identity_type == "CONTACT"
            else None,
        }
    )


def billing_info(order: Order) -> dict[str, Any]:
    """Payment fields and the address; the address has a fullName only when the order has a
    billing name (the create example's answer shows an address of an email alone)."""
    info = dict(json_object(order.billing_payment))
    address: dict[str, Any] = {}
    if order.billing_first_name or order.billing_last_name:
        address["fullName"] = full_name(order.billing_first_name, order.billing_last_name)
    address.update(order.billing_address_fields)
    info["address"] = address
    if order.paid_date:
        info["paidDate"] = iso(order.paid_date)
    return info


def totals(order: Order) -> dict[str, Any]:
    return {
        "subtotal": money(order.subtotal),
        "shipping": money(order.shipping_total),
        "tax": money(order.tax_total),
        "discount": money(order.discount_total),
        "total": money(order.total),
        "weight": weight(order.total_weight or Decimal("0")),
        "quantity": order.total_quantity,
    }


def line_item_to_dict(item) -> dict[str, Any]:
    return drop_none(
        {
            "index": item.index,
            "quantity": item.quantity,
            "price": money(item.price),
            "name": item.name,
            "translatedName": item.translated_name or item.name,
            "productId": uuid_str(item.product_id),
            "totalPrice": money(item.total_price),
            "lineItemType": item.line_item_type,
            "options": item.options or [],
            "customTextFields": item.custom_text_fields or [],
            "weight": weight(item.weight),
            "mediaItem": item.media_item,
            "sku": item.sku or None,
            "variantId": uuid_str(item.variant_id),
            "fulfillerId": uuid_str(item.fulfiller_id),
            "discount": money(item.discount),
            "tax": money(item.tax),
            "taxIncludedInPrice": item.tax_included_in_price,
            "taxGroupId": uuid_str(item.tax_group_id),
            "priceData": {
                "taxIncludedInPrice": item.tax_included_in_price,
                "price": money(item.price),
                "totalPrice": money(item.total_price),
            },
            "refundedQuantity": item.refunded_quantity,
            # Not part of the Stores shape, but the eCommerce API names line items by it.
            "id": str(item.line_id),
        }
    )


def tracking_info(fulfillment) -> dict[str, str]:
    return {
        key: value
        for key, value in (
            ("trackingNumber", fulfillment.tracking_number),
            ("shippingProvider", fulfillment.shipping_provider),
            ("trackingLink", fulfillment.tracking_link),
        )
        if value
    }


def fulfillment_to_dict(fulfillment, index_by_line_id: dict) -> dict[str, Any]:
    """A fulfillment in the Stores shape: line items named by their index."""
    return {
        "id": str(fulfillment.id),
        "dateCreated": iso(fulfillment.date_created),
        "lineItems": [
            {"index": index_by_line_id[line.line_item_id], "quantity": line.quantity}
            for line in related(fulfillment, "lines")
        ],
        "trackingInfo": tracking_info(fulfillment),
    }


def shipping_info(order: Order, fulfillments: list) -> dict[str, Any]:
    info = dict(order.shipping)
    details = info.get("shipmentDetails")
    # The Stores shape mirrors the latest tracked fulfillment in shipmentDetails.trackingInfo,
    # with the carrier in upper case as the spec shows it ("FEDEX"); the fulfillments' own
    # trackingInfo keep the case they were given.
    tracked = [f for f in fulfillments if f.tracking_number]
    if isinstance(details, dict):
        details = dict(details)
        details.pop("trackingInfo", None)
        if tracked:
            mirror = tracking_info(tracked[-1])
            if "shippingProvider" in mirror:
                mirror["shippingProvider"] = mirror["shippingProvider"].upper()
            details["trackingInfo"] = mirror
        info["shipmentDetails"] = details
    return info


def order_to_dict(order: Order) -> dict[str, Any]:
    line_items = related(order, "line_items")
    index_by_line_id = {item.id: item.index for item in line_items}
    fulfillments = related(order, "fulfillments")
    discount = None
    if order.discount_value is not None or order.applied_coupon:
        discount = drop_none(
            {"value": money(order.discount_value), "appliedCoupon": order.applied_coupon}
        )
    channel = {"type": order.channel_type}
    if order.channel_external_order_id:
        channel["externalOrderId"] = order.channel_external_order_id
    entered_by = None
    if order.entered_by_id:
        entered_by = {
            "id": str(order.entered_by_id),
            "identityType": order.entered_by_identity_type,
        }
    return drop_none(
        {
            "id": str(order.id),
            "number": order.number,
            "dateCreated": iso(order.date_created),
            "buyerInfo": buyer_info(order),
            "currency": order.currency,
            "weightUnit": order.weight_unit,
            "totals": totals(order),
            "billingInfo": billing_info(order),
            "shippingInfo": shipping_info(order, fulfillments),
            "buyerNote": order.buyer_note or None,
            "read": order.read,
            "archived": order.archived,
            "paymentStatus": order.payment_status,
            "fulfillmentStatus": order.fulfillment_status,
            "lineItems": [line_item_to_dict(item) for item in line_items],
            "activities": [
                {"type": activity.type, "timestamp": iso(activity.timestamp)}
                for activity in related(order, "activities")
                if activity.type in SPEC_ACTIVITY_TYPES
            ],
            "invoiceInfo": order.invoice_info,
            "fulfillments": [fulfillment_to_dict(f, index_by_line_id) for f in fulfillments],
            "discount": discount,
            "customField": order.custom_field,
            "cartId": uuid_str(order.cart_id),
            "buyerLanguage": order.buyer_language or None,
            "channelInfo": channel,
            "enteredBy": entered_by,
            "lastUpdated": iso(order.last_updated),
            "subscriptionInfo": order.subscription_info,
            "numericId": str(order.number),
            "refunds": [
                drop_none(
                    {
                        "id": str(refund.id),
                        "dateCreated": iso(refund.date_created),
                        "amount": money(refund.amount),
                        "reason": refund.reason or None,
                        "paymentProviderTransactionId": refund.payment_provider_transaction_id
                        or None,
                        "externalRefund": refund.external_refund,
                    }
                )
                for refund in related(order, "refunds")
            ],
            "checkoutId": uuid_str(order.checkout_id),
            "isInternalOrderCreate": False,
        }
    )
