"""The write path runs a fixed number of SQL queries whatever the order's size.

Caps are per request (page and both APIs, from the session or API key check to the response)
and per service call; each is checked on a small and a large order, with earlier
fulfillments, so a query per line item or per fulfillment would break it. Counts include the
transaction's own statements (the request's BEGIN/COMMIT, savepoints).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from fulfillments.services import (
    fulfillment_bulk_create,
    fulfillment_create,
    fulfillment_delete,
    fulfillment_ship_remaining,
    fulfillment_undo,
    fulfillment_update,
    pickup_mark_ready,
)
from orders.models import Order
from orders.selectors import store_settings_get
from orders.services import (
    order_cancel,
    order_mark_paid,
    order_refund,
    order_update_email,
    order_update_shipping_address,
)
from orders.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.fulfillments.home.test_stats import assert_consistent
from tests.fulfillments.test_ship_all_and_pickup import PICKUP
from tests.fulfillments.test_views import line_post
from tests.orders.test_idempotency import post

SIZES = [2, 40]
# The lock (its statement also reads the line items with what is fulfilled, the subscribed
# endpoints, the store's notify-buyer default and, for the APIs' answers, the activities,
# refunds and fulfillments), then the fulfillment, its lines, its activities, the order, and
# the event with its deliveries.
SERVICE_CAP = 6
# The request's BEGIN and COMMIT, the session, the user with their permissions, the service
# (whose lock statement also checks the tracking number: on another order's parcel, a SKU).
PAGE_CAP = 10
# BEGIN, the API key with its user and permissions, the service, COMMIT: the answer is built
# from what the service read and wrote.
STORES_API_CAP = 9
ECOM_API_CAP = 9


@pytest.fixture(params=["no endpoint", "endpoint"])
def big_order(request, order_factory, packer):
    """An order of `lines` lines with earlier fulfillments; once without and once with a
    webhook endpoint subscribed to FulfillmentCreated (its delivery is written too)."""
    if request.param == "endpoint":
        WebhookEndpoint.objects.create(url="http://127.0.0.1:9/hook", events=["FulfillmentCreated"])

    def make(lines: int) -> Order:
        order = order_factory(lines=[{"quantity": 3} for _ in range(lines)])
        for index in range(1, min(lines, 5) + 1):
            fulfillment_create(order=order, lines=[(index, 1)], actor=packer)
        return order

    return make


def warm(api) -> None:
    """A key in use: its once-a-minute last-used write is behind it."""
    assert api.post("/api/stores/v2/orders/query", {"query": {}}).status_code == 200


def tracking() -> dict:
    return {"shippingProvider": "fedex", "trackingNumber": "7777"}


@pytest.mark.parametrize("lines", SIZES)
def test_fulfillment_create_service_cap(big_order, packer, lines, django_assert_max_num_queries):
    order = big_order(lines)
    with django_assert_max_num_queries(SERVICE_CAP):
        fulfillment_create(
            order=order,
            lines=[(i, 1) for i in range(1, lines + 1)],
            tracking=tracking(),
            actor=packer,
        )


@pytest.mark.parametrize("lines", SIZES)
def test_create_fulfillment_page_cap(
    big_order, packer_client, lines, django_assert_max_num_queries
):
    order = big_order(lines)
    packer_client.get("/orders/")  # the session exists already, as for a working packer
    with django_assert_max_num_queries(PAGE_CAP) as captured:
        response = packer_client.post(
            f"/fulfillments/{order.number}/lines/{lines}/", line_post(lines)
        )
    assert response.status_code == 302
    # The label check (another order's parcel, a product's SKU) rides on the lock statement.
    (lock,) = [q["sql"] for q in captured.captured_queries if "FOR UPDATE" in q["sql"]]
    assert '"tracking_number"' in lock and '"sku"' in lock
    assert WebhookDelivery.objects.count() == WebhookEndpoint.objects.count() * (min(lines, 5) + 1)


@pytest.mark.parametrize("lines", SIZES)
def test_fulfil_several_lines_page_cap(
    big_order, packer_client, lines, django_assert_max_num_queries
):
    """The order page's multi-line form: the lines ticked are checked under the lock."""
    order = big_order(lines)
    data = {"multi-carrier": "ups", "multi-tracking_number": "1Z999"}
    for index in range(1, lines + 1):
        data |= {f"multi-pick_{index}": "on", f"multi-qty_{index}": "1"}
    packer_client.get("/orders/")
    with django_assert_max_num_queries(PAGE_CAP):
        response = packer_client.post(f"/fulfillments/{order.number}/lines/", data)
    assert response.status_code == 302
    assert order.fulfillments.count() == min(lines, 5) + 1


