"""The order page's "Ship all remaining", digital lines without forms, focus after swaps,
and pickup / point-of-sale orders on the order page and at the packing station."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django_tasks_db.models import DBTaskResult

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from orders.models import Activity, ActivityType, FulfillmentStatus, LineItemType
from orders.services import store_settings_update
from tests.factories import make_order

HTMX = {"HX-Request": "true"}
PICKUP = {
    "deliveryOption": "Pickup at the shop",
    "pickupDetails": {"pickupInstructions": "Back door, ring twice."},
}


def run_queued_tasks() -> int:
    """What the tasks worker would do now: run every queued task (they were written in the
    test's transaction, with the change). Returns how many ran."""
    ready = list(DBTaskResult.objects.ready())
    for queued in ready:
        result = queued.task_result
        queued.task.call(*result.args, **result.kwargs)
        queued.delete()
    return len(ready)


def tag_of(html: str, marker: str) -> str:
    """The opening tag that contains `marker`."""
    before, after = html.split(marker, 1)
    return before.rsplit("<", 1)[1] + marker + after.split(">", 1)[0]


def test_digital_lines_get_no_tracking_forms(packer_client):
    order = make_order(
        payment_status="PAID",
        lines=[{"name": "Mug"}, {"name": "E-book", "line_item_type": LineItemType.DIGITAL}],
    )
    html = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert 'name="line-1-tracking_number"' in html
    assert 'name="line-2-tracking_number"' not in html
    assert 'name="multi-pick_2"' not in html
    # Posted anyway: refused, nothing written.
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/2/",
        {"line-2-quantity": "1", "line-2-carrier": "usps", "line-2-tracking_number": "X"},
    )
    assert "Line 2 needs no shipping" in response.content.decode()
    assert not Fulfillment.objects.exists()


