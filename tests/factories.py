"""Small factories for tests: real rows in the real database."""

from __future__ import annotations

import itertools
import uuid
from decimal import Decimal

from orders.models import Activity, ActivityType, LineItem, LineItemType, Order

_counter = itertools.count(1)


def make_order(
    *,
    lines: list[dict] | int = 2,
    first_name: str = "Ada",
    last_name: str = "Lovelace",
    **fields,
) -> Order:
    """An order with line items; `lines` is a count or a list of LineItem field dicts."""
    n = next(_counter)
    fields.setdefault("buyer_email", f"buyer{n}@example.com")
    fields.setdefault("buyer_first_name", first_name)
    fields.setdefault("buyer_last_name", last_name)
    fields.setdefault("buyer_id", uuid.uuid4())
    fields.setdefault(
        "shipping_info",
        {
            "deliveryOption": "Standard",
            "shipmentDetails": {
                "address": {
                    "fullName": {"firstName": first_name, "lastName": last_name},
                    "country": "US",
                    "city": "New York",
                    "addressLine1": "1 Main Street",
                    "email": fields["buyer_email"],
                }
            },
        },
    )
    order = Order.objects.create(
        billing_first_name=first_name,
        billing_last_name=last_name,
        billing_address={"country": "US", "city": "New York", "email": fields["buyer_email"]},
        **fields,
    )
    specs = [{} for _ in range(lines)] if isinstance(lines, int) else lines
    items = []
    for index, spec in enumerate(specs, start=1):
        spec = dict(spec)
        spec.setdefault("name", f"Product {index}")
        spec.setdefault("quantity", 1)
        spec.setdefault("price", Decimal("10.00"))
        spec.setdefault("product_id", uuid.uuid4())
        spec.setdefault("line_item_type", LineItemType.PHYSICAL)
        spec.setdefault("total_price", spec["price"] * spec["quantity"])
        items.append(LineItem(order=order, index=index, **spec))
    LineItem.objects.bulk_create(items)
    order.total_quantity = sum(item.quantity for item in items)
    order.subtotal = order.total = sum((item.total_price for item in items), Decimal("0"))
    order.save(update_fields=["total_quantity", "subtotal", "total"])
    Activity.objects.create(order=order, type=ActivityType.ORDER_PLACED)
    return order