def test_fulfil_several_lines_refuses_a_line_not_offered(order_factory, packer, packer_client):
    """A posted line the form does not offer (fully fulfilled, or needing no shipping) is
    refused by the service under the lock: the page again with the error, nothing written."""
    order = order_factory(lines=[{"quantity": 1}, {"quantity": 2}, {"line_item_type": "DIGITAL"}])
    fulfillment_create(order=order, lines=[(1, 1)], actor=packer)
    for picked, message in ((1, "already fully fulfilled"), (3, "needs no shipping")):
        data = {
            "multi-carrier": "ups",
            "multi-tracking_number": "1Z999",
            f"multi-pick_{picked}": "on",
            "multi-pick_2": "on",
            "multi-qty_2": "1",
        }
        response = packer_client.post(f"/fulfillments/{order.number}/lines/", data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert order.fulfillments.count() == 1


@pytest.mark.parametrize("lines", SIZES)
def test_ship_all_page_cap(big_order, packer_client, lines, django_assert_max_num_queries):
    """The order page's "ship all remaining": the same statements as one line."""
    order = big_order(lines)
    Order.objects.filter(pk=order.pk).update(payment_status="PAID")
    packer_client.get("/orders/")
    with django_assert_max_num_queries(PAGE_CAP):
        response = packer_client.post(
            f"/fulfillments/{order.number}/ship-all/",
            {"all-carrier": "dhl", "all-tracking_number": "JD01"},
        )
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).fulfillment_status == "FULFILLED"


@pytest.mark.parametrize("lines", SIZES)
def test_create_fulfillment_stores_api_cap(
    big_order, packer_api, lines, django_assert_max_num_queries
):
    order = big_order(lines)
    body = {
        "fulfillment": {
            "lineItems": [{"index": i, "quantity": 1} for i in range(1, lines + 1)],
            "trackingInfo": tracking(),
        }
    }
    warm(packer_api)
    with django_assert_max_num_queries(STORES_API_CAP):
        response = packer_api.post(f"/api/stores/v2/orders/{order.pk}/fulfillments", body)
    assert response.status_code == 200, response.json()
    assert len(response.json()["order"]["lineItems"]) == lines


@pytest.mark.parametrize("lines", SIZES)
def test_create_fulfillment_ecom_api_cap(
    big_order, packer_api, lines, django_assert_max_num_queries
):
    order = big_order(lines)
    body = {
        "fulfillment": {
            "lineItems": [
                {"id": str(item.line_id), "quantity": 1} for item in order.line_items.all()
            ],
            "trackingInfo": tracking(),
        }
    }
    warm(packer_api)
    with django_assert_max_num_queries(ECOM_API_CAP):
        response = packer_api.post(
            f"/api/ecom/v1/fulfillments/orders/{order.pk}/create-fulfillment", body
        )
    assert response.status_code == 200, response.json()
    fulfillments = response.json()["orderWithFulfillments"]["fulfillments"]
    assert len(fulfillments) == min(lines, 5) + 1


# Savepoint, lock the orders, their line items with what is fulfilled, the fulfillments,
# their lines, the activities, the orders' update (one per new status: partly fulfilled,
# fulfilled), the endpoints, the events, release.
BULK_CAP = 11


@pytest.mark.parametrize("count", [3, 30])
def test_bulk_create_runs_a_fixed_number_of_queries(
    order_factory, packer, count, django_assert_max_num_queries
):
    """Set-based: the same statements for 3 orders as for 30, whatever their sizes; a refused
    order (asks for more than it has) changes nothing and the others go through."""
    sizes = [1, 8, 30]
    orders = [order_factory(lines=[{"quantity": 2}] * sizes[n % 3]) for n in range(count)]
    items = [(order.pk, [{"lines": [(1, 1)], "tracking": tracking()}]) for order in orders]
    items[0] = (orders[0].pk, [{"lines": [(1, 2)]}])  # its only line: fulfilled
    items[1] = (orders[1].pk, [{"lines": [(1, 3)]}])
    with django_assert_max_num_queries(BULK_CAP):
        results = fulfillment_bulk_create(items=items, actor=packer)
    assert [result.success for result in results] == [n != 1 for n in range(count)]
    assert results[1].error is not None and "more than the 2 ordered" in results[1].error.message
    assert not orders[1].fulfillments.exists()
    assert all(order.fulfillments.count() == 1 for n, order in enumerate(orders) if n != 1)
    statuses = dict(Order.objects.values_list("pk", "fulfillment_status"))
    assert statuses[orders[0].pk] == "FULFILLED"
    assert statuses[orders[2].pk] == statuses[orders[-1].pk] == "PARTIALLY_FULFILLED"
    assert statuses[orders[1].pk] == "NOT_FULFILLED"


