"""The order page and its forms, plain and through htmx, with errors and permissions."""

from __future__ import annotations

import re
import uuid

import pytest

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create, fulfillment_delete
from orders.models import Activity, ActivityType, FulfillmentStatus, LineItemType, Order

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
    # The error sits next to the quantity of the line at fault (OrderError.line), not on top.
    assert re.search(
        r'<ul class="errorlist" id="id_multi-qty_2_error"><li>[^<]*more than the 1 ordered', html
    )
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
    # A second click (or a page shown before someone else deleted it): the order, saying so.
    again = packer_client.post(url, follow=True)
    assert again.redirect_chain == [("/orders/10012/", 302)]
    assert "That fulfillment no longer exists" in again.content.decode()


def test_stale_edit_and_delete_of_a_deleted_fulfillment_show_the_order_as_it_is(
    spec_orders, packer_client, packer
):
    """The page was shown, then someone else deleted the fulfillment: the edit form's and the
    delete confirmation's posts (htmx) answer the fresh order body with a message, not a 404
    that the page would show as "try again". Nothing is written."""
    order = spec_orders[10012]
    f = order.fulfillments.get()
    packer_client.get("/orders/10012/")
    fulfillment_delete(order=order, fulfillment_id=f.id, actor=packer)
    activities = Activity.objects.filter(order=order).count()
    for url, data in [
        (f"/fulfillments/10012/{f.id}/edit/", {"edit-carrier": "ups", "edit-tracking_number": "1"}),
        (f"/fulfillments/10012/{f.id}/delete/", {}),
    ]:
        response = packer_client.post(url, data, headers=HTMX)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "That fulfillment no longer exists" in html
        assert 'id="order-body"' in html
    assert Activity.objects.filter(order=order).count() == activities
    assert not Fulfillment.objects.filter(order=order).exists()


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
    # Support may edit addresses, but neither fulfillments nor the buyer's email.
    assert support_client.post(posts[0][0], posts[0][1]).status_code == 403
    assert support_client.post(posts[4][0], posts[4][1]).status_code == 403
    address = {
        "address-first_name": "Ada",
        "address-last_name": "L",
        "address-address_line1": "2 Rue",
        "address-city": "Paris",
        "address-country": "FR",
    }
    assert support_client.post("/orders/10012/shipping-address/", address).status_code == 302
    assert Fulfillment.objects.filter(order=spec_orders[10012]).count() == 1


def test_canceled_order_has_no_add_forms(order_factory, packer_client):
    order = order_factory(lines=1, fulfillment_status=FulfillmentStatus.CANCELED)
    html = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "line-fulfil" not in html
    response = packer_client.post(f"/fulfillments/{order.number}/lines/1/", line_post(1))
    assert "canceled" in response.content.decode()
    assert not Fulfillment.objects.filter(order=order).exists()


# ---- Bulk fulfil (/fulfillments/bulk/) ----


