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