@pytest.mark.parametrize("count", [3, 30])
def test_list_page_bulk_fulfil_runs_a_fixed_number_of_queries(
    order_factory, packer_client, count, django_assert_max_num_queries
):
    """The orders list's "Fulfil selected" (every remaining unit of each order, through the
    same set-based service): the same statements for 3 orders as for 30."""
    orders = [order_factory(lines=[{"quantity": 2}], payment_status="PAID") for _ in range(count)]
    data = {"order": [str(order.pk) for order in orders], "carrier": "ups"}
    data |= {f"tracking-{order.pk}": f"1Z{n}" for n, order in enumerate(orders)}
    packer_client.get("/orders/")
    # BEGIN, session, user, the orders' numbers, the bulk (BULK_CAP), the units shipped,
    # COMMIT.
    with django_assert_max_num_queries(BULK_CAP + 6):
        response = packer_client.post("/fulfillments/bulk/", data)
    assert response.status_code == 200
    assert all(order.fulfillments.count() == 1 for order in orders)


def test_bulk_create_falls_back_to_one_savepoint_per_order_on_a_database_refusal(
    order_factory, packer
):
    """A value the checks let through but the database refuses (here a trigger refuses one
    tracking number) fails only its order: the set-based statements are rolled back and
    every order runs again in a savepoint of its own."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
            " IF NEW.tracking_number = 'REFUSE' THEN"
            " RAISE EXCEPTION 'refused' USING ERRCODE = 'check_violation'; END IF;"
            " RETURN NEW; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse BEFORE INSERT ON fulfillments_fulfillment"
            " FOR EACH ROW EXECUTE FUNCTION test_refuse()"
        )
    orders = [order_factory(lines=[{"quantity": 2}]) for _ in range(3)]
    numbers = ["A1", "REFUSE", "C3"]
    items = [
        (order.pk, [{"lines": [(1, 1)], "tracking": {"trackingNumber": number}}])
        for order, number in zip(orders, numbers, strict=True)
    ]
    results = fulfillment_bulk_create(items=items, actor=packer)
    assert [result.success for result in results] == [True, False, True]
    assert results[1].error.message == "The database refused this order's fulfillment."
    assert [order.fulfillments.count() for order in orders] == [1, 0, 1]
    assert not orders[1].activities.filter(type="FULFILLMENT_CREATED").exists()
    assert Order.objects.get(pk=orders[1].pk).fulfillment_status == "NOT_FULFILLED"


def test_refused_create_writes_nothing_and_leaves_the_transaction_usable(
    big_order, packer_client, packer
):
    """No savepoint inside a request's transaction: a refusal must not spoil it, so the
    page can still render the error."""
    order = big_order(2)
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/", line_post(1, quantity=99)
    )
    assert response.status_code == 200  # the page again, with the error by the field
    assert "99 is more than the 3 ordered" in response.content.decode()
    assert order.fulfillments.count() == 2


# ---- Order mutations: one cap per service call ----
# Savepoint, lock, the change, its activity, release; the order events (paid, canceled,
# refunded) read the order's relations for their payload and the subscribed endpoints with
# the lock, and add the event with its deliveries (one statement); a refund adds its row.

MUTATIONS = {
    "email": (
        5,
        lambda order, actor: order_update_email(order=order, email="new@example.com", actor=actor),
    ),
    "address": (
        5,
        lambda order, actor: order_update_shipping_address(
            order=order,
            address={"addressLine1": "2 Side Street", "city": "Boston", "country": "US"},
            actor=actor,
        ),
    ),
    "mark paid": (6, lambda order, actor: order_mark_paid(order=order, actor=actor)),
    "cancel": (6, lambda order, actor: order_cancel(order=order, actor=actor)),
    "refund": (
        7,
        lambda order, actor: order_refund(order=order, amount=Decimal("1.00"), actor=actor),
    ),
}


@pytest.mark.parametrize("endpoint", [False, True])
@pytest.mark.parametrize("name", MUTATIONS)
@pytest.mark.parametrize("lines", SIZES)
def test_order_mutation_caps(
    name, lines, endpoint, order_factory, owner, django_assert_max_num_queries
):
    cap, mutate = MUTATIONS[name]
    if endpoint:
        WebhookEndpoint.objects.create(
            url="http://127.0.0.1:9/hook", events=["OrderPaid", "OrderCanceled", "OrderRefunded"]
        )
    status = "PAID" if name == "refund" else "NOT_PAID"
    order = order_factory(lines=[{"quantity": 1} for _ in range(lines)], payment_status=status)
    if name != "cancel":  # a shipped order cannot be canceled
        for index in range(1, min(lines, 4) + 1):
            fulfillment_create(order=order, lines=[(index, 1)], actor=owner)
    with django_assert_max_num_queries(cap):
        mutate(order, owner)
    if endpoint and name not in ("email", "address"):
        assert WebhookDelivery.objects.filter(event__order=order).count() == 1


# ---- The answers are built from what the lock read and the service wrote ----


def test_stores_answer_is_the_order_as_read_afresh(big_order, packer_api, owner):
    """The Stores v2 create's `order` (activities, refunds, fulfillments and line items kept
    from the lock's read plus what was written) equals the order read again."""
    order = big_order(3)
    order_mark_paid(order=order, actor=owner)
    order_refund(order=order, amount=Decimal("1.00"), actor=owner)
    body = {"fulfillment": {"lineItems": [{"index": 2, "quantity": 2}], "trackingInfo": tracking()}}
    response = packer_api.post(f"/api/stores/v2/orders/{order.pk}/fulfillments", body)
    assert response.status_code == 200, response.json()
    answered = response.json()["order"]
    assert answered == packer_api.get(f"/api/stores/v2/orders/{order.pk}").json()["order"]
    assert len(answered["fulfillments"]) == 4
    assert answered["activities"][-1]["type"] == "TRACKING_LINK_WAS_SET"


