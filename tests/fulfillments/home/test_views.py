"""The home page over HTTP: what each role sees, the HTMX figures swap, a fixed query count."""

from __future__ import annotations

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from fulfillments.services import fulfillment_create
from orders.models import Order
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventType,
)
from tests.conftest import client_for
from tests.factories import make_order

pytestmark = pytest.mark.django_db


def html(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def test_home_requires_login(client: Client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_home_owner_sees_everything(owner_client, owner, packer):
    make_order(lines=1, payment_status="PAID")
    order = make_order(lines=1, payment_status="PAID")
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    endpoint = WebhookEndpoint.objects.create(url="https://hooks.example.com/in", events=[])
    event = WebhookEvent.objects.create(event_type=WebhookEventType.ORDER_PAID, payload={})
    WebhookDelivery.objects.create(
        event=event, endpoint=endpoint, status=WebhookDeliveryStatus.FAILED, attempts=9
    )
    page = html(owner_client.get("/"))
    assert "Waiting to ship" in page
    assert 'id="fig-backlog"' in page and "/orders/?filter=" in page
    assert "Fulfilments per packer" in page and "packer" in page
    assert "Webhook health" in page
    assert f"/webhooks/{endpoint.pk}/" in page
    # Both charts with their table alternatives.
    assert page.count('<svg class="chart"') == 2
    assert page.count("Show as a table") == 2


def test_home_packer_sees_own_figures_only(packer_client, packer):
    other = User.objects.create_user(username="someone-else")
    order = make_order(lines=2, payment_status="PAID")
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=other)
    page = html(packer_client.get("/"))
    assert "Your fulfilments" in page
    assert "someone-else" not in page
    assert "Webhook health" not in page
    assert "Waiting to ship" in page


@pytest.mark.parametrize("role_client", ["viewer_client", "support_client"])
def test_home_readers_see_backlog_without_team_figures(role_client, request):
    page = html(request.getfixturevalue(role_client).get("/"))
    assert "Waiting to ship" in page and "Keeping up" in page
    assert "Fulfilments per packer" not in page and "Your fulfilments" not in page
    assert "Webhook health" not in page


def test_home_without_a_role_shows_no_figures(nobody):
    page = html(client_for(nobody).get("/"))
    assert "cannot see orders" in page
    assert "Waiting to ship" not in page


def test_home_htmx_poll_gets_the_figures_only(owner_client):
    response = owner_client.get("/", headers={"HX-Request": "true"})
    page = html(response)
    assert page.lstrip().startswith('<div id="figures"')
    assert "<html" not in page
    assert 'hx-trigger="every 60s, packdesk-refresh"' in page
    assert "HX-Request" in response["Vary"]


def test_home_query_count_is_fixed(owner_client, packer, django_assert_num_queries):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            html(owner_client.get("/"))
        return len(ctx.captured_queries)

    owner_client.get("/")  # the first visit may rebuild the day table in the store's zone
    few = count()
    for n in range(12):
        order = make_order(lines=2, payment_status="PAID" if n % 2 else "NOT_PAID")
        fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    assert count() == few
    with django_assert_num_queries(few):
        owner_client.get("/", headers={"HX-Request": "true"})


def linked_count(client: Client, page: str, anchor: str) -> tuple[int, int]:
    """(the figure, the count the orders list shows) for the home page link `anchor`."""
    match = re.search(rf'<a id="{anchor}" href="([^"]+)"><span class="count">([\d,]+)</span>', page)
    assert match, anchor
    figure = int(match.group(2).replace(",", ""))
    listing = html(client.get(unescape(match.group(1))))
    shown = re.search(r"<span data-count>([\d,]+)</span> order", listing)
    assert shown, anchor
    return figure, int(shown.group(1).replace(",", ""))


def test_pickup_and_fulfilled_today_link_to_exactly_their_orders(owner_client, packer):
    pickup = {"pickupDetails": {"pickupInstructions": "Counter 2"}}
    for n in range(3):
        order = make_order(lines=2, payment_status="PAID")
        if n:
            Order.objects.filter(pk=order.pk).update(shipping_info=pickup)
        fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    make_order(lines=1, payment_status="NOT_PAID", shipping_info=pickup)
    page = html(owner_client.get("/"))

    assert linked_count(owner_client, page, "fig-pickup") == (3, 3)
    assert linked_count(owner_client, page, "fig-fulfilled-today") == (3, 3)
