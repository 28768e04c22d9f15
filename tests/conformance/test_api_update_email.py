"""updateEmail as the Stores document states it: "Updates the email address of a specified
order's billing info. If shipping was selected as the delivery method, shipping info email will
also be updated." A pickup order has no shipment address to update, and gets none."""

from __future__ import annotations

from orders.models import Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
PICKUP = {"deliveryOption": "Pickup", "pickupDetails": {"pickupInstructions": "Counter 2"}}


def test_a_shipping_orders_billing_and_shipping_emails_change(packer_api):
    order = make_order(lines=1)
    response = packer_api.patch(f"{STORES}/{order.id}/updateEmail", {"email": "new@example.com"})
    assert response.status_code == 200, response.content
    shown = response.json()["order"]
    assert shown["billingInfo"]["address"]["email"] == "new@example.com"
    assert shown["shippingInfo"]["shipmentDetails"]["address"]["email"] == "new@example.com"
    assert shown["activities"][-1]["type"] == "EMAIL_EDITED"
    assert packer_api.get(f"{STORES}/{order.id}").json()["order"] == shown


def test_a_pickup_orders_billing_email_changes_and_no_shipment_appears(packer_api):
    order = make_order(lines=1, shipping_info=PICKUP)
    response = packer_api.patch(f"{STORES}/{order.id}/updateEmail", {"email": "new@example.com"})
    assert response.status_code == 200, response.content
    shown = response.json()["order"]
    assert shown["billingInfo"]["address"]["email"] == "new@example.com"
    assert shown["shippingInfo"] == PICKUP
    assert Order.objects.get(pk=order.pk).shipping_info == PICKUP
