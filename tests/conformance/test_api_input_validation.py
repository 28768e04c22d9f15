"""Issue 11 point 4: bad input at the API boundary is a 400 naming the field, nothing written.

NUL characters, values longer than their columns or larger than their numeric fields, emails,
unknown keys, strings where whole numbers belong, currencies and media URLs.
"""

from __future__ import annotations

import copy
import json

import pytest

from fulfillments.models import Fulfillment
from orders.models import Activity, Order
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"
NUL = "a\u0000b"

CREATE = {
    "order": {
        "billingInfo": {"address": {"email": "buyer@example.com"}},
        "shippingInfo": {"shipmentDetails": {"address": {"email": "buyer@example.com"}}},
        "paymentStatus": "PAID",
        "lineItems": [{"quantity": 1, "name": "Thing", "priceData": {"price": "10"}}],
    }
}


SHIP_PRICE = "order.shippingInfo.shipmentDetails.priceData"


def test_create_order_keeps_the_shipping_price_data_of_the_spec(owner_api):
    sent = {"taxIncludedInPrice": False, "price": "3"}
    response = owner_api.post(STORES, create_with("shippingInfo.shipmentDetails.priceData", sent))
    assert response.status_code == 200, response.content
    details = response.json()["order"]["shippingInfo"]["shipmentDetails"]
    assert details["priceData"] == sent
    as_number = create_with("shippingInfo.shipmentDetails.priceData", {"price": 3})
    response = owner_api.post(STORES, as_number)
    assert response.json()["order"]["shippingInfo"]["shipmentDetails"]["priceData"] == {
        "price": "3"
    }


def test_street_and_vat_id_round_trip(owner_api, packer_api):
    street = {"number": "525", "name": "5th Avenue", "apt": "3"}
    vat = {"id": "123.456.789-00", "type": "CPF"}
    body = create_with("billingInfo.address.street", street)
    body["order"]["billingInfo"]["address"]["vatId"] = vat
    response = owner_api.post(STORES, body)
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    assert order["billingInfo"]["address"]["street"] == street
    assert order["billingInfo"]["address"]["vatId"] == vat
    path = f"{STORES}/{order['id']}/updateShippingAddress"
    moved = packer_api.put(path, {"shippingAddress": {"street": {"number": "1", "name": "Main"}}})
    assert moved.status_code == 200, moved.content
    for wrong, field in (
        ({"street": {"x": "y"}}, "shippingAddress.street.x"),
        ({"street": {"name": 5}}, "shippingAddress.street.name"),
        ({"vatId": {"id": "1", "kind": "CPF"}}, "shippingAddress.vatId.kind"),
        ({"vatId": 5}, "shippingAddress.vatId"),
    ):
        refused = packer_api.put(path, {"shippingAddress": wrong})
        assert refused.status_code == 400, refused.content
        assert refused.json()["details"]["field"] == field
    shown = owner_api.get(f"{STORES}/{order['id']}").json()["order"]
    address = shown["shippingInfo"]["shipmentDetails"]["address"]
    assert address["street"] == {"number": "1", "name": "Main"}
    assert "vatId" not in address


