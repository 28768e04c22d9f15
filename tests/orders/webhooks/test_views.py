"""The owners' webhook pages: endpoints (list, create, edit, delete), deliveries, resend."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from orders.services import order_mark_paid
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)
from orders.webhooks.tasks import deliver_due
from tests.factories import make_order
from tests.orders.webhooks.conftest import IMMEDIATE
from tests.orders.webhooks.receiver import Receiver


def test_endpoint_pages_owner_only(packer_client, viewer_client, support_client, endpoint):
    for client in (packer_client, viewer_client, support_client):
        assert client.get("/webhooks/").status_code == 403
        assert client.get("/webhooks/new/").status_code == 403
        assert client.post("/webhooks/new/", {"url": "https://x.example/"}).status_code == 403
        assert client.get(f"/webhooks/{endpoint.pk}/").status_code == 403
        assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 403
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_owner_creates_endpoint_with_generated_secret(owner_client, owner):
    response = owner_client.post(
        "/webhooks/new/",
        {
            "url": "https://shop.example/hooks",
            "description": "ERP",
            "events": ["OrderPaid", "FulfillmentCreated"],
            "secret": "",
            "active": "on",
        },
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/webhooks/{endpoint.pk}/"
    assert endpoint.events == ["OrderPaid", "FulfillmentCreated"]
    assert endpoint.created_by == owner
    assert endpoint.active
    assert len(endpoint.secret) >= 32
    page = owner_client.get("/webhooks/")
    assert "https://shop.example/hooks" in page.text and "ERP" in page.text


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        ({"url": "ftp://shop.example/hooks", "events": ["OrderPaid"]}, "Enter a valid URL."),
        ({"url": "https://shop.example/hooks"}, "This field is required."),
        ({"url": "https://shop.example/hooks", "events": ["Nope"]}, "Select a valid choice."),
    ],
)
def test_endpoint_form_errors_rerender(owner_client, data, field_error):
    response = owner_client.post("/webhooks/new/", data)
    assert response.status_code == 200
    assert field_error in response.text
    assert not WebhookEndpoint.objects.exists()


def test_owner_edits_and_deletes_endpoint(owner_client, endpoint):
    new_secret = "a-new-secret-of-forty-characters-000000"
    response = owner_client.post(
        f"/webhooks/{endpoint.pk}/edit/",
        {"url": endpoint.url, "events": ["OrderCanceled"], "secret": new_secret},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.events == ["OrderCanceled"]
    assert endpoint.secret == new_secret
    assert endpoint.active is False
    assert owner_client.get(f"/webhooks/{endpoint.pk}/delete/").status_code == 200
    response = owner_client.post(f"/webhooks/{endpoint.pk}/delete/")
    assert response["Location"] == "/webhooks/"
    assert not WebhookEndpoint.objects.exists()


def test_endpoint_page_lists_deliveries(owner_client, endpoint, owner):
    order = make_order()
    with Receiver() as receiver:
        receiver.mode = "fail"
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=order, actor=owner)
        deliver_due()
    response = owner_client.get(f"/webhooks/{endpoint.pk}/")
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    row = response.text.split(f'id="delivery-{delivery.pk}"')[1].split("</tr>")[0]
    assert "Order paid" in row and f"#{order.number}" in row
    assert "Pending" in row and ">1<" in row and "500" in row
    # Filtered by status, through htmx: only the deliveries region comes back.
    response = owner_client.get(
        f"/webhooks/{endpoint.pk}/?status=succeeded", headers={"HX-Request": "true"}
    )
    assert "<html" not in response.text
    assert "No deliveries." in response.text


def test_resend_delivers_failed_event_again(
    owner_client, endpoint, owner, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        WebhookDelivery.objects.update(
            status="failed", attempts=9, next_attempt_at=None, last_response_code=500
        )
        delivery = WebhookDelivery.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                f"/webhooks/deliveries/{delivery.pk}/resend/", headers={"HX-Request": "true"}
            )
        assert response.status_code == 200
        assert f'id="delivery-{delivery.pk}"' in response.text
        # A message says what happened, swapped into the page's status line.
        number = delivery.event.order.number
        assert 'id="resend-status" class="message success" role="status" hx-swap-oob="true"' in (
            response.text
        )
        assert f"“Order paid” for order #{number} will be sent again shortly." in response.text
        assert receiver.accepted() == [str(delivery.event_id)]
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
        "succeeded",
        10,
        200,
    )


def test_resend_without_htmx_redirects(owner_client, endpoint, owner):
    order_mark_paid(order=make_order(), actor=owner)
    WebhookDelivery.objects.update(status="failed", next_attempt_at=None)
    delivery = WebhookDelivery.objects.get()
    response = owner_client.post(f"/webhooks/deliveries/{delivery.pk}/resend/")
    assert response["Location"] == f"/webhooks/{endpoint.pk}/"
    page = owner_client.get(response["Location"]).text
    assert "will be sent again shortly." in page
    # Event names as people say them, on the endpoint and its deliveries.
    events = re.search(r"<p>Events: ([^<]*)</p>", page).group(1)
    assert "Order paid" in events and "OrderPaid" not in events
    assert "<td>Order paid<br>" in page
    delivery.refresh_from_db()
    assert delivery.status == "pending"
    assert delivery.first_attempt_at is None
    assert delivery.next_attempt_at <= timezone.now()


def test_resend_forbidden_to_packer(packer_client, endpoint, owner):
    order_mark_paid(order=make_order(), actor=owner)
    WebhookDelivery.objects.update(status="failed")
    delivery = WebhookDelivery.objects.get()
    assert packer_client.post(f"/webhooks/deliveries/{delivery.pk}/resend/").status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == "failed"


def test_events_and_deliveries_are_never_deleted_in_the_admin(owner_client, endpoint, owner):
    """An event and its deliveries are the record of what was sent where; deleting an event
    took its deliveries with it, and one still due was then never sent."""
    order = make_order(lines=1)
    order_mark_paid(order=order, actor=owner)
    delivery = WebhookDelivery.objects.select_related("event").get(event__order=order)
    event = delivery.event
    for model, pk in (("webhookevent", event.pk), ("webhookdelivery", delivery.pk)):
        assert owner_client.get(f"/admin/orders/{model}/{pk}/delete/").status_code == 403
        assert (
            owner_client.post(f"/admin/orders/{model}/{pk}/delete/", {"post": "yes"}).status_code
            == 403
        )
        listing = owner_client.get(f"/admin/orders/{model}/")
        assert listing.status_code == 200
        assert "delete_selected" not in listing.text
        bulk = owner_client.post(
            f"/admin/orders/{model}/",
            {"action": "delete_selected", "_selected_action": [pk], "post": "yes"},
        )
        assert bulk.status_code in (200, 302)
    assert WebhookEvent.objects.filter(pk=event.pk).exists()
    assert WebhookDelivery.objects.filter(pk=delivery.pk).exists()