def test_ecom_answer_is_the_order_as_read_afresh(big_order, packer_api):
    order = big_order(3)
    item = order.line_items.get(index=3)
    body = {"fulfillment": {"lineItems": [{"id": str(item.line_id), "quantity": 2}]}}
    response = packer_api.post(
        f"/api/ecom/v1/fulfillments/orders/{order.pk}/create-fulfillment", body
    )
    assert response.status_code == 200, response.json()
    answered = response.json()["orderWithFulfillments"]
    fresh = packer_api.get(f"/api/ecom/v1/fulfillments/orders/{order.pk}").json()
    assert answered == fresh["orderWithFulfillments"]
    assert answered["fulfillments"][0]["id"] == response.json()["fulfillmentId"]


def test_bulk_create_keeps_the_home_figures_true(order_factory, packer):
    """The home page's figures are kept by statement-level triggers: one multi-row INSERT of
    fulfillments and one multi-row UPDATE of orders leave them equal to a recount."""
    now = timezone.now()
    orders = [
        order_factory(
            lines=[{"quantity": 2}, {"quantity": 1}],
            payment_status="PAID",
            date_created=now - timedelta(days=n % 3),
        )
        for n in range(9)
    ]
    items = [
        (
            order.pk,
            [{"remaining": True, "tracking": tracking()}] if n % 2 else [{"lines": [(1, 1)]}],
        )
        for n, order in enumerate(orders)
    ]
    results = fulfillment_bulk_create(items=items, actor=packer)
    assert all(result.success for result in results)
    statuses = Counter(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list(
            "fulfillment_status", flat=True
        )
    )
    assert statuses == {"FULFILLED": 4, "PARTIALLY_FULFILLED": 5}
    assert_consistent()


@pytest.mark.parametrize("name", ["mark paid", "cancel", "refund"])
def test_order_event_payload_is_the_order_as_read_afresh(name, order_factory, owner, owner_api):
    """The order events' payload is built from the relations read with the lock plus what
    the change wrote: it equals the order read again."""
    _, mutate = MUTATIONS[name]
    status = "PAID" if name == "refund" else "NOT_PAID"
    order = order_factory(lines=[{"quantity": 2}, {"quantity": 1}], payment_status=status)
    if name == "refund":
        order_refund(order=order, amount=Decimal("2.50"), actor=owner)
        fulfillment_create(order=order, lines=[(1, 1)], actor=owner)
    mutate(order, owner)
    event = WebhookEvent.objects.filter(order=order).order_by("-created").first()
    fresh = owner_api.get(f"/api/stores/v2/orders/{order.pk}").json()["order"]
    payload = event.payload["order"]
    if name == "refund":  # the event adds what was refunded to the totals
        assert payload["totals"].pop("refund") == "3.50"
    assert payload == fresh


