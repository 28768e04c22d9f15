"""Several threads fulfil the same line item at once against real PostgreSQL: the order row
lock serialises them, so the total never exceeds the quantity and every loser gets a clean
OrderError with nothing written. (Transactional tests flush the role groups, so the actor is a
plain user: the services do not check permissions.)"""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.db import connection

from fulfillments import services
from fulfillments.models import Fulfillment, FulfillmentLineItem
from fulfillments.services import fulfillment_bulk_create, fulfillment_create
from orders.models import FulfillmentStatus, Order
from orders.services import OrderError
from tests.config.locking import held
from tests.conftest import api_client_for, client_for, make_user
from tests.factories import make_order

THREADS = 6


def run_concurrently(target, count: int) -> list:
    """Start `count` threads that wait on one barrier, then call target(i); collect the
    results or exceptions. Each thread closes its own database connection."""
    barrier = threading.Barrier(count)
    results: list = [None] * count

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = target(i)
        except Exception as error:  # the test inspects what each thread raised
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_fulfilments_never_exceed_quantity():
    packer = User.objects.create_user(username="racer1")
    order = make_order(lines=[{"quantity": 4}, {"quantity": 1}])

    # Each thread asks for 2 of line 1 and all of line 2: at most one can take line 2.
    results = run_concurrently(
        lambda i: fulfillment_create(
            order=order, lines=[(1, 2), (2, 1)], tracking={"trackingNumber": f"T{i}"}, actor=packer
        ),
        THREADS,
    )
    winners = [r for r in results if isinstance(r, Fulfillment)]
    losers = [r for r in results if isinstance(r, OrderError)]
    assert len(winners) == 1
    assert len(losers) == THREADS - 1
    assert all(loser.status == 409 for loser in losers)
    assert Fulfillment.objects.filter(order=order).count() == 1
    assert FulfillmentLineItem.objects.filter(fulfillment__order=order).count() == 2
    assert Order.objects.get(pk=order.pk).fulfillment_status == (
        FulfillmentStatus.PARTIALLY_FULFILLED
    )


@pytest.mark.django_db(transaction=True)
def test_concurrent_single_units_fill_exactly_the_quantity():
    packer = User.objects.create_user(username="racer2")
    order = make_order(lines=[{"quantity": 3}])
    results = run_concurrently(
        lambda i: fulfillment_create(order=order, lines=[(1, 1)], actor=packer), THREADS
    )
    winners = [r for r in results if isinstance(r, Fulfillment)]
    losers = [r for r in results if isinstance(r, OrderError)]
    assert (len(winners), len(losers)) == (3, THREADS - 3)
    total = sum(
        FulfillmentLineItem.objects.filter(fulfillment__order=order).values_list(
            "quantity", flat=True
        )
    )
    assert total == 3
    assert Fulfillment.objects.filter(order=order).count() == 3
    assert all("already fully fulfilled" in e.message or "left" in e.message for e in losers)
    assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


@pytest.mark.django_db(transaction=True)
def test_concurrent_bulk_creates_neither_deadlock_nor_over_fulfil():
    """Bulk creates naming the same orders in opposite orders: the set-based service locks
    them by id, so they wait for each other instead of deadlocking, and each order's one unit
    ships once."""
    packer = User.objects.create_user(username="racer3")
    orders = [make_order(lines=[{"quantity": 1}], payment_status="PAID") for _ in range(8)]
    items = [
        (order.pk, [{"lines": [(1, 1)], "tracking": {"trackingNumber": "B1"}}]) for order in orders
    ]
    results = run_concurrently(
        lambda i: fulfillment_bulk_create(items=items if i % 2 else items[::-1], actor=packer),
        4,
    )
    assert all(isinstance(result, list) for result in results), results
    shipped = [r.order_id for result in results for r in result if r.success]
    assert sorted(map(str, shipped)) == sorted(str(order.pk) for order in orders)
    refused = [r.error for result in results for r in result if not r.success]
    assert len(refused) == 3 * len(orders)
    assert all(error.status == 409 for error in refused)
    for order in orders:
        assert FulfillmentLineItem.objects.filter(fulfillment__order=order).count() == 1
        assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


@pytest.mark.django_db(transaction=True)
def test_bulk_with_one_order_held_ships_the_others_and_names_that_one(monkeypatch):
    """Another change holds one of three orders past the request's statement timeout: the
    bulk skips it (SKIP LOCKED), ships the other two, waits for it only BULK_LOCK_WAIT, and
    the page names it as failed with nothing shipped for it. It used to be a 503 for all."""
    monkeypatch.setattr(services, "BULK_LOCK_WAIT", timedelta(milliseconds=300))
    client = client_for(make_user("packer"))
    first, busy, last = (make_order(payment_status="PAID") for _ in range(3))
    data = {"order": [str(o.pk) for o in (first, busy, last)], "tracking_number": "1Z9"}
    with held(f'SELECT 1 FROM "{Order._meta.db_table}" WHERE id = %s FOR UPDATE', busy.pk):
        response = client.post("/fulfillments/bulk/", data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> fulfilled, <strong>1</strong> failed" in html
    row = html.split(f"#{busy.number}", 1)[1].split("</li>", 1)[0]
    assert "Another change held this order for too long; nothing was shipped for it." in row
    assert [Fulfillment.objects.filter(order=o).count() for o in (first, busy, last)] == [1, 0, 1]


@pytest.mark.django_db(transaction=True)
def test_api_bulk_with_one_order_held_fails_that_item_only(monkeypatch):
    monkeypatch.setattr(services, "BULK_LOCK_WAIT", timedelta(milliseconds=300))
    api = api_client_for(make_user("packer"))
    orders = [make_order(payment_status="PAID", lines=1) for _ in range(3)]
    body = {
        "ordersWithFulfillments": [
            {
                "orderId": str(order.pk),
                "fulfillments": [
                    {"lineItems": [{"id": str(order.line_items.get().line_id), "quantity": 1}]}
                ],
            }
            for order in orders
        ]
    }
    with held(f'SELECT 1 FROM "{Order._meta.db_table}" WHERE id = %s FOR UPDATE', orders[0].pk):
        response = api.post("/api/ecom/v1/fulfillments/orders/bulk/create-fulfillments", body)
    assert response.status_code == 200, response.content
    items = [result["itemMetadata"] for result in response.json()["results"]]
    assert [item["success"] for item in items] == [False, True, True]
    assert "Another change held this order" in items[0]["error"]["description"]
    assert response.json()["bulkActionMetadata"]["totalFailures"] == 1
