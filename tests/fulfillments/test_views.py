"""The order page and its forms, plain and through htmx, with errors and permissions."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fulfillments.models import Fulfillment, FulfillmentLineItem
from fulfillments.services import fulfillment_create
from orders.models import ActivityType, FulfillmentStatus, Order

HTMX = {"HX-Request": "true"}


def line_post(index: int, *, quantity=1, carrier="usps", number="9400", **extra) -> dict:
    prefix = f"line-{index}-"
    data = {
        prefix + "quantity": quantity,
        prefix + "carrier": carrier,
        prefix + "tracking_number": number,
    }
    data.update({prefix + key: value for key, value in extra.items()})
    return data


def test_page_shows_lines_fulfillments_and_activity(spec_orders, viewer_client):
    response = viewer_client.get("/orders/10012/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Order #10012" in html
    assert 'alt="Shoe"' in html or "Shoe" in html
    assert "43255" in html
    assert "trackingnumber=43255" in html
    assert 'data-type="ORDER_PLACED"' in html
    # A viewer sees no edit controls.
    assert "Add tracking" not in html
    assert "Edit tracking" not in html
    assert "Edit email" not in html
    assert "Fulfil several lines" not in html


def test_page_image_options_sku(order_factory, packer_client):
    order = order_factory(
        lines=[
            {
                "name": "Mug <b>",
                "sku": "MUG-1",
                "quantity": 2,
                "media_item": {"url": "/static/img/mug.png"},
                "options": [{"option": "Size", "selection": "Large"}],
            }
        ]
    )
    html = packer_client.get(f"/orders/{order.number}/").content.decode()
    # The name stands beside the picture, so the picture is decorative (alt=""); a local
    # placeholder replaces it if it cannot load.
    assert '<img class="thumb" src="/static/img/mug.png" alt=""' in html
    assert 'data-placeholder="/static/img/product-placeholder.svg"' in html
    assert "Mug &lt;b&gt;" in html
    assert "Size: Large" in html
    assert "MUG-1" in html
    assert 'name="line-1-quantity" value="2"' in html
    assert "Mug <b>" not in html


def test_page_unknown_order_is_404(db, packer_client):
    assert packer_client.get("/orders/99999/").status_code == 404


def test_add_tracking_plain_redirects_with_message(order_factory, packer_client, packer):
    order = order_factory(lines=[{"quantity": 2}, {"quantity": 1}])
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/", line_post(1, quantity=2, number="9400 1")
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    f = Fulfillment.objects.get(order=order)
    assert f.tracking_link == "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=9400%201"
    assert f.created_by == packer
    page = packer_client.get(response["Location"]).content.decode()
    assert "Line 1 fulfilled." in page
    assert Order.objects.get(pk=order.pk).fulfillment_status == "PARTIALLY_FULFILLED"


def test_add_tracking_htmx_returns_body_partial(order_factory, packer_client):
    order = order_factory(lines=1)
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/", line_post(1), headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="order-body"')
    assert "<html" not in html
    assert "Line 1 fulfilled." in html
    assert "Fulfilled" in html
    assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


def test_add_tracking_other_carrier_link(order_factory, packer_client):
    order = order_factory(lines=1)
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/",
        line_post(
            1, carrier="other", carrier_name="Royal Mail", tracking_link="https://rm.example/1"
        ),
    )
    assert response.status_code == 302
    f = Fulfillment.objects.get(order=order)
    assert (f.shipping_provider, f.tracking_link) == ("Royal Mail", "https://rm.example/1")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (line_post(1, quantity=3), "only 2 left"),
        (line_post(1, quantity=5), "more than the 3 ordered"),
        (line_post(1, quantity=0), "greater than or equal to 1"),
        (line_post(1, carrier="other", tracking_link="ftp://x.example/1"), "http"),
    ],
)
def test_add_tracking_errors_next_to_field_change_nothing(
    order_factory, packer_client, data, message
):
    order = order_factory(lines=[{"quantity": 3}])
    fulfillment_create(order=order, lines=[(1, 1)], actor=None)
    for headers in ({}, HTMX):
        response = packer_client.post(
            f"/fulfillments/{order.number}/lines/1/", data, headers=headers
        )
        assert response.status_code == 200
        html = response.content.decode()
        assert message in html
        assert 'class="errorlist' in html
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_fulfil_several_lines(order_factory, packer_client):
    order = order_factory(lines=[{"quantity": 2}, {"quantity": 3}, {"quantity": 1}])
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/",
        {
            "multi-pick_1": "on",
            "multi-qty_1": "2",
            "multi-pick_3": "on",
            "multi-qty_3": "1",
            "multi-qty_2": "3",
            "multi-carrier": "ups",
            "multi-tracking_number": "1Z999",
        },
    )
    assert response.status_code == 302
    f = Fulfillment.objects.get(order=order)
    assert sorted(f.lines.values_list("line_item__index", "quantity")) == [(1, 2), (3, 1)]
    assert f.tracking_link.endswith("trackNums=1Z999")


def test_fulfil_several_lines_errors(order_factory, packer_client):
    order = order_factory(lines=[{"quantity": 2}, {"quantity": 1}])
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/",
        {"multi-carrier": "ups", "multi-tracking_number": "1"},
    )
    assert "Choose at least one line" in response.content.decode()
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/",
        {"multi-pick_2": "on", "multi-qty_2": "4", "multi-carrier": "ups"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "more than the 1 ordered" in html
    assert not Fulfillment.objects.filter(order=order).exists()


def test_edit_tracking_htmx_get_and_post(spec_orders, packer_client):
    f = spec_orders[10012].fulfillments.get()
    url = f"/fulfillments/10012/{f.id}/edit/"
    row = packer_client.get(url, headers=HTMX).content.decode()
    assert row.lstrip().startswith(f'<li id="fulfillment-{f.id}"')
    assert 'value="43255"' in row
    full = packer_client.get(url).content.decode()
    assert "<html" in full and 'value="43255"' in full
    response = packer_client.post(
        url, {"edit-carrier": "dhl", "edit-tracking_number": "777"}, headers=HTMX
    )
    assert response.status_code == 200
    assert "Tracking updated." in response.content.decode()
    f.refresh_from_db()
    assert (f.shipping_provider, f.tracking_number) == ("dhl", "777")
    assert f.tracking_link.endswith("tracking-id=777")
    assert spec_orders[10012].activities.filter(type=ActivityType.TRACKING_NUMBER_EDITED).exists()


def test_edit_tracking_error_and_unknown(spec_orders, packer_client):
    f = spec_orders[10012].fulfillments.get()
    response = packer_client.post(
        f"/fulfillments/10012/{f.id}/edit/",
        {"edit-carrier": "other", "edit-tracking_link": "notaurl at all"},
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()
    f.refresh_from_db()
    assert f.tracking_number == "43255"
    assert packer_client.get(f"/fulfillments/10012/{uuid.uuid4()}/edit/").status_code == 404
    other = spec_orders[10108].fulfillments.first()
    assert packer_client.get(f"/fulfillments/10012/{other.id}/edit/").status_code == 404


def test_delete_needs_confirmation_step(spec_orders, packer_client):
    f = spec_orders[10012].fulfillments.get()
    url = f"/fulfillments/10012/{f.id}/delete/"
    confirm = packer_client.get(url, headers=HTMX).content.decode()
    assert "Yes, delete" in confirm
    assert confirm.lstrip().startswith("<li")
    assert "Yes, delete" in packer_client.get(url).content.decode()
    assert Fulfillment.objects.filter(pk=f.pk).exists()
    response = packer_client.post(url)
    assert response.status_code == 302
    assert not Fulfillment.objects.filter(pk=f.pk).exists()
    order = Order.objects.get(number=10012)
    assert order.fulfillment_status == FulfillmentStatus.NOT_FULFILLED
    assert packer_client.post(url).status_code == 404


def test_email_and_address_edit(order_factory, packer_client):
    order = order_factory(lines=1)
    url = f"/orders/{order.number}/email/"
    partial = packer_client.get(url, headers=HTMX).content.decode()
    assert partial.lstrip().startswith('<section class="card addresses" id="addresses"')
    response = packer_client.post(url, {"email-email": "bad"})
    assert "Enter a valid email address." in response.content.decode()
    response = packer_client.post(url, {"email-email": "new@example.com"})
    assert response.status_code == 302
    assert Order.objects.get(pk=order.pk).buyer_email == "new@example.com"

    url = f"/orders/{order.number}/shipping-address/"
    assert 'name="address-city"' in packer_client.get(url).content.decode()
    response = packer_client.post(url, {"address-city": "Paris"}, headers=HTMX)
    assert "This field is required." in response.content.decode()
    response = packer_client.post(
        url,
        {
            "address-first_name": "Ada",
            "address-last_name": "L",
            "address-address_line1": "2 Rue",
            "address-city": "Paris",
            "address-country": "FR",
        },
    )
    assert response.status_code == 302
    address = Order.objects.get(pk=order.pk).shipping_info["shipmentDetails"]["address"]
    assert address["city"] == "Paris"
    assert address["email"] == "new@example.com"


def test_permissions_on_post(spec_orders, viewer_client, support_client):
    f = spec_orders[10012].fulfillments.get()
    posts = [
        ("/fulfillments/10012/lines/3/", line_post(3)),
        ("/fulfillments/10012/lines/", {"multi-pick_3": "on", "multi-carrier": "ups"}),
        (f"/fulfillments/10012/{f.id}/edit/", {"edit-carrier": "ups"}),
        (f"/fulfillments/10012/{f.id}/delete/", {}),
        ("/orders/10012/email/", {"email-email": "x@example.com"}),
        ("/fulfillments/bulk/", {"order": str(spec_orders[10012].id)}),
    ]
    for url, data in posts:
        assert viewer_client.post(url, data).status_code == 403, url
    # Support may edit addresses but not fulfillments.
    assert support_client.post(posts[0][0], posts[0][1]).status_code == 403
    assert (
        support_client.post("/orders/10012/email/", {"email-email": "s@example.com"}).status_code
        == 302
    )
    assert Fulfillment.objects.filter(order=spec_orders[10012]).count() == 1


def test_canceled_order_has_no_add_forms(order_factory, packer_client):
    order = order_factory(lines=1, fulfillment_status=FulfillmentStatus.CANCELED)
    html = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "line-fulfil" not in html
    response = packer_client.post(f"/fulfillments/{order.number}/lines/1/", line_post(1))
    assert "canceled" in response.content.decode()
    assert not Fulfillment.objects.filter(order=order).exists()


def test_owner_sees_payment_panel(order_factory, owner_client, packer_client):
    order = order_factory(lines=1)
    assert 'id="owner-actions"' in owner_client.get(f"/orders/{order.number}/").content.decode()
    assert (
        'id="owner-actions"' not in packer_client.get(f"/orders/{order.number}/").content.decode()
    )


def make_big_order(order_factory, lines: int, fulfillments: int) -> Order:
    order = order_factory(lines=[{"quantity": 3} for _ in range(lines)])
    items = list(order.line_items.all())
    for i in range(fulfillments):
        f = Fulfillment.objects.create(
            order=order, tracking_number=f"T{i}", shipping_provider="ups"
        )
        FulfillmentLineItem.objects.bulk_create(
            FulfillmentLineItem(fulfillment=f, line_item=item, quantity=1)
            for item in items[i % lines :: fulfillments][:3]
        )
    return order


def test_page_query_count_does_not_grow(order_factory, owner_client):
    small = make_big_order(order_factory, 5, 2)
    big = make_big_order(order_factory, 50, 20)
    counts = []
    for order in (small, big):
        with CaptureQueriesContext(connection) as queries:
            response = owner_client.get(f"/orders/{order.number}/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 15