# Editing, deleting and undoing: not as lean as create (each reads the fulfillment, its lines
# or the order's line items apart from the lock), but a fixed number of queries whatever the
# order's size, with or without a subscribed endpoint. Shipping what remains (the packing
# station, the order page's "ship all") is create's lean path.
UPDATE_CAP = 11
DELETE_CAP = 12
SHIP_REMAINING_CAP = SERVICE_CAP


@pytest.mark.parametrize("lines", SIZES)
def test_fulfillment_update_delete_undo_caps(
    big_order, packer, lines, django_assert_max_num_queries
):
    order = big_order(lines)
    shipped = fulfillment_create(order=order, lines=[(lines, 1)], tracking=tracking(), actor=packer)
    with django_assert_max_num_queries(UPDATE_CAP):
        fulfillment_update(
            order=order, fulfillment_id=shipped.id, tracking={"trackingNumber": "8"}, actor=packer
        )
    with django_assert_max_num_queries(DELETE_CAP):
        fulfillment_undo(order=order, fulfillment_id=shipped.id, actor=packer)
    again = fulfillment_create(order=order, lines=[(lines, 1)], actor=packer)
    with django_assert_max_num_queries(DELETE_CAP):
        fulfillment_delete(order=order, fulfillment_id=again.id, actor=packer)
    assert not order.fulfillments.filter(pk__in=[shipped.id, again.id]).exists()
    assert_consistent()


@pytest.mark.parametrize("lines", SIZES)
def test_ship_remaining_cap(big_order, packer, lines, django_assert_max_num_queries):
    order = big_order(lines)
    with django_assert_max_num_queries(SHIP_REMAINING_CAP):
        fulfillment_ship_remaining(order=order, tracking=tracking(), actor=packer, confirmed=True)
    order.refresh_from_db()
    assert order.fulfillment_status == "FULFILLED"


# The lock, the line items with what is fulfilled, when the buyer was last told (after the
# lock, so a double click that waited for it sees the first one's activity), the activity, the
# order's lastUpdated, the store's name for the email (sent after commit), and the
# transaction's two statements.
PICKUP_READY_CAP = 8


@pytest.mark.parametrize("lines", SIZES)
def test_pickup_ready_cap(order_factory, packer, lines, django_assert_max_num_queries):
    order = order_factory(lines=[{"quantity": 2} for _ in range(lines)], shipping_info=PICKUP)
    store_settings_get()  # the store's settings row exists (a fresh database writes it once)
    with django_assert_max_num_queries(PICKUP_READY_CAP):
        pickup_mark_ready(order=order, actor=packer)
    assert order.activities.filter(type="PICKUP_READY_EMAIL_SENT").count() == 1


# With an Idempotency-Key: the create's queries plus the key's claim (one statement, which
# also removes expired keys) and its stored answer; a retry reads the key and its answer.
IDEMPOTENT_EXTRA = 2
REPLAY_CAP = 5


@pytest.mark.parametrize("api_kind", ["stores", "ecom"])
@pytest.mark.parametrize("lines", SIZES)
def test_create_fulfillment_with_idempotency_key_caps(
    big_order, packer_api, api_kind, lines, django_assert_max_num_queries
):
    order = big_order(lines)
    if api_kind == "stores":
        path, cap = f"/api/stores/v2/orders/{order.pk}/fulfillments", STORES_API_CAP
        body = {"fulfillment": {"lineItems": [{"index": lines, "quantity": 1}]}}
    else:
        path, cap = f"/api/ecom/v1/fulfillments/orders/{order.pk}/create-fulfillment", ECOM_API_CAP
        line = order.line_items.get(index=lines).line_id
        body = {"fulfillment": {"lineItems": [{"id": str(line), "quantity": 1}]}}
    warm(packer_api)
    with django_assert_max_num_queries(cap + IDEMPOTENT_EXTRA):
        first = post(packer_api, path, body, "retry-me")
    assert first.status_code == 200, first.json()
    with django_assert_max_num_queries(REPLAY_CAP):
        again = post(packer_api, path, body, "retry-me")
    assert again.json() == first.json()
    assert order.fulfillments.count() == min(lines, 5) + 1
