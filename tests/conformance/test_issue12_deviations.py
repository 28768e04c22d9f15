"""Issue 12's audit of both APIs against the spec: one table-driven test per deviation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import SPEC_ACTIVITY_TYPES, Activity, ActivityType, LineItem, Order
from orders.services import order_mark_paid, order_refund
from orders.timestamps import truncate_stored
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"


def query(api, filter_):
    response = api.post(f"{STORES}/query", {"query": {"filter": filter_}})
    assert response.status_code == 200, response.content
    return {order["id"] for order in response.json()["orders"]}


# ---- 1. Every timestamp the API shows filters exactly ----


@pytest.mark.parametrize("field", ["dateCreated", "lastUpdated"])
@pytest.mark.parametrize(
    ("operator", "includes_own"),
    [
        ("$eq", True),
        ("$lte", True),
        ("$gte", True),
        ("$lt", False),
        ("$gt", False),
        ("$ne", False),
        ("$hasSome", True),
    ],
)
def test_filtering_on_a_returned_timestamp_is_exact(
    owner_api, packer, field, operator, includes_own
):
    order = make_order(lines=1)
    fulfillment_create(order=order, lines=[(1, 1)], tracking={"trackingNumber": "1"}, actor=packer)
    shown = owner_api.get(f"{STORES}/{order.pk}").json()["order"][field]
    value = [shown] if operator == "$hasSome" else shown
    assert (str(order.pk) in query(owner_api, {field: {operator: value}})) is includes_own


def test_last_updated_is_the_time_of_the_changes_last_activity(owner_api, owner, packer):
    order = make_order(lines=2, payment_status="NOT_PAID")
    changes = [
        lambda: fulfillment_create(
            order=order, lines=[(1, 1)], tracking={"trackingNumber": "9"}, actor=packer
        ),
        lambda: order_mark_paid(order=order, actor=owner),
        lambda: owner_api.patch(f"{STORES}/{order.pk}/updateEmail", {"email": "n@example.com"}),
    ]
    for change in changes:
        change()
        shown = owner_api.get(f"{STORES}/{order.pk}").json()["order"]
        stored = Order.objects.get(pk=order.pk)
        last = Activity.objects.filter(order=order).order_by("timestamp", "id").last()
        assert stored.last_updated == last.timestamp
        assert shown["lastUpdated"] == shown["activities"][-1]["timestamp"]


def test_stored_timestamps_have_millisecond_precision(owner, packer):
    order = make_order(lines=1, payment_status="PAID")
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    order_refund(order=order, amount=Decimal("1.00"), actor=owner)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM orders_order o JOIN orders_activity a ON a.order_id = o.id"
            " JOIN orders_refund r ON r.order_id = o.id"
            " JOIN fulfillments_fulfillment f ON f.order_id = o.id WHERE"
            " extract(microseconds FROM o.date_created)::int % 1000 <> 0"
            " OR extract(microseconds FROM o.last_updated)::int % 1000 <> 0"
            " OR extract(microseconds FROM a.timestamp)::int % 1000 <> 0"
            " OR extract(microseconds FROM r.date_created)::int % 1000 <> 0"
            " OR extract(microseconds FROM f.date_created)::int % 1000 <> 0"
        )
        assert cursor.fetchone()[0] == 0


def test_migration_step_truncates_existing_rows_in_batches(db):
    orders = [make_order(lines=1) for _ in range(5)]
    exact = datetime(2024, 5, 1, 12, 0, 0, 123000, tzinfo=UTC)
    with connection.cursor() as cursor:  # rows written before the migration: microseconds
        cursor.execute(
            "UPDATE orders_order SET last_updated = %s::timestamptz + interval '456 microseconds'"
            " WHERE id = ANY(%s)",
            [exact, [o.pk for o in orders[:4]]],
        )
    changed = truncate_stored(connection, "orders_order", ["date_created", "last_updated"], batch=2)
    assert changed == 4
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders[:4]]).values_list(
            "last_updated", flat=True
        )
    ) == {exact}
    assert truncate_stored(connection, "orders_order", ["last_updated"], batch=2) == 0


# ---- 2. No Decimal in exponent form ----


@pytest.mark.parametrize(
    ("weight", "shown"),
    [
        ("30", "30"),
        ("1000", "1000"),
        ("100", "100"),
        ("10", "10"),
        ("0.10", "0.1"),
        ("1.5", "1.5"),
        ("0", "0"),
    ],
)
def test_totals_weight_is_never_in_exponent_form(owner_api, weight, shown):
    order = make_order(lines=1, total_weight=Decimal(weight))
    assert owner_api.get(f"{STORES}/{order.pk}").json()["order"]["totals"]["weight"] == shown


@pytest.mark.parametrize(("weight", "shown"), [("0.5", "0.5"), ("15", "15"), ("1000", "1000")])
def test_line_item_weights_are_shown_as_the_spec_shows_them(owner_api, weight, shown):
    """The spec's line items weigh "0.5" and "15", as its totals weigh "1.5" and "30": the
    same form for both (stored as numeric(12, 3), they were "0.500" and "15.000")."""
    order = make_order(lines=[{"weight": Decimal(weight)}], total_weight=Decimal(weight))
    shown_order = owner_api.get(f"{STORES}/{order.pk}").json()["order"]
    assert shown_order["lineItems"][0]["weight"] == shown
    assert shown_order["totals"]["weight"] == shown


@pytest.mark.parametrize("value", ["10", "100", "1000", "0.10", "1000000"])
def test_no_money_or_weight_value_is_in_exponent_form(owner_api, owner, value):
    amount = Decimal(value)
    line = {
        "price": amount,
        "total_price": amount,
        "weight": amount,
        "tax": amount,
        "discount": amount,
    }
    order = make_order(
        lines=[line],
        shipping_total=amount,
        tax_total=amount,
        discount_total=amount,
        total_weight=amount,
        discount_value=amount,
        payment_status="PAID",
    )
    order_refund(order=order, amount=amount, actor=owner)
    shown = owner_api.get(f"{STORES}/{order.pk}").json()["order"]
    item = shown["lineItems"][0]
    values = [
        *(shown["totals"][key] for key in ("shipping", "tax", "discount", "weight", "total")),
        shown["discount"]["value"],
        shown["refunds"][0]["amount"],
        *(item[key] for key in ("price", "totalPrice", "weight", "tax", "discount")),
        item["priceData"]["price"],
    ]
    for text in values:
        assert "E" not in text.upper(), values
    assert {Decimal(text) for text in values} == {amount}


# ---- 3. Activity types: only the spec's enum in the API ----


@pytest.mark.parametrize("internal", sorted(set(ActivityType.values) - SPEC_ACTIVITY_TYPES))
def test_api_shows_only_the_specs_activity_types(owner_api, internal):
    order = make_order(lines=1)
    Activity.objects.create(order=order, type=internal)
    types = [a["type"] for a in owner_api.get(f"{STORES}/{order.pk}").json()["order"]["activities"]]
    assert types == ["ORDER_PLACED"]
    queried = owner_api.post(f"{STORES}/query", {"query": {"filter": {"id": str(order.pk)}}})
    assert [a["type"] for a in queried.json()["orders"][0]["activities"]] == ["ORDER_PLACED"]


# ---- 4. updateShippingAddress is partial; empty is 400; updateEmail orderId must match ----


@pytest.mark.parametrize(
    ("sent", "expected_subset", "removed"),
    [
        ({"city": "Boston"}, {"city": "Boston", "addressLine1": "1 Main Street"}, set()),
        (
            {"fullName": {"firstName": "J", "lastName": "S"}},
            {"fullName": {"firstName": "J", "lastName": "S"}, "city": "New York"},
            set(),
        ),
        (
            {"addressLine1": None, "zipCode": "10001"},
            {"zipCode": "10001", "country": "US"},
            {"addressLine1"},
        ),
    ],
)
def test_update_shipping_address_replaces_only_the_fields_sent(
    packer_api, sent, expected_subset, removed
):
    order = make_order(lines=1)
    response = packer_api.put(
        f"{STORES}/{order.pk}/updateShippingAddress", {"shippingAddress": sent}
    )
    assert response.status_code == 200, response.content
    address = response.json()["order"]["shippingInfo"]["shipmentDetails"]["address"]
    assert address["email"] == order.buyer_email
    assert expected_subset.items() <= address.items()
    assert not removed & set(address)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("updateShippingAddress", {"shippingAddress": {}}, "shippingAddress"),
        (
            "updateShippingAddress",
            {"orderId": str(uuid.uuid4()), "shippingAddress": {"city": "X"}},
            "orderId",
        ),
        ("updateEmail", {"orderId": str(uuid.uuid4()), "email": "new@example.com"}, "orderId"),
        # The address's email is checked as updateEmail and Create Order check theirs.
        ("updateShippingAddress", {"shippingAddress": {"email": "bad"}}, "shippingAddress.email"),
        (
            "updateShippingAddress",
            {"shippingAddress": {"city": "Oslo", "email": "a@b"}},
            "shippingAddress.email",
        ),
        (
            "updateShippingAddress",
            {"shippingAddress": {"email": "x" * 250 + "@example.com"}},
            "shippingAddress.email",
        ),
    ],
)
def test_refused_address_and_email_updates_are_400_and_write_nothing(packer_api, path, body, field):
    order = make_order(lines=1)
    before = Order.objects.get(pk=order.pk)
    method = packer_api.put if path == "updateShippingAddress" else packer_api.patch
    response = method(f"{STORES}/{order.pk}/{path}", body)
    assert response.status_code == 400, response.content
    assert response.json()["details"]["field"] == field
    after = Order.objects.get(pk=order.pk)
    assert (after.shipping_info, after.buyer_email, after.last_updated) == (
        before.shipping_info,
        before.buyer_email,
        before.last_updated,
    )
    assert order.activities.count() == 1


# ---- 5. trackingLink: null removes it, on both APIs ----

FEDEX = "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={}"


def _fulfilled(packer, provider="fedex", number="111", link=None):
    order = make_order(lines=1)
    tracking = {"shippingProvider": provider, "trackingNumber": number}
    if link:
        tracking["trackingLink"] = link
    fulfillment = fulfillment_create(order=order, lines=[(1, 1)], tracking=tracking, actor=packer)
    return order, fulfillment


def _update(api, which, order, fulfillment, tracking):
    if which == "stores":
        return api.put(
            f"{STORES}/{order.pk}/fulfillments/{fulfillment.pk}",
            {"fulfillmentTrackingInfo": tracking},
        )
    return api.patch(
        f"{ECOM}/{fulfillment.pk}/orders/{order.pk}", {"fulfillment": {"trackingInfo": tracking}}
    )


@pytest.mark.parametrize("which", ["stores", "ecom"])
@pytest.mark.parametrize(
    ("provider", "first_link", "change", "expected_link"),
    [
        ("fedex", None, {"trackingLink": None}, ""),
        ("fedex", None, {"trackingNumber": "222"}, FEDEX.format("222")),
        ("fedex", None, {"trackingNumber": "222", "trackingLink": None}, ""),
        ("Acme", "https://acme.example/1", {"trackingLink": None}, ""),
        ("Acme", "https://acme.example/1", {"trackingNumber": "2"}, "https://acme.example/1"),
        (
            "Acme",
            "https://acme.example/1",
            {"trackingLink": "https://acme.example/2"},
            "https://acme.example/2",
        ),
        ("fedex", None, {"shippingProvider": "Acme"}, FEDEX.format("111")),
    ],
)
def test_tracking_link_rule(packer_api, packer, which, provider, first_link, change, expected_link):
    order, fulfillment = _fulfilled(packer, provider=provider, link=first_link)
    response = _update(packer_api, which, order, fulfillment, change)
    assert response.status_code == 200, response.content
    fulfillment.refresh_from_db()
    assert fulfillment.tracking_link == expected_link
    if expected_link == "":
        # Removed stays removed on a later update that does not touch number or carrier.
        _update(packer_api, which, order, fulfillment, {"shippingProvider": provider})
        fulfillment.refresh_from_db()
        assert fulfillment.tracking_link == ""


# ---- 7. No-op updates write nothing; unknown keys are 400 everywhere ----


@pytest.mark.parametrize("which", ["stores", "ecom"])
@pytest.mark.parametrize(
    "change",
    [
        {"trackingNumber": "111"},
        {"shippingProvider": "fedex"},
        {},
        {"trackingNumber": "111", "shippingProvider": "fedex", "trackingLink": FEDEX.format("111")},
    ],
)
def test_noop_fulfillment_update_writes_and_emits_nothing(packer_api, packer, which, change):
    order, fulfillment = _fulfilled(packer)
    before = Order.objects.get(pk=order.pk).last_updated
    events_model = apps.get_model("orders", "WebhookEvent")
    activities, events = order.activities.count(), events_model.objects.count()
    response = _update(packer_api, which, order, fulfillment, change)
    assert response.status_code == 200, response.content
    assert order.activities.count() == activities
    assert events_model.objects.count() == events
    assert Order.objects.get(pk=order.pk).last_updated == before


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "post",
            "{S}/{o}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": 1}], "trackingInfo": {"carrier": "x"}}},
            "fulfillment.trackingInfo.carrier",
        ),
        (
            "put",
            "{S}/{o}/fulfillments/{f}",
            {"fulfillmentTrackingInfo": {"bogus": 1}},
            "fulfillmentTrackingInfo.bogus",
        ),
        (
            "patch",
            "{E}/{f}/orders/{o}",
            {"fulfillment": {"trackingInfo": {"bogus": 1}}},
            "fulfillment.trackingInfo.bogus",
        ),
        (
            "post",
            "{E}/orders/{o}/create-fulfillment",
            {
                "fulfillment": {
                    "lineItems": [{"id": "00000000-0000-0000-0000-000000000001"}],
                    "extra": True,
                }
            },
            "fulfillment.extra",
        ),
        ("post", "{S}/query", {"query": {"filter": {}, "fieldsets": ["x"]}}, "query.fieldsets"),
        ("patch", "{S}/{o}/updateEmail", {"email": "a@example.com", "name": "x"}, "name"),
        (
            "put",
            "{S}/{o}/updateShippingAddress",
            {"shippingAddress": {"city": "X", "planet": "Mars"}},
            "shippingAddress.planet",
        ),
        ("post", "{E}/list-by-ids", {"orderIds": [], "more": 1}, "more"),
    ],
)
def test_unknown_keys_are_400_naming_the_key(packer_api, packer, method, path, body, field):
    order, fulfillment = _fulfilled(packer)
    url = path.format(S=STORES, E=ECOM, o=order.pk, f=fulfillment.pk)
    activities = order.activities.count()
    response = getattr(packer_api, method)(url, body)
    assert response.status_code == 400, response.content
    details = response.json()["details"]
    assert field in details or details.get("field") == field, details
    assert order.activities.count() == activities
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert LineItem.objects.filter(order=order).count() == 1


# ---- 6. Create-order rules of the spec's note ----

CREATE = {
    "billingInfo": {"address": {"email": "buyer@example.com"}},
    "shippingInfo": {"shipmentDetails": {"address": {"email": "buyer@example.com"}}},
    "paymentStatus": "PAID",
}
PRODUCT = "a1f9d337-f831-4529-31e6-67db8fd4e1aa"
VARIANT = "00000000-0000-005f-0005-a48308e4493f"
OPTIONS = [{"option": "Size", "selection": "Large"}]


@pytest.mark.parametrize(
    ("line", "status", "field"),
    [
        ({"productId": PRODUCT, "variantId": VARIANT}, 400, "order.lineItems[0].options"),
        (
            {"productId": PRODUCT, "variantId": VARIANT, "options": []},
            400,
            "order.lineItems[0].options",
        ),
        ({"productId": PRODUCT, "variantId": VARIANT, "options": OPTIONS}, 200, None),
        ({"productId": PRODUCT, "variantId": str(uuid.UUID(int=0))}, 200, None),
        ({"productId": PRODUCT, "lineItemType": "DIGITAL"}, 400, "order.lineItems[0].lineItemType"),
        (
            {"productId": PRODUCT, "lineItemType": "CUSTOM_AMOUNT_ITEM"},
            400,
            "order.lineItems[0].lineItemType",
        ),
        ({"productId": PRODUCT, "lineItemType": "PHYSICAL"}, 200, None),
        ({"lineItemType": "DIGITAL"}, 400, "order.lineItems[0].lineItemType"),
        ({}, 200, None),
    ],
)
def test_create_order_line_rules(owner_api, line, status, field):
    body = {"order": {**CREATE, "lineItems": [{"quantity": 1, "name": "Thing", **line}]}}
    response = owner_api.post(STORES, body)
    assert response.status_code == status, response.content
    if field:
        assert response.json()["details"]["field"] == field
        assert not Order.objects.exists()


# ---- 8. refunds[].paymentProviderTransactionId and subscriptionInfo ----


@pytest.mark.parametrize(
    ("provider_id", "shown"), [("re_1HMYdXEQJH0qyaWeD0fm1qmN", True), ("", False)]
)
def test_refunds_show_the_payment_provider_transaction_id(owner_api, owner, provider_id, shown):
    order = make_order(lines=1, payment_status="PAID")
    order_refund(
        order=order,
        amount=Decimal("1.00"),
        payment_provider_transaction_id=provider_id,
        actor=owner,
    )
    refund = owner_api.get(f"{STORES}/{order.pk}").json()["order"]["refunds"][0]
    assert refund.get("paymentProviderTransactionId") == (provider_id if shown else None)
    assert ("paymentProviderTransactionId" in refund) is shown


@pytest.mark.parametrize(
    "info",
    [None, {"id": "6f1f9a52-4d5e-4c1b-a1f2-111111111111", "subscriptionOptionTitle": "Monthly"}],
)
def test_subscription_info_is_shown_when_known(owner_api, info):
    order = make_order(lines=1, subscription_info=info)
    shown = owner_api.get(f"{STORES}/{order.pk}").json()["order"]
    assert shown.get("subscriptionInfo") == info
    assert ("subscriptionInfo" in shown) is (info is not None)
