"""A write request answers what happened: the on_commit hooks (queueing emails and webhook
attempts) that fail after the commit do not turn its answer into a 5xx saying "nothing was
saved", and what used to run after the commit (the session save, the read-your-writes pin)
runs in its transaction, so their failure really saves nothing.

The failures are real: another connection holds a lock that the after-commit statement needs,
and the request's connection gets a short statement timeout, so PostgreSQL cancels it.
"""

from __future__ import annotations

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from fulfillments.models import Fulfillment
from orders.models import Activity, ActivityType, Order, ReadPin
from tests.config.locking import held
from tests.conftest import api_client_for, client_for, make_user
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
HTMX = {"HX-Request": "true"}


@pytest.mark.django_db(transaction=True)
def test_a_failing_on_commit_hook_keeps_the_committed_answer(caplog):
    """The shipment email is queued after commit; the tasks table is locked, so queueing it is
    cancelled. The fulfillment is saved, so the answer is the 200 that says so (the failure is
    logged), not a 503 "nothing was saved" that invites a retry and a second parcel."""
    packer = make_user("packer")
    api = api_client_for(packer)
    order = make_order(payment_status="PAID")
    body = {
        "fulfillment": {
            "lineItems": [{"index": 1}],
            "trackingInfo": {"trackingNumber": "AFTER1", "shippingProvider": "ups"},
        },
        "notifyBuyer": True,
    }
    with held(f'LOCK TABLE "{DBTaskResult._meta.db_table}" IN ACCESS EXCLUSIVE MODE'):
        response = api.post(f"{STORES}/{order.pk}/fulfillments", body)
    assert response.status_code == 200, response.content
    assert Fulfillment.objects.filter(order=order, tracking_number="AFTER1").count() == 1
    assert response.json()["order"]["fulfillmentStatus"] == "PARTIALLY_FULFILLED"
    assert "on_commit" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_session_save_that_fails_rolls_the_write_back():
    """The packing station remembers the parcel for Undo in the session. That save happens in
    the request's transaction: when it times out (another request holds the session row), the
    answer is the 503 that says nothing was saved, and it is true, so scanning the label again
    ships the parcel once. (Saved after the commit, it answered 400 "session was deleted"
    for a parcel that had shipped.)"""
    packer = make_user("packer")
    client = client_for(packer)
    client.raise_request_exception = False
    order = make_order(payment_status="PAID")
    ship = {"carrier": "ups", "tracking_number": "AFTER2", "checked": ""}
    session_key = client.session.session_key
    with held("SELECT 1 FROM django_session WHERE session_key = %s FOR UPDATE", session_key):
        response = client.post(f"/pack/{order.number}/ship/", ship, headers=HTMX)
    assert response.status_code == 503, response.content
    assert "nothing was saved" in response.content.decode()
    assert not Fulfillment.objects.filter(order=order).exists()
    assert not Activity.objects.filter(order=order, type=ActivityType.TRACKING_NUMBER_ADDED)

    again = client.post(f"/pack/{order.number}/ship/", ship, headers=HTMX)
    assert again.status_code == 200
    assert f"Order #{order.number} shipped" in again.content.decode()
    assert Fulfillment.objects.filter(order=order, tracking_number="AFTER2").count() == 1
    # The session holds the parcel for Undo.
    assert "Undo shipping" in client.get("/pack/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_read_pin_that_fails_rolls_the_write_back():
    """With read replicas, an API key that wrote is pinned to the primary by a row written in
    the request's transaction; when that write times out (the pin table is locked), the answer
    is a 503 and the email change is not saved either, so the client's retry is safe."""
    owner = make_user("owner")
    api = api_client_for(owner)
    api.client.raise_request_exception = False
    order = make_order(buyer_email="before@example.com")
    email = {"email": "after-commit@example.com"}
    with (
        override_settings(PACKDESK_DB_REPLICAS=["default"]),
        held(f'LOCK TABLE "{ReadPin._meta.db_table}" IN ACCESS EXCLUSIVE MODE'),
    ):
        response = api.patch(f"{STORES}/{order.pk}/updateEmail", email)
    assert response.status_code == 503, response.content
    assert "nothing was saved" in response.json()["message"]
    assert Order.objects.get(pk=order.pk).buyer_email == "before@example.com"

    with override_settings(PACKDESK_DB_REPLICAS=["default"]):
        assert api.patch(f"{STORES}/{order.pk}/updateEmail", email).status_code == 200
    assert Order.objects.get(pk=order.pk).buyer_email == "after-commit@example.com"
    assert ReadPin.objects.filter(subject__startswith="apikey:").count() == 1
