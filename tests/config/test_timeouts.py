"""A statement cancelled by the statement timeout is a clear 503, also where the answer is
streamed: the CSV export runs its query before the download starts."""

from __future__ import annotations

import pytest

from orders.models import Order
from tests.config.locking import held
from tests.conftest import client_for, make_user
from tests.factories import make_order


@pytest.mark.django_db(transaction=True)
def test_an_export_whose_query_times_out_is_a_503_page_not_a_broken_download():
    """The orders table is locked past the statement timeout. The export used to answer 200
    with the CSV header and then break the download mid-stream (the browser shows a failed or
    truncated file); its query now runs before the answer starts, so it is the 503 page."""
    owner = make_user("owner")
    client = client_for(owner)
    client.raise_request_exception = False
    make_order()
    with held(f'LOCK TABLE "{Order._meta.db_table}" IN ACCESS EXCLUSIVE MODE'):
        response = client.get("/orders/export.csv")
    assert response.status_code == 503
    assert "took longer than" in response.content.decode()
    assert response["Retry-After"] == "5"

    # Unlocked, the same export streams every order.
    response = client.get("/orders/export.csv")
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert len(lines) == 2


@pytest.mark.django_db(transaction=True)
def test_a_write_that_waits_past_the_timeout_says_so_and_saves_nothing():
    """Another transaction holds the order's row past the statement timeout: the fulfilment
    is a 503 that says nothing was saved and why it may have waited (not "narrow the filter",
    which is advice for a list), and nothing is written."""
    from fulfillments.models import Fulfillment
    from tests.conftest import api_client_for

    api = api_client_for(make_user("packer"))
    api.client.raise_request_exception = False
    order = make_order(payment_status="PAID")
    with held(f'SELECT 1 FROM "{Order._meta.db_table}" WHERE id = %s FOR UPDATE', order.pk):
        response = api.post(
            f"/api/stores/v2/orders/{order.pk}/fulfillments",
            {"fulfillment": {"lineItems": [{"index": 1}]}},
        )
    assert response.status_code == 503
    message = response.json()["message"]
    assert "nothing was saved" in message and "Another change to the same order" in message
    assert "filter" not in message
    assert not Fulfillment.objects.filter(order=order).exists()

    # A read that times out keeps the advice to narrow it.
    with held(f'LOCK TABLE "{Order._meta.db_table}" IN ACCESS EXCLUSIVE MODE'):
        query = api.post("/api/stores/v2/orders/query", {"query": {}})
    assert query.status_code == 503
    assert "Narrow the filter" in query.json()["message"]
