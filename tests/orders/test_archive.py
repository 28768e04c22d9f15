"""Archiving an order from its page (DESIGN: Fulfillment staff and owners archive)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Activity, ActivityType, Order
from orders.services import OrderError, order_set_archived

HTMX = {"HX-Request": "true"}


def test_a_packer_archives_and_unarchives_an_order_from_its_page(
    order_factory, packer, packer_client
):
    order = order_factory(lines=1)
    before = order.last_updated
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert f'action="/orders/{order.number}/archive/"' in page
    assert 'name="archived" value="1"' in page and ">Archive<" in page

    response = packer_client.post(f"/orders/{order.number}/archive/", {"archived": "1"})
    assert response.status_code == 302 and response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.archived is True and order.last_updated > before
    activity = Activity.objects.get(order=order, type=ActivityType.ORDER_ARCHIVED)
    assert activity.actor == packer

    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "Order archived" in page and 'class="badge archived"' in page
    assert 'name="archived" value="0"' in page and ">Unarchive<" in page
    # The list's open views leave it out; the Archived view shows it.
    assert (
        f'order #{order.number}"'
        not in packer_client.get("/orders/?view=unfulfilled").content.decode()
    )
    assert f'order #{order.number}"' in packer_client.get("/orders/?view=archived").content.decode()

    swapped = packer_client.post(
        f"/orders/{order.number}/archive/", {"archived": "0"}, headers=HTMX
    ).content.decode()
    assert swapped.lstrip().startswith('<div id="order-body"')
    assert "Order unarchived" in swapped and 'class="badge archived"' not in swapped
    order.refresh_from_db()
    assert order.archived is False
    assert Activity.objects.filter(order=order, type=ActivityType.ORDER_UNARCHIVED).count() == 1


def test_archiving_an_archived_order_writes_nothing(order_factory, packer, packer_client):
    order = order_factory(lines=1, archived=True)
    stamp = order.last_updated
    response = packer_client.post(f"/orders/{order.number}/archive/", {"archived": "1"})
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.archived is True and order.last_updated == stamp
    assert not Activity.objects.filter(order=order, type=ActivityType.ORDER_ARCHIVED).exists()


@pytest.mark.parametrize("value", [None, "", "yes", "2", "true"])
def test_a_bad_value_is_refused_and_changes_nothing(order_factory, packer_client, value):
    order = order_factory(lines=1)
    data = {} if value is None else {"archived": value}
    response = packer_client.post(f"/orders/{order.number}/archive/", data)
    assert response.status_code == 400
    assert "archived must be 1 (archive) or 0 (unarchive)" in response.content.decode()
    order.refresh_from_db()
    assert order.archived is False


def test_who_may_archive(order_factory, owner_client, viewer_client, support_client):
    order = order_factory(lines=1)
    url = f"/orders/{order.number}/archive/"
    for client in (viewer_client, support_client):
        assert "/archive/" not in client.get(f"/orders/{order.number}/").content.decode()
        assert client.post(url, {"archived": "1"}).status_code == 403
    assert not Order.objects.get(pk=order.pk).archived
    assert owner_client.post(url, {"archived": "1"}).status_code == 302
    assert Order.objects.get(pk=order.pk).archived
    assert owner_client.get(url).status_code == 405
    assert owner_client.post("/orders/99999/archive/", {"archived": "1"}).status_code == 404


def test_the_service_locks_the_order_and_checks_its_input(order_factory, packer):
    order = order_factory(lines=1)
    with pytest.raises(OrderError) as refused:
        order_set_archived(order=order, archived="yes", actor=packer)  # type: ignore[arg-type]
    assert refused.value.field == "archived"
    with CaptureQueriesContext(connection) as queries:
        order_set_archived(order=order, archived=True, actor=packer)
    assert any("FOR UPDATE" in q["sql"] for q in queries.captured_queries)
    assert len(queries.captured_queries) <= 6
