"""The benchmarks' own orders (not the test suite's factories): made through the models and
the services, tagged so a run can find or delete what it made."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from fulfillments.models import Fulfillment, FulfillmentLineItem
from fulfillments.services import fulfillment_create
from orders.demo import order_from_spec
from orders.models import Activity, ActivityType, LineItem, LineItemType, Order


def order_make(*, quantities: list[int]) -> Order:
    """A paid-looking web order with one physical line per quantity (10.00 each)."""
    email = f"bench-{uuid.uuid4().hex[:12]}@example.com"
    address = {"country": "US", "city": "New York", "email": email}
    order = Order.objects.create(
        buyer_email=email,
        buyer_first_name="Bench",
        buyer_last_name="Mark",
        buyer_id=uuid.uuid4(),
        billing_first_name="Bench",
        billing_last_name="Mark",
        billing_address=address,
        shipping_info={
            "deliveryOption": "Standard",
            "shipmentDetails": {"address": {**address, "addressLine1": "1 Main Street"}},
        },
    )
    price = Decimal("10.00")
    items = [
        LineItem(
            order=order,
            index=index,
            name=f"Bench item {index}",
            quantity=quantity,
            price=price,
            total_price=price * quantity,
            product_id=uuid.uuid4(),
            line_item_type=LineItemType.PHYSICAL,
        )
        for index, quantity in enumerate(quantities, start=1)
    ]
    LineItem.objects.bulk_create(items)
    order.total_quantity = sum(quantities)
    order.subtotal = order.total = sum((item.total_price for item in items), Decimal("0"))
    order.save(update_fields=["total_quantity", "subtotal", "total"])
    Activity.objects.create(order=order, type=ActivityType.ORDER_PLACED)
    return order


def order_with_fulfillments(lines: int, fulfillments: int) -> Order:
    """An order of `lines` lines (5 units each) with `fulfillments` fulfillments of up to three
    lines each, written directly as rows (fast to make, same shape as the services')."""
    order = order_make(quantities=[5] * lines)
    items = list(order.line_items.all())
    for i in range(fulfillments):
        f = Fulfillment.objects.create(
            order=order, tracking_number=f"T{i}", shipping_provider="ups"
        )
        FulfillmentLineItem.objects.bulk_create(
            FulfillmentLineItem(fulfillment=f, line_item=item, quantity=1)
            for item in items[i % lines :: fulfillments][:3]
        )
    return order


def bench_order(lines: int, fulfillments: int, tag: str) -> Order:
    """An order with `lines` lines (options, SKU, image) and `fulfillments` fulfillments made
    by the service, found again by `tag` on later runs (made once per benchmark database)."""
    existing = Order.objects.filter(channel_external_order_id=tag).first()
    if existing:
        return existing
    order = order_from_spec(
        {
            "id": str(uuid.uuid4()),
            "number": None,
            "dateCreated": datetime.now(UTC).isoformat(),
            "billingInfo": {"address": {"fullName": {"firstName": "Bench", "lastName": "Mark"}}},
            "channelInfo": {"type": "WEB", "externalOrderId": tag},
            "paymentStatus": "PAID",
            "lineItems": [
                {
                    "index": i,
                    "quantity": 10 if i <= fulfillments else 1,
                    "name": f"Bench item {i}",
                    "price": "1.00",
                    "totalPrice": "1.00",
                    "lineItemType": "PHYSICAL",
                    "options": [{"option": "Size", "selection": "M"}],
                    "sku": f"BENCH-{i}",
                    "mediaItem": {"mediaType": "IMAGE", "url": "/static/products/p01.svg"},
                }
                for i in range(1, lines + 1)
            ],
        }
    )
    for n in range(fulfillments):
        fulfillment_create(
            order=order,
            lines=[(n + 1, 1)],
            tracking={"shippingProvider": "ups", "trackingNumber": f"1Z{n:06d}"},
            actor=None,
        )
    return order
