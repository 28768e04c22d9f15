"""Stores v2 order writes: create, updateEmail, updateShippingAddress (spec examples)."""

from __future__ import annotations

import uuid

from orders.models import ActivityType, Order

STORES = "/api/stores/v2/orders"
O10124 = "4b070345-5813-49b6-b0ad-2125e5ca5b50"

CREATE_EXAMPLE = {
    "order": {
        "totals": {"subtotal": "10", "total": "10"},
        "billingInfo": {"address": {"email": "Ivanushka@example.com"}},
        "shippingInfo": {"shipmentDetails": {"address": {"email": "Ivanushka@example.com"}}},
        "paymentStatus": "PAID",
        "lineItems": [{"quantity": 1, "name": "my product", "priceData": {"price": "10"}}],
        "channelInfo": {"type": "WEB"},
    }
}


def test_create_order_spec_example(owner_api):
    response = owner_api.post(STORES, CREATE_EXAMPLE)
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    assert order["number"] >= 10001
    assert order["paymentStatus"] == "PAID"
    assert order["totals"]["subtotal"] == "10.00"
    assert order["billingInfo"]["address"]["email"] == "Ivanushka@example.com"
    assert order["lineItems"][0]["name"] == "my product"
    assert order["lineItems"][0]["price"] == "10.00"
    assert order["channelInfo"] == {"type": "WEB"}
    assert order["activities"][0]["type"] == "ORDER_PLACED"
    assert Order.objects.get(pk=order["id"]).activities.first().actor.username == "owner"


def test_create_order_validation_notes(owner_api):
    body = {"order": {**CREATE_EXAMPLE["order"], "billingInfo": {}}}
    response = owner_api.post(STORES, body)
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "order.billingInfo.address"
    body = {"order": {**CREATE_EXAMPLE["order"], "shippingInfo": {}}}
    response = owner_api.post(STORES, body)
    assert response.status_code == 400
    assert "shipmentDetails.address" in response.json()["message"]
    body = {
        "order": {
            **CREATE_EXAMPLE["order"],
            "paymentStatus": "NOT_PAID",
            "billingInfo": {"paymentMethod": "Visa", "address": {}},
        }
    }
    assert owner_api.post(STORES, body).status_code == 400
    assert owner_api.post(STORES, {"order": "x"}).status_code == 400
    assert owner_api.post(STORES, "[").status_code == 400
    assert not Order.objects.exists()


def test_create_order_needs_add_permission(packer_api, viewer_api):
    assert packer_api.post(STORES, CREATE_EXAMPLE).status_code == 403
    assert viewer_api.post(STORES, CREATE_EXAMPLE).status_code == 403


def test_update_email_spec_example(spec_orders, packer_api):
    response = packer_api.patch(
        f"{STORES}/{O10124}/updateEmail", {"orderId": O10124, "email": "JohnSmith@example.com"}
    )
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    assert order["id"] == O10124
    assert order["buyerInfo"]["email"] == "JohnSmith@example.com"
    assert order["billingInfo"]["address"]["email"] == "JohnSmith@example.com"
    assert order["activities"][-1]["type"] == ActivityType.EMAIL_EDITED
    response = packer_api.patch(f"{STORES}/{O10124}/updateEmail", {"email": "not an email"})
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "email"
    assert packer_api.patch(f"{STORES}/{O10124}/updateEmail", {"email": 5}).status_code == 400
    missing = packer_api.patch(f"{STORES}/{uuid.uuid4()}/updateEmail", {"email": "a@b.co"})
    assert missing.status_code == 404


def test_update_shipping_address_spec_example(spec_orders, packer_api, viewer_api):
    address = {
        "fullName": {"firstName": "John", "lastName": "Smith"},
        "country": "US",
        "city": "New York",
        "zipCode": "92544",
        "phone": "+972 555234555",
    }
    body = {"orderId": O10124, "shippingAddress": address}
    assert viewer_api.put(f"{STORES}/{O10124}/updateShippingAddress", body).status_code == 403
    response = packer_api.put(f"{STORES}/{O10124}/updateShippingAddress", body)
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    # As the spec's example response: the fields sent replaced, the email not sent kept.
    assert order["shippingInfo"]["shipmentDetails"]["address"] == {
        **address,
        "email": "Ivanushka@example.com",
    }
    # The loaded example order already has this address: nothing changed, nothing recorded.
    assert order["activities"][-1]["type"] != ActivityType.SHIPPING_ADDRESS_EDITED
    body["shippingAddress"] = {"city": "Boston"}
    order = packer_api.put(f"{STORES}/{O10124}/updateShippingAddress", body).json()["order"]
    assert order["shippingInfo"]["shipmentDetails"]["address"]["city"] == "Boston"
    assert order["shippingInfo"]["shipmentDetails"]["address"]["zipCode"] == "92544"
    assert order["activities"][-1]["type"] == ActivityType.SHIPPING_ADDRESS_EDITED
    response = packer_api.put(
        f"{STORES}/{O10124}/updateShippingAddress", {"shippingAddress": {"city": ["x"]}}
    )
    assert response.status_code == 400
    assert response.json()["details"]["field"] == "shippingAddress.city"
