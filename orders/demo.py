"""Demo data: the orders that the spec documents show, with their exact values.

`orders/demo_data/spec_orders.json` holds #10012, #10096, #10108 and #10124 in the Stores v2
shape, taken from ../shared/spec/stores-orders-api.txt (#10096, which the spec shows only in part,
is rebuilt from what it shows, before any fulfillment). The eCommerce document's orders
(e613320a..., a6c3a817..., ed4595fc...) are not shown in full there; they get three plausible line
items with the ids its examples use.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import connection, transaction

from fulfillments.models import Fulfillment, FulfillmentLineItem
from orders.models import (
    ORDER_NUMBER_SEQUENCE,
    Activity,
    FulfillmentStatus,
    LineItem,
    Order,
    PaymentStatus,
)

SPEC_ORDERS_FILE = Path(__file__).parent / "demo_data" / "spec_orders.json"

# The eCommerce Order Fulfillments examples: order id -> (number, buyer first/last name).
ECOM_EXAMPLE_ORDERS = {
    "e613320a-8e8f-4f8f-9d87-b5edc9f99788": (10013, "Eric", "Ben"),
    "a6c3a817-579d-4cb5-8521-2fe53b2c4bf1": (10014, "Maya", "Cohen"),
    "ed4595fc-4e3d-4ba6-8583-e9e92b97ec8a": (10015, "Tom", "Jones"),
}
ECOM_EXAMPLE_LINES = [
    ("Shoe", "85.00", "df19c1f7-07d8-a265-42f8-e8dfa824cc6e"),
    ("Watch", "35.00", "1a2d7e83-4bef-31d5-09e1-3326ee271c09"),
    ("Shirt", "10.00", "c8539b66-7a44-fe18-affc-afec4be8562a"),
]


def parse_date(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def dec(value: Any, default: str = "0") -> Decimal:
    return Decimal(str(value if value not in (None, "") else default))


def order_from_spec(data: dict[str, Any]) -> Order:
    """Create an order, its line items, activities and fulfillments from Stores v2 JSON."""
    buyer = data.get("buyerInfo", {})
    billing = dict(data.get("billingInfo", {}))
    address = dict(billing.pop("address", {}))
    name = address.pop("fullName", {})
    paid = billing.pop("paidDate", None)
    paid_date = parse_date(paid) if paid else None
    totals = data.get("totals", {})
    discount = data.get("discount") or {}
    channel = data.get("channelInfo", {})
    entered_by = data.get("enteredBy") or {}
    shipping_info = dict(data.get("shippingInfo", {}))
    if "shipmentDetails" in shipping_info:
        # Tracking lives on fulfillments; the serializer mirrors the latest one here.
        details = dict(shipping_info["shipmentDetails"])
        details.pop("trackingInfo", None)
        shipping_info["shipmentDetails"] = details
    # Without a number the column's default takes the next one from the sequence.
    extra = {"number": data["number"]} if data.get("number") is not None else {}
    order = Order.objects.create(
        **extra,
        id=uuid.UUID(data["id"]),
        date_created=parse_date(data["dateCreated"]),
        last_updated=parse_date(data.get("lastUpdated") or data["dateCreated"]),
        buyer_id=buyer.get("id"),
        buyer_identity_type=buyer.get("identityType", "CONTACT"),
        buyer_first_name=buyer.get("firstName", ""),
        buyer_last_name=buyer.get("lastName", ""),
        buyer_phone=buyer.get("phone", ""),
        buyer_email=buyer.get("email", ""),
        currency=data.get("currency", "USD"),
        weight_unit=data.get("weightUnit", "KG"),
        subtotal=dec(totals.get("subtotal")),
        shipping_total=dec(totals.get("shipping")),
        tax_total=dec(totals.get("tax")),
        discount_total=dec(totals.get("discount")),
        total=dec(totals.get("total")),
        total_weight=dec(totals.get("weight")),
        total_quantity=totals.get("quantity", 0),
        billing_first_name=name.get("firstName", ""),
        billing_last_name=name.get("lastName", ""),
        billing_address=address,
        billing_payment=billing,
        paid_date=paid_date,
        shipping_info=shipping_info,
        buyer_note=data.get("buyerNote", ""),
        read=data.get("read", False),
        archived=data.get("archived", False),
        payment_status=data.get("paymentStatus", PaymentStatus.NOT_PAID),
        fulfillment_status=data.get("fulfillmentStatus", FulfillmentStatus.NOT_FULFILLED),
        discount_value=dec(discount["value"]) if "value" in discount else None,
        applied_coupon=discount.get("appliedCoupon"),
        channel_type=channel.get("type", "WEB"),
        channel_external_order_id=channel.get("externalOrderId", ""),
        entered_by_id=entered_by.get("id"),
        entered_by_identity_type=entered_by.get("identityType", ""),
        cart_id=data.get("cartId"),
        checkout_id=data.get("checkoutId"),
        buyer_language=data.get("buyerLanguage", ""),
        invoice_info=data.get("invoiceInfo"),
    )
    lines = {}
    for item in data.get("lineItems", []):
        line = LineItem(
            order=order,
            index=item["index"],
            quantity=item["quantity"],
            name=item["name"],
            translated_name=item.get("translatedName", ""),
            product_id=item.get("productId"),
            variant_id=item.get("variantId"),
            sku=item.get("sku", ""),
            line_item_type=item.get("lineItemType", "PHYSICAL"),
            price=dec(item.get("price")),
            total_price=dec(item.get("totalPrice")),
            tax=dec(item.get("tax")),
            discount=dec(item.get("discount")),
            tax_included_in_price=item.get("taxIncludedInPrice", False),
            weight=dec(item["weight"]) if "weight" in item else None,
            options=item.get("options", []),
            custom_text_fields=item.get("customTextFields", []),
            media_item=item.get("mediaItem"),
            fulfiller_id=item.get("fulfillerId"),
            tax_group_id=item.get("taxGroupId"),
            refunded_quantity=item.get("refundedQuantity", 0),
        )
        if item.get("id"):
            line.line_id = uuid.UUID(item["id"])
        lines[item["index"]] = line
    LineItem.objects.bulk_create(lines.values())
    Activity.objects.bulk_create(
        Activity(order=order, type=activity["type"], timestamp=parse_date(activity["timestamp"]))
        for activity in data.get("activities", [])
    )
    for spec in data.get("fulfillments", []):
        tracking = spec.get("trackingInfo", {})
        fulfillment = Fulfillment.objects.create(
            id=uuid.UUID(spec["id"]),
            order=order,
            date_created=parse_date(spec["dateCreated"]),
            tracking_number=tracking.get("trackingNumber", ""),
            shipping_provider=tracking.get("shippingProvider", ""),
            tracking_link=tracking.get("trackingLink", ""),
        )
        FulfillmentLineItem.objects.bulk_create(
            FulfillmentLineItem(
                fulfillment=fulfillment, line_item=lines[line["index"]], quantity=line["quantity"]
            )
            for line in spec["lineItems"]
        )
    return order


def ecom_example_order(order_id: str, number: int, first: str, last: str) -> dict[str, Any]:
    """A spec-shaped order for one of the eCommerce examples, nothing fulfilled yet."""
    email = f"{first.lower()}.{last.lower()}@example.com"
    address = {
        "fullName": {"firstName": first, "lastName": last},
        "country": "US",
        "city": "New York",
        "zipCode": "10011",
        "addressLine1": "235 West 23rd Street",
        "email": email,
    }
    subtotal = sum(Decimal(price) for _, price, _ in ECOM_EXAMPLE_LINES)
    return {
        "id": order_id,
        "number": number,
        "dateCreated": "2023-03-07T10:00:00.000Z",
        "buyerInfo": {
            "identityType": "CONTACT",
            "firstName": first,
            "lastName": last,
            "email": email,
        },
        "totals": {"subtotal": str(subtotal), "total": str(subtotal), "quantity": 3},
        "billingInfo": {
            "paymentMethod": "Stripe",
            "address": address,
            "paidDate": "2023-03-07T10:01:00.000Z",
        },
        "shippingInfo": {
            "deliveryOption": "Standard US Shipping",
            "shipmentDetails": {"address": address},
        },
        "paymentStatus": "PAID",
        "fulfillmentStatus": "NOT_FULFILLED",
        "lineItems": [
            {
                "index": index,
                "id": f"00000000-0000-0000-0000-{index:012d}",
                "quantity": 1,
                "name": name,
                "price": price,
                "totalPrice": price,
                "productId": product_id,
                "lineItemType": "PHYSICAL",
            }
            for index, (name, price, product_id) in enumerate(ECOM_EXAMPLE_LINES, start=1)
        ],
        "activities": [
            {"type": "ORDER_PLACED", "timestamp": "2023-03-07T10:00:00.000Z"},
            {"type": "ORDER_PAID", "timestamp": "2023-03-07T10:01:00.000Z"},
        ],
        "channelInfo": {"type": "WEB"},
    }


def spec_order_documents() -> list[dict[str, Any]]:
    documents = json.loads(SPEC_ORDERS_FILE.read_text())
    documents += [
        ecom_example_order(order_id, number, first, last)
        for order_id, (number, first, last) in ECOM_EXAMPLE_ORDERS.items()
    ]
    return documents


@transaction.atomic
def load_spec_orders() -> dict[int, Order]:
    """Create the spec's orders unless they exist; return them by number. Idempotent."""
    documents = spec_order_documents()
    existing = {
        o.number: o for o in Order.objects.filter(number__in=[d["number"] for d in documents])
    }
    for document in documents:
        if document["number"] not in existing:
            existing[document["number"]] = order_from_spec(document)
    with connection.cursor() as cursor:
        # Explicit numbers must not be handed out again by the sequence.
        cursor.execute(
            f"SELECT setval('{ORDER_NUMBER_SEQUENCE}', "
            "GREATEST((SELECT max(number) FROM orders_order), "
            f"(SELECT last_value FROM {ORDER_NUMBER_SEQUENCE})))"
        )
    return existing