def test_ship_all_remaining_from_the_order_page(packer_client, packer):
    order = make_order(
        payment_status="PAID",
        lines=[{"quantity": 2}, {"line_item_type": LineItemType.DIGITAL}, {"quantity": 1}],
    )
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "Ship all remaining" in page and "3 units in one parcel" in page
    response = packer_client.post(
        f"/fulfillments/{order.number}/ship-all/",
        {"all-carrier": "dhl", "all-tracking_number": "JD01"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Everything remaining has shipped." in html
    shipped = Fulfillment.objects.get(order=order)
    assert sorted(shipped.lines.values_list("line_item__index", "quantity")) == [(1, 2), (3, 1)]
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert "Ship all remaining" not in html


def test_ship_all_unpaid_asks_then_ships(packer_client):
    order = make_order(payment_status="PENDING", lines=1)
    data = {"all-carrier": "usps", "all-tracking_number": "9400"}
    response = packer_client.post(f"/fulfillments/{order.number}/ship-all/", data, headers=HTMX)
    html = response.content.decode()
    assert f"Order #{order.number} is not paid (payment: Pending)" in html
    assert "autofocus" in tag_of(html, ">Ship anyway<").split("<button")[-1]
    assert 'name="all-confirm" value="on"' in html
    assert not Fulfillment.objects.exists()
    packer_client.post(
        f"/fulfillments/{order.number}/ship-all/", {**data, "all-confirm": "on"}, headers=HTMX
    )
    assert Fulfillment.objects.get(order=order).tracking_number == "9400"


@pytest.mark.parametrize("number", ["", "94001112 01080805483016"])
def test_dont_ship_keeps_the_ship_all_answers(packer_client, number):
    """ "Don't ship" returns to "Ship all remaining" with the carrier, the number (a USPS
    barcode's routing code taken off) and the email choice as sent, the cursor in the
    tracking box; without a number too."""
    order = make_order(payment_status="NOT_PAID", lines=[{"quantity": 2}])
    scanned = f"42022153{number}" if number else ""
    data = {"all-carrier": "usps", "all-tracking_number": scanned}
    html = packer_client.post(f"/fulfillments/{order.number}/ship-all/", data, headers=HTMX)
    back = re.search(r'<a href="([^"]+)" hx-get="\1"[^>]*data-escape>Don', html.content.decode())
    assert back is not None
    page = packer_client.get(back.group(1).replace("&amp;", "&"), headers=HTMX).content.decode()
    form = page.split('id="ship-all-form"')[1].split("</form>")[0]
    assert '<option value="usps" selected>' in form
    box = tag_of(form, 'name="all-tracking_number"')
    assert "autofocus" in box
    assert f'value="{number.replace(" ", "")}"' in box if number else "value=" not in box
    assert "checked" not in tag_of(form, 'name="all-notify"')
    assert 'name="all-confirm"' not in form
    assert not Fulfillment.objects.filter(order=order).exists()


def test_ship_all_after_someone_shipped_part_ships_nothing_and_shows_what_remains(
    packer_client, owner
):
    order = make_order(payment_status="PAID", lines=[{"quantity": 2}, {"quantity": 1}])
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert re.search(r'name="all-expected" value="1:2,2:1"', page)
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=owner)

    data = {"all-carrier": "dhl", "all-tracking_number": "JD01", "all-expected": "1:2,2:1"}
    response = packer_client.post(f"/fulfillments/{order.number}/ship-all/", data, headers=HTMX)
    html = response.content.decode()
    assert f"Order #{order.number} changed while you were packing it" in html
    assert "2 units in one parcel" in html
    # The form keeps the tracking number and now carries what the page shows.
    assert re.search(r'name="all-expected" value="1:1,2:1"', html)
    assert 'value="JD01"' in html
    assert not Fulfillment.objects.filter(tracking_number="JD01").exists()

    response = packer_client.post(
        f"/fulfillments/{order.number}/ship-all/",
        {**data, "all-expected": "1:1,2:1"},
        headers=HTMX,
    )
    assert "Everything remaining has shipped." in response.content.decode()
    shipped = Fulfillment.objects.get(tracking_number="JD01")
    assert sorted(shipped.lines.values_list("line_item__index", "quantity")) == [(1, 1), (2, 1)]


def test_after_a_line_ships_focus_goes_to_the_next_tracking_box(packer_client):
    order = make_order(payment_status="PAID", lines=3)
    response = packer_client.post(
        f"/fulfillments/{order.number}/lines/1/",
        {"line-1-quantity": "1", "line-1-carrier": "usps", "line-1-tracking_number": "A"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "autofocus" in tag_of(html, 'name="line-2-tracking_number"')
    assert html.count("autofocus") == 1


def test_opened_edit_form_and_delete_confirm_take_focus(packer_client, packer):
    from fulfillments.services import fulfillment_create

    order = make_order(payment_status="PAID", lines=1)
    shipped = fulfillment_create(order=order, lines=[(1, None)], tracking=None, actor=packer)
    edit = packer_client.get(
        f"/fulfillments/{order.number}/{shipped.id}/edit/", headers=HTMX
    ).content.decode()
    assert "autofocus" in tag_of(edit, 'name="edit-tracking_number"')
    assert "data-escape" in edit and f'data-refocus="edit-{shipped.id}"' in edit
    confirm = packer_client.get(
        f"/fulfillments/{order.number}/{shipped.id}/delete/", headers=HTMX
    ).content.decode()
    assert "autofocus" in tag_of(confirm, "Yes, delete").split("<button")[-1]
    email = packer_client.get(f"/orders/{order.number}/email/", headers=HTMX).content.decode()
    if 'name="email-email"' in email:
        assert "autofocus" in tag_of(email, 'name="email-email"')


def test_pickup_order_ready_emails_the_buyer_then_picked_up(packer_client, packer):
    """The email is queued with the change (the request does not wait for SMTP) and says
    so; the tasks worker sends it and the timeline says that."""
    order = make_order(payment_status="PAID", lines=[{"quantity": 2}], shipping_info=PICKUP)
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "Back door, ring twice." in page
    assert "Ready for pickup: email the buyer" in page
    assert 'name="all-tracking_number"' not in page
    response = packer_client.post(f"/fulfillments/{order.number}/pickup-ready/", headers=HTMX)
    html = response.content.decode()
    assert "Ready for pickup: the email to the buyer is queued" in html
    assert "Ready for pickup · email to the buyer queued" in html
    assert mail.outbox == []
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [order.buyer_email]
    assert "Back door, ring twice." in mail.outbox[0].body
    activity = Activity.objects.get(order=order, type=ActivityType.PICKUP_READY_EMAIL_SENT)
    assert activity.actor == packer
    assert activity.details["delivery"] == "sent"
    page = packer_client.get(f"/orders/{order.number}/").content.decode()
    assert "Ready for pickup · email sent to the buyer" in page
    response = packer_client.post(f"/fulfillments/{order.number}/picked-up/", headers=HTMX)
    assert "Picked up: the order is fulfilled." in response.content.decode()
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "" and shipped.shipping_provider == ""
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED


def test_ready_for_pickup_refused_for_a_shipping_order(packer_client):
    order = make_order(payment_status="PAID", lines=1)
    response = packer_client.post(f"/fulfillments/{order.number}/pickup-ready/")
    assert "This is not a pickup order" in response.content.decode()
    assert not mail.outbox
    assert not Activity.objects.filter(type=ActivityType.PICKUP_READY_EMAIL_SENT).exists()


def test_station_offers_pickup_steps_instead_of_tracking(packer_client):
    order = make_order(payment_status="PAID", lines=[{"sku": "MUG"}], shipping_info=PICKUP)
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "Pickup order: the buyer collects it." in html
    assert "Back door, ring twice." in html
    assert 'name="tracking_number"' not in html
    assert "autofocus" in tag_of(html, ">Ready for pickup: email the buyer").split("<button")[-1]
    response = packer_client.post(f"/pack/{order.number}/pickup-ready/", headers=HTMX)
    html = response.content.decode()
    assert "is ready for pickup: the email to the buyer is queued" in html
    assert "autofocus" in tag_of(html, ">Picked up: hand over 1 unit").split("<button")[-1]
    response = packer_client.post(f"/pack/{order.number}/picked-up/", headers=HTMX)
    assert f"Order #{order.number} picked up." in response.content.decode()
    assert response.headers["HX-Push-Url"] == "/pack/"
    assert Fulfillment.objects.get(order=order).tracking_number == ""


def test_station_hands_over_a_point_of_sale_order(packer_client):
    order = make_order(payment_status="NOT_PAID", lines=1, channel_type="POS", shipping_info={})
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "Point-of-sale order." in html
    assert "Ready for pickup" not in html
    response = packer_client.post(f"/pack/{order.number}/picked-up/", headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Hand it over anyway (Enter)" in html
    assert not Fulfillment.objects.exists()
    packer_client.post(f"/pack/{order.number}/picked-up/", {"confirm": "on"}, headers=HTMX)
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_required_item_check_comes_before_a_pickup_order_is_ready(packer_client, owner):
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=owner
    )
    order = make_order(
        payment_status="PAID", lines=[{"sku": "MUG", "quantity": 2}], shipping_info=PICKUP
    )
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert re.search(r'id="scan"[^>]*autofocus', html)
    assert "autofocus" not in tag_of(html, ">Ready for pickup: email the buyer")

    response = packer_client.post(
        f"/pack/{order.number}/pickup-ready/", {"checked": "1:1"}, headers=HTMX
    )
    assert response.status_code == 409
    assert "Check every item first: 1 unit not scanned." in response.content.decode()
    assert not Activity.objects.filter(
        order=order, type=ActivityType.PICKUP_READY_EMAIL_SENT
    ).exists()
    assert not mail.outbox

    html = packer_client.get(f"/pack/{order.number}/", {"checked": "1:2"}).content.decode()
    assert "autofocus" in tag_of(html, ">Ready for pickup: email the buyer").split("<button")[-1]
    response = packer_client.post(
        f"/pack/{order.number}/pickup-ready/", {"checked": "1:2"}, headers=HTMX
    )
    html = response.content.decode()
    assert "is ready for pickup" in html
    assert "2 of 2 checked" in html  # the bag just checked, not a reset count

    # Prepared and checked already: when the buyer comes, "Picked up" needs no new scans.
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "autofocus" in tag_of(html, ">Picked up: hand over 2 units").split("<button")[-1]
    response = packer_client.post(f"/pack/{order.number}/picked-up/", headers=HTMX)
    assert f"Order #{order.number} picked up." in response.content.decode()


def test_required_item_check_comes_before_a_counter_hand_over(packer_client, owner):
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=owner
    )
    order = make_order(
        payment_status="PAID", lines=[{"sku": "MUG"}], channel_type="POS", shipping_info={}
    )
    response = packer_client.post(f"/pack/{order.number}/picked-up/", headers=HTMX)
    assert response.status_code == 409
    assert "Check every item first: 1 unit not scanned." in response.content.decode()
    assert not Fulfillment.objects.exists()
    response = packer_client.post(
        f"/pack/{order.number}/picked-up/", {"checked": "1:1"}, headers=HTMX
    )
    assert f"Order #{order.number} picked up." in response.content.decode()


def test_a_double_clicked_ready_for_pickup_emails_the_buyer_once(packer_client):
    """Six identical "Ready for pickup" posts at once (threads against a live server) each
    emailed the buyer. Within a minute of the last one, another (a double click, two tabs;
    the order's lock puts them one after the other) queues nothing and says so; later it
    tells them again."""
    order = make_order(payment_status="PAID", lines=[{"quantity": 2}], shipping_info=PICKUP)
    answers = [
        packer_client.post(f"/fulfillments/{order.number}/pickup-ready/", headers=HTMX)
        for _ in range(2)
    ]
    assert "Ready for pickup: the email to the buyer is queued" in answers[0].content.decode()
    assert "nothing more was sent" in answers[1].content.decode()
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 1
    ready = Activity.objects.filter(order=order, type=ActivityType.PICKUP_READY_EMAIL_SENT)
    assert ready.count() == 1

    # A minute later the buyer may be told again (someone asks to resend).
    ready.update(timestamp=ready.get().timestamp - timedelta(seconds=61))
    packer_client.post(f"/fulfillments/{order.number}/pickup-ready/", headers=HTMX)
    assert run_queued_tasks() == 1
    assert len(mail.outbox) == 2
    assert ready.count() == 2