def create_with(path: str, value):
    body = copy.deepcopy(CREATE)
    target = body["order"]
    *parents, last = path.split(".")
    for key in parents:
        target = target[int(key)] if key.isdigit() else target.setdefault(key, {})
    target[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        # NUL characters
        ("lineItems.0.name", NUL, "order.lineItems[0].name"),
        ("lineItems.0.sku", NUL, "order.lineItems[0].sku"),
        ("buyerNote", NUL, "order.buyerNote"),
        ("billingInfo.address.city", NUL, "order.billingInfo.address.city"),
        (
            "shippingInfo.shipmentDetails.address.addressLine1",
            NUL,
            "order.shippingInfo.shipmentDetails.address.addressLine1",
        ),
        ("channelInfo.externalOrderId", NUL, "order.channelInfo.externalOrderId"),
        ("buyerInfo.firstName", NUL, "order.buyerInfo.firstName"),
        # longer than the columns
        ("buyerInfo.firstName", "x" * 201, "order.buyerInfo.firstName"),
        ("buyerInfo.lastName", "x" * 201, "order.buyerInfo.lastName"),
        ("buyerInfo.phone", "1" * 51, "order.buyerInfo.phone"),
        ("buyerInfo.email", "a" * 250 + "@b.co", "order.buyerInfo.email"),
        (
            "billingInfo.address.fullName",
            {"firstName": "x" * 201},
            "order.billingInfo.address.fullName.firstName",
        ),
        ("lineItems.0.name", "x" * 401, "order.lineItems[0].name"),
        ("lineItems.0.sku", "x" * 101, "order.lineItems[0].sku"),
        ("channelInfo.externalOrderId", "x" * 201, "order.channelInfo.externalOrderId"),
        # larger than the numeric columns
        ("lineItems.0.weight", "1000000000", "order.lineItems[0].weight"),
        ("totals.weight", "1e9", "order.totals.weight"),
        ("lineItems.0.price", "1000000000000", "order.lineItems[0].price"),
        ("totals.total", "1e12", "order.totals.total"),
        ("lineItems.0.quantity", 100_001, "order.lineItems[0].quantity"),
        # emails on create
        ("buyerInfo.email", "not an email", "order.buyerInfo.email"),
        ("billingInfo.address.email", "not an email", "order.billingInfo.address.email"),
        (
            "shippingInfo.shipmentDetails.address.email",
            "nope",
            "order.shippingInfo.shipmentDetails.address.email",
        ),
        # unknown keys, coercion, currency, media URLs
        ("planet", "Mars", "order.planet"),
        ("lineItems.0.colour", "red", "order.lineItems[0].colour"),
        ("lineItems.0.quantity", "1", "order.lineItems[0].quantity"),
        ("currency", "ÜSD", "order.currency"),
        ("currency", "US", "order.currency"),
        (
            "lineItems.0.mediaItem",
            {"url": "javascript:alert(1)"},
            "order.lineItems[0].mediaItem.url",
        ),
        (
            "lineItems.0.mediaItem",
            {"url": "data:image/png;base64,AAAA"},
            "order.lineItems[0].mediaItem.url",
        ),
        ("paymentStatus", "SORT_OF", "order.paymentStatus"),
        ("channelInfo.type", "MARS", "order.channelInfo.type"),
        ("totals.total", "ten", "order.totals.total"),
        # amounts as the OpenAPI document states them: digits, an optional decimal part
        ("lineItems.0.price", "1e3", "order.lineItems[0].price"),
        ("lineItems.0.price", "+1", "order.lineItems[0].price"),
        ("lineItems.0.price", " 10", "order.lineItems[0].price"),
        ("lineItems.0.price", "010", "order.lineItems[0].price"),
        ("lineItems.0.price", -1, "order.lineItems[0].price"),
        ("lineItems.0.quantity", True, "order.lineItems[0].quantity"),
        ("lineItems.0.quantity", 1.5, "order.lineItems[0].quantity"),
        ("lineItems", [], "order.lineItems"),
        # more decimal places than numeric(14, 2) / numeric(12, 3) keep: they were rounded
        # silently ("10.005" stored as 10.01, its line total from the unrounded price)
        ("lineItems.0.priceData.price", "10.005", "order.lineItems[0].priceData.price"),
        ("lineItems.0.price", 10.999, "order.lineItems[0].price"),
        ("lineItems.0.tax", "0.001", "order.lineItems[0].tax"),
        ("totals.total", "1.234", "order.totals.total"),
        (
            "shippingInfo.shipmentDetails.discount",
            1e-7,
            "order.shippingInfo.shipmentDetails.discount",
        ),
        ("lineItems.0.weight", "0.1255", "order.lineItems[0].weight"),
        # the shipping's priceData was stored and shown as sent, whatever it held
        ("shippingInfo.shipmentDetails.priceData", {"price": "abc"}, SHIP_PRICE + ".price"),
        ("shippingInfo.shipmentDetails.priceData", {"price": -5}, SHIP_PRICE + ".price"),
        ("shippingInfo.shipmentDetails.priceData", {"foo": {"bar": 1}}, SHIP_PRICE + ".foo"),
        (
            "shippingInfo.shipmentDetails.priceData",
            {"taxIncludedInPrice": 1},
            SHIP_PRICE + ".taxIncludedInPrice",
        ),
        # street and vatId as Wix has them ({number, name, apt}, {id, type}); any object was kept
        ("billingInfo.address.street", {"x": {"y": "z"}}, "order.billingInfo.address.street.x"),
        ("billingInfo.address.street", {"number": 5}, "order.billingInfo.address.street.number"),
        ("billingInfo.address.vatId", {"id": ["1"]}, "order.billingInfo.address.vatId.id"),
        # JSON's booleans only ("yes" was read as true)
        (
            "lineItems.0.priceData",
            {"price": "1", "taxIncludedInPrice": "yes"},
            "order.lineItems[0].priceData.taxIncludedInPrice",
        ),
    ],
)
def test_create_order_bad_input_is_400_naming_the_field(owner_api, path, value, field):
    response = owner_api.post(STORES, create_with(path, value))
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"] == field, response.json()
    assert not Order.objects.exists()