def test_bulk_fulfil_each_order_with_its_number(order_factory, packer_client):
    a = order_factory(lines=[{"quantity": 2}, {"quantity": 1}], payment_status="PAID")
    b = order_factory(
        lines=[{"quantity": 1}, {"quantity": 1, "line_item_type": LineItemType.DIGITAL}],
        payment_status="PAID",
    )
    fulfillment_create(order=a, lines=[(1, 1)], actor=None)
    response = packer_client.post(
        "/fulfillments/bulk/",
        {
            "order": [str(a.id), str(b.id)],
            "carrier": "fedex",
            f"tracking-{a.id}": "AAA",
            "tracking_number": "SHARED",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>2</strong> fulfilled, <strong>0</strong> failed" in html
    latest_a = Fulfillment.objects.filter(order=a).order_by("-date_created").first()
    assert latest_a.tracking_number == "AAA"
    assert sorted(latest_a.lines.values_list("line_item__index", "quantity")) == [(1, 1), (2, 1)]
    fb = Fulfillment.objects.get(order=b)
    assert fb.tracking_number == "SHARED"
    assert fb.tracking_link.endswith("trackingnumber=SHARED")
    assert list(fb.lines.values_list("line_item__index", flat=True)) == [1]
    for order in (a, b):
        assert Order.objects.get(pk=order.pk).fulfillment_status == FulfillmentStatus.FULFILLED


def test_bulk_fulfil_reports_failures_per_order(order_factory, packer_client):
    ok = order_factory(lines=1, payment_status="PAID")
    canceled = order_factory(
        lines=1, fulfillment_status=FulfillmentStatus.CANCELED, payment_status="PAID"
    )
    done = order_factory(lines=1, payment_status="PAID")
    fulfillment_create(order=done, lines=[(1, 1)], actor=None)
    missing = uuid.uuid4()
    response = packer_client.post(
        "/fulfillments/bulk/",
        {"order": [str(ok.id), str(canceled.id), str(done.id), str(missing)]},
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<section id="bulk-results"')
    assert "<strong>1</strong> fulfilled, <strong>3</strong> failed" in html
    assert "canceled" in html
    assert "Nothing left to ship" in html
    assert "Order not found." in html
    assert Fulfillment.objects.filter(order=ok).count() == 1
    assert not Fulfillment.objects.filter(order=canceled).exists()


def test_bulk_fulfil_bad_input(db, packer_client):
    response = packer_client.post("/fulfillments/bulk/", {"order": ["not-a-uuid"]})
    assert response.status_code == 400
    assert "Not an order id" in response.content.decode()
    assert packer_client.post("/fulfillments/bulk/", {}).status_code == 400
    assert packer_client.get("/fulfillments/bulk/").status_code == 405


def test_bulk_fulfil_unpaid_needs_explicit_confirmation(order_factory, packer_client):
    paid = order_factory(lines=1, payment_status="PAID")
    unpaid = order_factory(lines=[{"quantity": 1}], payment_status="NOT_PAID")
    data = {
        "order": [str(paid.id), str(unpaid.id)],
        "carrier": "ups",
        f"tracking-{unpaid.id}": "U1",
    }
    html = packer_client.post("/fulfillments/bulk/", data).content.decode()
    assert "<strong>1</strong> fulfilled, <strong>1</strong> failed" in html
    assert f"Order #{unpaid.number} is not paid (payment: Not Paid)" in html
    assert not Fulfillment.objects.filter(order=unpaid).exists()
    # The result offers to ship the held orders, with what was typed for them.
    confirm = html.split('class="bulk-confirm"')[1].split("</form>")[0]
    assert f'name="order" value="{unpaid.id}"' in confirm
    assert f'name="order" value="{paid.id}"' not in confirm
    assert f'name="tracking-{unpaid.id}" value="U1"' in confirm
    assert 'name="confirm" value="on"' in confirm
    html = packer_client.post(
        "/fulfillments/bulk/",
        {
            "order": [str(unpaid.id)],
            "carrier": "ups",
            f"tracking-{unpaid.id}": "U1",
            "confirm": "on",
        },
    ).content.decode()
    assert "<strong>1</strong> fulfilled, <strong>0</strong> failed" in html
    assert Fulfillment.objects.get(order=unpaid).tracking_number == "U1"


def test_bulk_fulfil_never_ships_digital_lines(order_factory, packer_client):
    digital = order_factory(lines=[{"line_item_type": LineItemType.DIGITAL}], payment_status="PAID")
    html = packer_client.post(
        "/fulfillments/bulk/", {"order": [str(digital.id)], "confirm": "on"}
    ).content.decode()
    assert "Nothing left to ship" in html
    assert not Fulfillment.objects.filter(order=digital).exists()


@pytest.mark.parametrize("lines", [2, 40])
def test_order_page_query_count_is_fixed(
    lines, order_factory, owner_client, owner, django_assert_num_queries
):
    """Session, the user with permissions, the order with the store's notify default, then its
    line items, refunds, activities, fulfillments and their lines, and (something being left
    to ship) who has it open at the packing station: the refunded total and the notify
    default need no query of their own, whatever the order's size."""
    from decimal import Decimal

    from orders.services import order_refund

    order = order_factory(lines=[{"quantity": 2} for _ in range(lines)], payment_status="PAID")
    for index in range(1, min(lines, 5) + 1):
        fulfillment_create(order=order, lines=[(index, 1)], actor=owner)
    order_refund(order=order, amount=Decimal("1.00"), actor=owner)
    owner_client.get("/orders/")  # a working session
    with django_assert_num_queries(9):
        html = owner_client.get(f"/orders/{order.number}/").content.decode()
    # The refunded amount, added up from the prefetched refunds.
    assert f"refunded 1.00 · refundable {order.total - Decimal('1.00')}" in html
