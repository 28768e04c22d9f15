"""Orders whose stored addresses are not objects (saved by hand before the admin validated
them) still read, serialize and take changes; the admin refuses to store such values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fulfillments.models import Fulfillment
from orders.models import Order
from orders.services import order_refund

STORES = "/api/stores/v2/orders"
BAD_VALUES = ["just a string", [1], 42]


def spoil(order: Order, value) -> None:
    Order.objects.filter(pk=order.pk).update(shipping_info=value, billing_address=value)


@pytest.mark.parametrize("value", BAD_VALUES)
def test_api_reads_and_writes_orders_with_bad_addresses(value, order_factory, packer_api):
    order = order_factory()
    spoil(order, value)
    got = packer_api.get(f"{STORES}/{order.pk}")
    assert got.status_code == 200, got.content
    assert got.json()["order"]["shippingInfo"] == {}
    assert got.json()["order"]["billingInfo"]["address"]["fullName"]["firstName"] == "Ada"
    query = packer_api.post(f"{STORES}/query", {"query": {}})
    assert query.status_code == 200
    email = packer_api.patch(f"{STORES}/{order.pk}/updateEmail", {"email": "new@example.com"})
    assert email.status_code == 200, email.content
    assert email.json()["order"]["buyerInfo"]["email"] == "new@example.com"
    address = packer_api.put(
        f"{STORES}/{order.pk}/updateShippingAddress",
        {"shippingAddress": {"city": "Oslo", "country": "NO"}},
    )
    assert address.status_code == 200, address.content
    assert address.json()["order"]["shippingInfo"]["shipmentDetails"]["address"]["city"] == "Oslo"


@pytest.mark.parametrize("value", BAD_VALUES)
def test_fulfillment_create_and_pages_with_bad_addresses(
    value, order_factory, packer_api, packer_client
):
    order = order_factory()
    spoil(order, value)
    created = packer_api.post(
        f"{STORES}/{order.pk}/fulfillments", {"fulfillment": {"lineItems": [{"index": 1}]}}
    )
    assert created.status_code == 200, created.content
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert packer_client.get(f"/orders/{order.number}/").status_code == 200
    assert packer_client.get(f"/orders/{order.number}/shipping-address/").status_code == 200
    assert packer_client.get("/orders/").status_code == 200


def test_refund_of_order_with_bad_addresses(order_factory, owner):
    order = order_factory(payment_status="PAID")
    spoil(order, "just a string")
    order_refund(order=order, amount=Decimal("5"), actor=owner)
    order.refresh_from_db()
    assert order.payment_status == "PARTIALLY_REFUNDED"


def admin_form_data(client, order) -> dict:
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form.initial.get(name, "") for name in form.fields}
    data["billing_address"] = '{"country": "US", "city": "Boston"}'
    data["shipping_info"] = '{"shipmentDetails": {"address": {"city": "Boston"}}}'
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        # As a browser sends them: each inline row's hidden id and order.
        for position, row in enumerate(formset.forms):
            data[f"{formset.prefix}-{position}-{row._meta.model._meta.pk.name}"] = row.instance.pk
            data[f"{formset.prefix}-{position}-order"] = order.pk
    return data


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("shipping_info", '"just a string"', "shipping_info must be an object."),
        ("shipping_info", "[1]", "shipping_info must be an object."),
        ("shipping_info", "42", "shipping_info must be an object."),
        (
            "shipping_info",
            '{"shipmentDetails": {"address": {"city": 7}}}',
            "shipping_info.shipmentDetails.address.city must be a string",
        ),
        ("billing_address", '"just a string"', "billing_address must be an object."),
        ("billing_address", "[1]", "billing_address must be an object."),
        ("billing_address", '{"planet": "Mars"}', "billing_address.planet is not an address"),
    ],
)
def test_admin_refuses_malformed_addresses(field, value, message, support_client, order_factory):
    order = order_factory()
    before = Order.objects.get(pk=order.pk)
    data = admin_form_data(support_client, order)
    data[field] = value
    response = support_client.post(f"/admin/orders/order/{order.pk}/change/", data)
    assert response.status_code == 200  # the form again, with the error
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    after = Order.objects.get(pk=order.pk)
    assert (after.shipping_info, after.billing_address, after.last_updated) == (
        before.shipping_info,
        before.billing_address,
        before.last_updated,
    )


def test_admin_accepts_valid_addresses(support_client, order_factory):
    order = order_factory()
    data = admin_form_data(support_client, order)
    response = support_client.post(f"/admin/orders/order/{order.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.shipping_info == {"shipmentDetails": {"address": {"city": "Boston"}}}
    assert order.billing_address == {"country": "US", "city": "Boston"}
