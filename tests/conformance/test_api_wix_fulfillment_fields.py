"""status, completed and customInfo: Wix's newer SDK types a fulfillment with them, the Order
Fulfillments document does not define them and Packdesk keeps no such state. Absent or null
("not set") they are taken; a value is a 400 naming the field, nothing written (never stored
nowhere while the client believes it saved)."""

from __future__ import annotations

import pytest

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import Order
from tests.factories import make_order

ECOM = "/api/ecom/v1/fulfillments"
VALUES = {"status": "Pending", "completed": True, "customInfo": {"fieldsData": {"bin": "A4"}}}


def line_of(order, index=1) -> str:
    return str(order.line_items.get(index=index).line_id)


def test_null_wix_fields_are_not_set_and_taken(packer_api):
    order = make_order(lines=2)
    nulls = dict.fromkeys(VALUES)
    response = packer_api.post(
        f"{ECOM}/orders/{order.pk}/create-fulfillment",
        {"fulfillment": {"lineItems": [{"id": line_of(order)}], **nulls}},
    )
    assert response.status_code == 200, response.content
    made = response.json()["fulfillmentId"]
    response = packer_api.patch(
        f"{ECOM}/{made}/orders/{order.pk}",
        {"fulfillment": {"trackingInfo": {"trackingNumber": "77"}, **nulls}},
    )
    assert response.status_code == 200, response.content
    assert Fulfillment.objects.get(pk=made).tracking_number == "77"
    response = packer_api.post(
        f"{ECOM}/orders/bulk/create-fulfillments",
        {
            "ordersWithFulfillments": [
                {
                    "orderId": str(order.pk),
                    "fulfillments": [{"lineItems": [{"id": line_of(order, 2)}], **nulls}],
                }
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert response.json()["bulkActionMetadata"]["totalSuccesses"] == 1


@pytest.mark.parametrize("field", list(VALUES))
def test_a_wix_field_with_a_value_is_a_400_naming_it_and_writes_nothing(packer_api, packer, field):
    order = make_order(lines=2)
    kept = fulfillment_create(order=order, lines=[(2, 1)], actor=packer)
    before = Order.objects.get(pk=order.pk).last_updated
    value = {field: VALUES[field]}
    calls = [
        (
            "post",
            f"{ECOM}/orders/{order.pk}/create-fulfillment",
            {"fulfillment": {"lineItems": [{"id": line_of(order)}], **value}},
            f"fulfillment.{field}",
        ),
        (
            "patch",
            f"{ECOM}/{kept.pk}/orders/{order.pk}",
            {"fulfillment": {"trackingInfo": {"trackingNumber": "9"}, **value}},
            f"fulfillment.{field}",
        ),
        (
            "post",
            f"{ECOM}/orders/bulk/create-fulfillments",
            {
                "ordersWithFulfillments": [
                    {
                        "orderId": str(order.pk),
                        "fulfillments": [{"lineItems": [{"id": line_of(order)}], **value}],
                    }
                ]
            },
            f"ordersWithFulfillments[0].fulfillments[0].{field}",
        ),
    ]
    for method, path, body, named in calls:
        response = getattr(packer_api, method)(path, body)
        assert response.status_code == 400, response.content
        error = response.json()
        assert error["details"]["field"] == named
        assert "does not keep" in error["message"] and field in error["message"]
    assert list(Fulfillment.objects.filter(order=order)) == [kept]
    assert Fulfillment.objects.get(pk=kept.pk).tracking_number == ""
    assert Order.objects.get(pk=order.pk).last_updated == before
