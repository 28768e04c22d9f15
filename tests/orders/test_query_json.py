"""The query API's pages read an order's relations as plain lists (selectors.order_json_queryset)
and the single-order read through Django's prefetch (order_detail_queryset): both must write
the same JSON, with every relation filled (refunds, non-spec activities, fulfillments of
several lines), and the page in a fixed number of queries."""

from __future__ import annotations

from decimal import Decimal

from fulfillments.services import fulfillment_create
from orders.services import order_cancel, order_mark_paid, order_refund
from tests.factories import make_order


def test_query_page_json_is_the_single_order_json(owner, owner_api, django_assert_max_num_queries):
    busy = make_order(lines=[{"quantity": 3, "price": Decimal("4.50")} for _ in range(4)])
    order_mark_paid(order=busy, actor=owner)
    fulfillment_create(order=busy, lines=[(1, 2), (2, 1)], actor=owner)
    fulfillment_create(
        order=busy,
        lines=[(3, 3)],
        tracking={"shippingProvider": "ups", "trackingNumber": "1Z9"},
        actor=owner,
    )
    order_refund(order=busy, amount=Decimal("4.50"), reason="Dented", actor=owner)
    canceled = make_order(lines=1)
    order_cancel(order=canceled, actor=owner)
    plain = make_order(lines=2)
    with django_assert_max_num_queries(12):
        page = owner_api.post(
            "/api/stores/v2/orders/query",
            {"query": {"sort": [{"number": "asc"}], "paging": {"limit": 10}}},
        )
    assert page.status_code == 200, page.json()
    orders = page.json()["orders"]
    assert [o["number"] for o in orders] == [busy.number, canceled.number, plain.number]
    assert len(orders[0]["fulfillments"]) == 2 and len(orders[0]["refunds"]) == 1
    assert {a["type"] for a in orders[0]["activities"]} >= {"ORDER_PLACED", "ORDER_PAID"}
    for listed in orders:
        single = owner_api.get(f"/api/stores/v2/orders/{listed['id']}")
        assert single.status_code == 200
        assert single.json()["order"] == listed