def test_create_order_takes_json_numbers_as_the_document_allows(owner_api):
    """JSON Schema's integer includes 2.0; amounts may be JSON numbers."""
    body = create_with("lineItems.0.quantity", 2.0)
    body["order"]["lineItems"][0]["price"] = 12.5
    response = owner_api.post(STORES, body)
    assert response.status_code == 200, response.content
    line = response.json()["order"]["lineItems"][0]
    assert (line["quantity"], line["price"]) == (2, "12.50")


@pytest.mark.parametrize(("sent", "shown"), [("10.50", "10.50"), ("10.5000", "10.50"), (7, "7.00")])
def test_create_order_takes_trailing_zeros_past_two_places(owner_api, sent, shown):
    response = owner_api.post(STORES, create_with("lineItems.0.priceData.price", sent))
    assert response.status_code == 200, response.content
    assert response.json()["order"]["lineItems"][0]["price"] == shown


def test_create_order_accepts_the_edges(owner_api):
    body = create_with("lineItems.0.weight", "999999999.999")
    body["order"]["lineItems"][0]["mediaItem"] = {"url": "https://img.example/a.png"}
    body["order"]["currency"] = "eur"
    response = owner_api.post(STORES, body)
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    assert order["currency"] == "EUR"
    assert order["lineItems"][0]["weight"] == "999999999.999"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "post",
            "{S}/{o}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": 1}], "trackingInfo": {"trackingNumber": NUL}}},
            "fulfillment.trackingInfo.trackingNumber",
        ),
        (
            "post",
            "{S}/{o}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": "1"}]}},
            "fulfillment.lineItems[0].index",
        ),
        (
            "post",
            "{S}/{o}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": 1, "quantity": "1"}]}},
            "fulfillment.lineItems[0].quantity",
        ),
        (
            "post",
            "{S}/{o}/fulfillments",
            {
                "fulfillment": {
                    "lineItems": [{"index": 1}],
                    "trackingInfo": {"trackingNumber": "x" * 101},
                }
            },
            "fulfillment.trackingInfo.trackingNumber",
        ),
        (
            "post",
            "{E}/orders/{o}/create-fulfillment",
            {
                "fulfillment": {
                    "lineItems": [{"id": "{line}"}],
                    "trackingInfo": {"shippingProvider": NUL},
                }
            },
            "fulfillment.trackingInfo.shippingProvider",
        ),
        ("patch", "{S}/{o}/updateEmail", {"email": NUL}, "email"),
        (
            "put",
            "{S}/{o}/updateShippingAddress",
            {"shippingAddress": {"city": NUL}},
            "shippingAddress.city",
        ),
        (
            "post",
            "{S}/query",
            {"query": {"filter": {"lineItems.name": NUL}}},
            "query.filter.lineItems.name",
        ),
    ],
)
def test_write_endpoints_refuse_bad_input(packer_api, method, path, body, field):
    order = make_order(lines=1)
    line = str(order.line_items.get().line_id)
    url = path.format(S=STORES, E=ECOM, o=order.pk)
    body = json.loads(json.dumps(body).replace("{line}", line))
    activities = Activity.objects.count()
    response = getattr(packer_api, method)(url, body)
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"].startswith(field), response.json()
    assert Activity.objects.count() == activities
    assert not Fulfillment.objects.exists()
    assert Order.objects.get(pk=order.pk).buyer_email == order.buyer_email


def test_order_page_unknown_line_index_is_404_and_writes_nothing(packer_client):
    order = make_order(lines=1)
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/99/", {"line-99-quantity": "1"}
    )
    assert response.status_code == 404
    assert not Fulfillment.objects.exists()
