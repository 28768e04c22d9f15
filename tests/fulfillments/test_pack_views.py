"""The packing station (/pack/): lookup, pack mode, item check, ship, confirmation, undo."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from fulfillments.models import Fulfillment, PackerPreference, PackingPresence
from fulfillments.presence import PRESENCE_MINUTES
from fulfillments.services import fulfillment_create
from orders.models import Activity, ActivityType, FulfillmentStatus, LineItemType, Order
from orders.services import store_settings_update
from tests.factories import make_order

HTMX = {"HX-Request": "true"}


def paid_order(**fields):
    fields.setdefault("payment_status", "PAID")
    fields.setdefault(
        "lines",
        [
            {"name": "Mug", "sku": "MUG-1", "quantity": 2},
            {"name": "Cap", "sku": "CAP-9", "quantity": 1},
        ],
    )
    return make_order(**fields)


def require_item_scan(actor):
    store_settings_update(
        store_name="Shop", require_item_scan=True, notify_buyer_default=True, actor=actor
    )


@pytest.mark.parametrize("code", ["{n}", "#{n}", " #{n} ", "{id}"])
def test_scan_opens_order_by_number_hash_or_id(packer_client, code):
    order = paid_order()
    response = packer_client.get("/pack/", {"code": code.format(n=order.number, id=order.pk)})
    assert response.status_code == 302
    assert response.url == f"/pack/{order.number}/"


def test_scan_with_htmx_swaps_in_place_and_pushes_url(packer_client):
    order = paid_order()
    response = packer_client.get("/pack/", {"code": str(order.number)}, headers=HTMX)
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == f"/pack/{order.number}/"
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="station"')
    assert f"Packing order #{order.number}" in html
    # Item check off: the tracking box takes the next scan.
    assert 'name="tracking_number"' in html
    assert (
        "autofocus"
        in html.split('name="tracking_number"')[0].rsplit("<input", 1)[1]
        + (html.split('name="tracking_number"')[1].split(">")[0])
    )


def test_unknown_code_says_so_and_refocuses_the_empty_box(packer_client):
    response = packer_client.get("/pack/", {"code": "NOPE-42"}, headers=HTMX)
    assert response.status_code == 404
    html = response.content.decode()
    assert "No order matches “NOPE-42”" in html
    assert 'role="alert"' in html
    box = html.split('id="scan"')[1].split(">")[0]
    assert "autofocus" in box
    assert "value=" not in box


def test_station_needs_fulfilment_permission(viewer_client, client):
    assert viewer_client.get("/pack/").status_code == 403
    assert client.get("/pack/").status_code == 302  # to the login page


def test_pack_mode_sets_digital_and_shipped_lines_apart(packer_client, packer):
    order = make_order(
        payment_status="PAID",
        lines=[
            {"name": "Mug", "sku": "MUG-1", "quantity": 2},
            {"name": "E-book", "sku": "EBOOK", "line_item_type": LineItemType.DIGITAL},
            {"name": "Cap", "sku": "CAP-9"},
        ],
    )
    fulfillment_create(order=order, lines=[(3, None)], tracking=None, actor=packer)
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    to_pack, apart = html.split("Not in the box")
    assert "Mug" in to_pack and "\N{MULTIPLICATION SIGN} 2" in to_pack
    assert "E-book" not in to_pack and "Cap" not in to_pack.split("Put in the box")[1]
    assert "Digital: no shipping" in apart
    assert "Already fulfilled" in apart


def test_item_scan_counts_a_unit(packer_client):
    order = paid_order()
    response = packer_client.get(
        f"/pack/{order.number}/", {"code": "mug-1", "checked": ""}, headers=HTMX
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == f"/pack/{order.number}/?checked=1%3A1"
    html = response.content.decode()
    assert "Mug: 1 of 2 checked." in html
    assert 'data-checked="1"' in html
    # The undo link goes back to the state before the scan.
    assert f'href="/pack/{order.number}/"' in html


def test_item_scan_without_js_redirects_to_the_new_state(packer_client):
    order = paid_order()
    response = packer_client.get(f"/pack/{order.number}/", {"code": "MUG-1", "checked": "1:1"})
    assert response.status_code == 302
    assert response.url == f"/pack/{order.number}/?checked=1%3A2"


def test_over_scan_is_refused_loudly_and_changes_nothing(packer_client):
    order = paid_order()
    response = packer_client.get(
        f"/pack/{order.number}/", {"code": "MUG-1", "checked": "1:2"}, headers=HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "Too many: all 2 of Mug (MUG-1) are already checked." in html
    assert "data-alarm" in html
    assert response.headers["HX-Push-Url"] == f"/pack/{order.number}/?checked=1%3A2"


def test_wrong_item_is_refused_loudly(packer_client):
    order = paid_order()
    response = packer_client.get(
        f"/pack/{order.number}/", {"code": "SOCK-3", "checked": "2:1"}, headers=HTMX
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert f"SOCK-3 is not an item of order #{order.number}." in html
    assert 'data-checked="1"' in html  # the cap's count is kept


def test_a_label_scanned_before_the_required_items_says_what_comes_first(packer_client, owner):
    require_item_scan(owner)
    order = paid_order()
    response = packer_client.get(
        f"/pack/{order.number}/", {"code": "1Z999", "checked": "1:1"}, headers=HTMX
    )
    assert response.status_code == 409
    assert (
        f"1Z999 is not an item of order #{order.number}. Check every item before the tracking "
        "number: 2 units not scanned." in response.content.decode()
    )


def test_scanning_another_order_in_pack_mode_opens_it(packer_client):
    first, second = paid_order(), paid_order()
    response = packer_client.get(f"/pack/{first.number}/", {"code": f"#{second.number}"})
    assert response.status_code == 302
    assert response.url == f"/pack/{second.number}/"


def test_ship_scans_tracking_and_ships_every_remaining_unit(packer_client, packer):
    order = make_order(
        payment_status="PAID",
        lines=[
            {"name": "Mug", "sku": "MUG-1", "quantity": 2},
            {"name": "E-book", "line_item_type": LineItemType.DIGITAL},
            {"name": "Cap", "sku": "CAP-9", "quantity": 3},
        ],
    )
    fulfillment_create(order=order, lines=[(3, 1)], tracking=None, actor=packer)
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "ups", "tracking_number": "1Z999", "checked": ""},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Push-Url"] == "/pack/"
    html = response.content.decode()
    assert f"Order #{order.number} shipped" in html and "1Z999" in html
    assert "Undo shipping" in html
    assert "autofocus" in html.split('id="scan"')[1].split(">")[0]
    shipped = Fulfillment.objects.get(order=order, tracking_number="1Z999")
    assert sorted((line.line_item.index, line.quantity) for line in shipped.lines.all()) == [
        (1, 2),
        (3, 2),
    ]
    assert shipped.created_by == packer
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.FULFILLED
    assert Activity.objects.filter(
        order=order, type=ActivityType.TRACKING_NUMBER_ADDED, actor=packer
    ).exists()


def test_ship_without_js_redirects_to_the_station(packer_client):
    order = paid_order()
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "9400"}
    )
    assert response.status_code == 302 and response.url == "/pack/"
    page = packer_client.get("/pack/").content.decode()
    assert f"Order #{order.number} shipped" in page


def test_carrier_is_remembered_per_packer(packer_client, packer, owner_client):
    first, second = paid_order(), paid_order()
    packer_client.post(
        f"/pack/{first.number}/ship/",
        {
            "carrier": "other",
            "carrier_name": "Bike courier",
            "link_template": "https://track.example/{number}",
            "tracking_number": "B 7",
        },
    )
    shipped = Fulfillment.objects.get(order=first)
    assert shipped.shipping_provider == "Bike courier"
    assert shipped.tracking_link == "https://track.example/B%207"
    assert PackerPreference.objects.get(user=packer).carrier == "other"
    html = packer_client.get(f"/pack/{second.number}/").content.decode()
    assert '<option value="other" selected>' in html
    assert 'value="Bike courier"' in html
    # Another packer keeps the default.
    other = owner_client.get(f"/pack/{second.number}/").content.decode()
    assert '<option value="usps" selected>' in other


def test_unpaid_order_needs_an_explicit_confirmation(packer_client):
    order = paid_order(payment_status="NOT_PAID")
    page = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "is not paid" in page
    data = {"carrier": "usps", "tracking_number": "9400111"}
    response = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert f"Order #{order.number} is not paid (payment: Not Paid)" in html
    confirm = html.split('class="pack-confirm"')[1]
    assert 'name="confirm" value="on"' in confirm
    assert 'name="tracking_number" value="9400111"' in confirm
    assert "autofocus" in confirm.split("Ship anyway")[0].rsplit("<button", 1)[1]
    assert not Fulfillment.objects.filter(order=order).exists()
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {**data, "confirm": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    assert Fulfillment.objects.get(order=order).tracking_number == "9400111"


def test_dont_ship_keeps_the_scanned_tracking_number(packer_client):
    """Backing out of the confirmation ("Don't ship") returns to the tracking box with the
    number and carrier that were scanned, to correct or confirm; nothing ships."""
    order = paid_order(payment_status="NOT_PAID")
    data = {"carrier": "other", "carrier_name": "Bike <b>", "tracking_number": "BK 7&1"}
    html = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX).content.decode()
    back = re.search(r'<a href="([^"]+)" hx-get="\1"[^>]*data-escape>Don', html)
    assert back is not None
    url = back.group(1).replace("&amp;", "&")
    assert url.startswith(f"/pack/{order.number}/?")
    page = packer_client.get(url, headers=HTMX).content.decode()
    assert 'name="tracking_number" value="BK 7&amp;1"' in page
    assert re.search(r'name="tracking_number" value="BK 7&amp;1"[^>]*autofocus', page)
    assert 'value="Bike &lt;b&gt;"' in page
    assert '<option value="other" selected>' in page
    assert "Tracking number BK 7&amp;1 is kept" in page
    assert not Fulfillment.objects.filter(order=order).exists()
    # A USPS barcode scanned whole comes back as its tracking number.
    data = {"carrier": "usps", "tracking_number": "420221539101026837331000039521"}
    html = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX).content.decode()
    back = re.search(r'<a href="([^"]+)" hx-get="\1"[^>]*data-escape>Don', html)
    page = packer_client.get(back.group(1).replace("&amp;", "&"), headers=HTMX).content.decode()
    assert 'name="tracking_number" value="9101026837331000039521"' in page


@pytest.mark.parametrize(
    ("carrier", "number", "name"),
    [("usps", "9400111201080805483017", "USPS"), ("dhl", "3318810024", "DHL Express")],
)
def test_a_failed_usps_or_dhl_check_digit_ships_with_the_warning_and_undo(
    packer_client, carrier, number, name
):
    """The station never refuses a number; one whose check digit fails ships and the
    answer says so aloud with the Undo focused. The right number ships quietly."""
    order, other = paid_order(), paid_order()
    data = {"carrier": carrier, "tracking_number": number}
    html = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX).content.decode()
    assert Fulfillment.objects.get(order=order).tracking_number == number
    assert f"not a valid {name} tracking number (its check digit does not match)" in html
    assert re.search(r"<button[^>]*autofocus>Undo shipping", html)
    right = number[:-1] + ("6" if carrier == "usps" else "5")
    data = {"carrier": carrier, "tracking_number": right}
    html = packer_client.post(f"/pack/{other.number}/ship/", data, headers=HTMX).content.decode()
    assert Fulfillment.objects.get(order=other).tracking_number == right
    assert "check digit" not in html
    assert not re.search(r"<button[^>]*autofocus>Undo shipping", html)


def test_a_usps_label_scanned_with_its_routing_code_ships_the_tracking_number(packer_client):
    order = paid_order()
    data = {"carrier": "usps", "tracking_number": "420221539101026837331000039521"}
    html = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX).content.decode()
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "9101026837331000039521"
    assert shipped.tracking_link.endswith("tLabels=9101026837331000039521")
    assert 'with tracking <span class="tracking-number">9101026837331000039521</span>' in html
    assert "check digit" not in html


def test_canceled_order_is_refused(packer_client, owner):
    from orders.services import order_cancel

    order = paid_order()
    order_cancel(order=order, actor=owner)
    page = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "This order is canceled: do not ship it." in page
    assert 'name="tracking_number"' not in page
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "1", "confirm": "on"}
    )
    assert response.status_code == 409
    assert "canceled" in response.content.decode()
    assert not Fulfillment.objects.filter(order=order).exists()


def test_required_item_check_blocks_shipping_until_every_unit_is_scanned(packer_client, owner):
    require_item_scan(owner)
    order = paid_order()
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert "autofocus" in html.split('id="scan"')[1].split(">")[0]
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "usps", "tracking_number": "1", "checked": "1:2"},
    )
    assert response.status_code == 409
    assert "Check every item first: 1 unit not scanned." in response.content.decode()
    assert not Fulfillment.objects.exists()
    # The last unit scanned: focus moves to the tracking box, and shipping works.
    response = packer_client.get(
        f"/pack/{order.number}/", {"code": "CAP-9", "checked": "1:2"}, headers=HTMX
    )
    tracking = response.content.decode().split('name="tracking_number"')[1].split(">")[0]
    assert "autofocus" in tracking
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "usps", "tracking_number": "1", "checked": "1:2,2:1"},
    )
    assert response.status_code == 302
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_a_sku_scanned_into_the_tracking_box_is_refused(packer_client):
    order = paid_order()
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "MUG-1"}
    )
    assert response.status_code == 400
    assert "is an item of the order, not a tracking number" in response.content.decode()
    assert not Fulfillment.objects.exists()


def test_a_shipped_lines_sku_scanned_into_the_tracking_box_is_refused(packer_client, packer):
    """The cap shipped already: its SKU is still an item of the order, never a tracking
    number (it used to ship the rest with "CAP-9" as the tracking number)."""
    order = paid_order()
    fulfillment_create(order=order, lines=[(2, None)], tracking=None, actor=packer)
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": " cap-9 "}
    )
    assert response.status_code == 400
    assert "is an item of the order, not a tracking number" in response.content.decode()
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_race_with_another_packer_ends_in_a_clear_message(packer_client, owner):
    order = paid_order()
    fulfillment_create(order=order, lines=[(1, None), (2, None)], tracking=None, actor=owner)
    response = packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "42"}
    )
    assert response.status_code == 409
    assert "Nothing left to ship" in response.content.decode()
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_pack_mode_ship_form_carries_what_it_shows(packer_client, packer):
    order = paid_order()
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=packer)
    html = packer_client.get(f"/pack/{order.number}/").content.decode()
    assert re.search(r'<input type="hidden" name="expected" value="1:1,2:1"', html)


def test_race_on_part_of_the_order_ships_nothing_and_says_so(packer_client, owner):
    order = paid_order()
    fulfillment_create(order=order, lines=[(1, 1)], tracking=None, actor=owner)
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "usps", "tracking_number": "42", "expected": "1:2,2:1"},
        headers=HTMX,
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert f"Order #{order.number} changed while you were packing it" in html
    # The list is the order as it is now, ready for the right parcel.
    assert "Scan the tracking number to ship 2 units" in html
    assert re.search(r'name="expected" value="1:1,2:1"', html)
    assert Fulfillment.objects.filter(order=order).count() == 1


def said_at(fulfillment: Fulfillment) -> str:
    """ "on Nov 30 at 14:05": when a fulfillment was made, in the store's time zone."""
    at = timezone.localtime(fulfillment.date_created)
    return f"on {at.strftime('%b')} {at.day} at {at.strftime('%H:%M')}"


def test_race_on_the_whole_order_says_who_shipped_it_and_when(packer_client, owner):
    """Named by their username, as the order's timeline names them (a full name too)."""
    owner.first_name, owner.last_name = "Olga", "Owens"
    owner.save()
    order = paid_order()
    fulfillment_create(order=order, lines=[(1, None), (2, None)], tracking=None, actor=owner)
    shipped = Fulfillment.objects.get(order=order)
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "usps", "tracking_number": "42", "expected": "1:2,2:1"},
    )
    assert response.status_code == 409
    assert (
        f"{owner.get_username()} shipped order #{order.number} {said_at(shipped)} while you "
        "were packing it: nothing was shipped twice."
    ) in unescape(response.content.decode())
    timeline = unescape(packer_client.get(f"/orders/{order.number}/").content.decode())
    assert f"by {owner.get_username()}</small>" in timeline
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_undo_deletes_the_fulfillment_and_reopens_the_order(packer_client):
    order = paid_order()
    packer_client.post(f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "7"})
    shipped = Fulfillment.objects.get(order=order)
    response = packer_client.post("/pack/undo/", {"fulfillment": str(shipped.id)}, headers=HTMX)
    assert response.status_code == 200
    assert f"Undone: order #{order.number} is open again" in response.content.decode()
    assert response.headers["HX-Push-Url"] == f"/pack/{order.number}/"
    assert not Fulfillment.objects.filter(order=order).exists()
    order.refresh_from_db()
    assert order.fulfillment_status == FulfillmentStatus.NOT_FULFILLED
    again = packer_client.post("/pack/undo/", {"fulfillment": str(shipped.id)})
    assert again.status_code == 409


def test_undo_only_for_a_short_time(packer_client):
    order = paid_order()
    packer_client.post(f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "7"})
    shipped = Fulfillment.objects.get(order=order)
    Fulfillment.objects.filter(pk=shipped.pk).update(
        date_created=timezone.now() - timedelta(minutes=5)
    )
    response = packer_client.post("/pack/undo/", {"fulfillment": str(shipped.id)})
    assert response.status_code == 409
    assert "Too late to undo" in response.content.decode()
    assert Fulfillment.objects.filter(pk=shipped.pk).exists()


@pytest.mark.parametrize("where", ["station", "pack mode"])
@pytest.mark.parametrize("headers", [HTMX, {}], ids=["htmx", "no JavaScript"])
def test_undo_command_in_the_scan_box_focuses_the_undo_button(packer_client, where, headers):
    order, other = paid_order(), paid_order()
    packer_client.post(f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "7"})
    url = "/pack/" if where == "station" else f"/pack/{other.number}/"
    response = packer_client.get(url, {"code": " undo "}, headers=headers)
    assert response.status_code == 200
    html = response.content.decode()
    assert ("<html" in html) is (not headers)  # the whole page without JavaScript
    undo_button = rf"<button type=\"submit\"[^>]*autofocus>Undo shipping #{order.number}<"
    assert re.search(undo_button, html)
    assert "Enter undoes it; Escape keeps it." in html
    assert 'id="scan"' in html and not re.search(r'id="scan"[^>]*autofocus', html)
    assert Fulfillment.objects.filter(order=order).exists()  # a GET changes nothing


def test_undo_command_with_nothing_to_undo_says_so(packer_client):
    response = packer_client.get("/pack/", {"code": "UNDO"}, headers=HTMX)
    assert response.status_code == 409
    assert "Nothing to undo" in response.content.decode()


def test_an_item_whose_sku_is_undo_is_still_an_item(packer_client):
    order = paid_order(lines=[{"name": "Undo ribbon", "sku": "UNDO", "quantity": 2}])
    response = packer_client.get(f"/pack/{order.number}/", {"code": "undo"}, headers=HTMX)
    assert response.status_code == 200
    assert "Undo ribbon: 1 of 2 checked." in response.content.decode()


def test_undo_of_an_unknown_fulfillment_changes_nothing(packer_client):
    response = packer_client.post("/pack/undo/", {"fulfillment": str(uuid.uuid4())})
    assert response.status_code == 409
    assert "Nothing to undo" in response.content.decode()


@pytest.mark.parametrize("lines", [1, 40])
def test_pack_mode_query_count_is_fixed(packer_client, django_assert_max_num_queries, lines):
    order = paid_order(lines=[{"name": f"P{i}", "sku": f"S{i}"} for i in range(lines)])
    packer_client.get("/pack/")  # settings row and session exist
    with django_assert_max_num_queries(9):
        assert packer_client.get(f"/pack/{order.number}/").status_code == 200
    with django_assert_max_num_queries(9):
        response = packer_client.get(f"/pack/{order.number}/", {"code": "S0"}, headers=HTMX)
        assert response.status_code == 200


def test_ship_form_bad_input_changes_nothing(packer_client):
    order = paid_order()
    response = packer_client.post(
        f"/pack/{order.number}/ship/",
        {"carrier": "other", "link_template": "ftp://x", "tracking_number": ""},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Scan or type the tracking number." in html
    assert "Enter an http:// or https:// link." in html
    assert not Order.objects.get(pk=order.pk).fulfillments.exists()


def _order_of_size(lines: int, packer) -> Order:
    """An order with `lines` physical lines (3 units each), a digital line, and a shipment
    for every other line: pack mode shows lines to pack, lines apart and fulfillments."""
    specs = [{"name": f"P{i}", "sku": f"S{i}", "quantity": 3} for i in range(lines)]
    specs.append({"name": "E-book", "line_item_type": LineItemType.DIGITAL})
    order = paid_order(lines=specs)
    for index in range(2, lines + 1, 2):
        fulfillment_create(order=order, lines=[(index, 1)], tracking=None, actor=packer)
    return order


def test_station_and_slip_queries_do_not_grow_with_the_order(packer_client, packer):
    small, large = _order_of_size(2, packer), _order_of_size(60, packer)
    packer_client.get("/pack/")  # the settings row and the session exist

    def queries(order: Order) -> list[int]:
        counts = []
        for path, params, headers in (
            ("/pack/", {"code": str(order.number)}, HTMX),
            (f"/pack/{order.number}/", {}, {}),
            (f"/pack/{order.number}/", {"code": "S0", "checked": "1:1"}, HTMX),
            (f"/orders/{order.number}/slip/", {}, {}),
        ):
            with CaptureQueriesContext(connection) as captured:
                response = packer_client.get(path, params, headers=headers)
            assert response.status_code in (200, 409), path
            counts.append(len(captured.captured_queries))
        return counts

    assert queries(large) == queries(small)


# ---- A second packer on the same order is told when they open it ----


def _others_warning(html: str) -> str:
    match = re.search(r'<p class="pack-warning" id="pack-others"([^>]*)>(.*?)</p>', html, re.S)
    return "" if match is None else re.sub(r"<[^>]+>", "", match.group(2))


def test_a_second_packer_is_told_who_has_the_order_open(packer_client, owner_client):
    order = paid_order()
    first = packer_client.get("/pack/", {"code": str(order.number)}, headers=HTMX)
    assert _others_warning(first.content.decode()) == ""
    html = owner_client.get(f"/pack/{order.number}/").content.decode()
    warning = _others_warning(html)
    assert warning.startswith("Careful: packer (since ")
    assert warning.endswith(
        "also has this order open at the packing station. Only one of you should pack it."
    )
    assert re.search(r'id="pack-others" role="alert" data-alarm>', html)
    # The first packer hears it too at their next look (an item scan).
    html = packer_client.get(f"/pack/{order.number}/", {"code": "MUG-1"}, headers=HTMX)
    assert _others_warning(html.content.decode()).startswith("Careful: owner (since ")
    # Back at the empty scan box, the first packer no longer has it open.
    packer_client.get("/pack/")
    assert _others_warning(owner_client.get(f"/pack/{order.number}/").content.decode()) == ""


def test_an_old_look_or_a_shipped_order_no_longer_counts_as_open(packer_client, owner_client):
    stale, shipped = paid_order(), paid_order()
    packer_client.get(f"/pack/{stale.number}/")
    PackingPresence.objects.update(since=timezone.now() - timedelta(minutes=PRESENCE_MINUTES + 1))
    assert _others_warning(owner_client.get(f"/pack/{stale.number}/").content.decode()) == ""

    packer_client.get(f"/pack/{shipped.number}/")
    data = {"carrier": "usps", "tracking_number": "TRK-9", "expected": "1:2,2:1"}
    assert packer_client.post(f"/pack/{shipped.number}/ship/", data).status_code == 302
    html = owner_client.get(f"/pack/{shipped.number}/").content.decode()
    assert _others_warning(html) == ""
    listed = html.split('id="pack-shipped-before"')[1].split("</div>")[0]
    assert "Already shipped:" in listed
    assert re.search(r"3 units by packer, <time[^>]*>[^<]+</time> \(tracking", listed)
    assert "TRK-9" in listed


def test_part_shipped_by_someone_else_is_announced_on_opening(packer_client, owner):
    order = paid_order()
    fulfillment_create(
        order=order, lines=[(2, None)], tracking={"trackingNumber": "T1"}, actor=owner
    )
    html = packer_client.get("/pack/", {"code": str(order.number)}, headers=HTMX).content.decode()
    listed = html.split('<div class="pack-warning" id="pack-shipped-before" role="alert">')[1]
    listed = listed.split("</div>")[0]
    assert "Part of this order has already shipped: pack only what is listed below." in listed
    assert re.search(r"1 unit by owner, <time", listed)
    # An item scan answers with its own message; the warning stays, unannounced.
    html = packer_client.get(f"/pack/{order.number}/", {"code": "MUG-1"}, headers=HTMX)
    assert '<div class="pack-warning" id="pack-shipped-before">' in html.content.decode()


def test_shipping_never_reads_or_writes_who_has_the_order_open(packer_client):
    """The shipping POST (a capped write path) runs no statement of the presence table."""
    order = paid_order()
    packer_client.get(f"/pack/{order.number}/")
    data = {"carrier": "usps", "tracking_number": "TRK-1", "expected": "1:2,2:1"}
    with CaptureQueriesContext(connection) as captured:
        response = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX)
    assert response.status_code == 200
    assert Fulfillment.objects.filter(order=order).exists()
    assert not [q for q in captured.captured_queries if "packingpresence" in q["sql"]]


def test_the_order_page_says_who_has_the_order_open_at_the_station(packer_client, owner_client):
    order = paid_order()
    page = owner_client.get(f"/orders/{order.number}/").content.decode()
    assert 'id="at-station"' not in page
    packer_client.get(f"/pack/{order.number}/")
    page = owner_client.get(f"/orders/{order.number}/").content.decode()
    note = re.search(r'<p class="pack-warning" id="at-station">(.*?)</p>', page, re.S)
    assert note is not None
    text = re.sub(r"<[^>]+>", "", note.group(1))
    assert text.startswith("packer has this order open at the packing station (since ")
    assert text.endswith("): check with them before shipping it from here.")
    # The packer's own look at the order page does not name themself.
    assert 'id="at-station"' not in packer_client.get(f"/orders/{order.number}/").content.decode()


def _alerts(html: str) -> list[str]:
    """The text of every role="alert" element of a station answer."""
    found = re.findall(r'<(p|div)[^>]*role="alert"[^>]*>(.*?)</\1>', html, re.S)
    return [
        unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", body))).strip() for _, body in found
    ]


def test_a_label_already_on_another_parcel_asks_before_shipping(packer_client, owner):
    """The last parcel's label scanned again for the next order (or stuck on the wrong box)
    ships nothing until the packer confirms; the confirmation also covers the order's own
    hold (not paid). Confirmed, it ships: two orders in one parcel happens."""
    first = paid_order()
    fulfillment_create(
        order=first,
        lines=[(1, None), (2, None)],
        tracking={"trackingNumber": "TRK-77"},
        actor=owner,
    )
    second = paid_order(payment_status="NOT_PAID")
    data = {"carrier": "usps", "tracking_number": "trk-77", "expected": "1:2,2:1"}
    response = packer_client.post(f"/pack/{second.number}/ship/", data, headers=HTMX)
    assert response.status_code == 409
    assert not Fulfillment.objects.filter(order=second).exists()
    html = response.content.decode()
    assert _alerts(html) == [
        f"Order #{second.number} would ship with tracking number TRK-77, already used (order "
        f"#{first.number} shipped with it on "
        f"{timezone.localtime(first.fulfillments.get().date_created):%b %-d at %H:%M}, by owner)"
        " and is not paid (payment: Not Paid): confirm to ship it anyway."
    ]
    assert "autofocus" in html.split("Ship anyway (Enter)")[0].rsplit("<button", 1)[1]
    assert 'name="tracking_number" value="trk-77"' in html

    response = packer_client.post(
        f"/pack/{second.number}/ship/", data | {"confirm": "on"}, headers=HTMX
    )
    assert response.status_code == 200
    assert Fulfillment.objects.get(order=second).tracking_number == "trk-77"


def test_the_label_just_shipped_scanned_again_names_its_order(packer_client):
    """The scanner fires twice (or the packer scans the label once more): the empty scan box
    says whose label it is, not that no order matches, and nothing changes."""
    order = paid_order()
    packer_client.post(
        f"/pack/{order.number}/ship/", {"carrier": "usps", "tracking_number": "TRK-9"}
    )
    response = packer_client.get("/pack/", {"code": " trk-9 "}, headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert len(_alerts(html)) == 1
    assert _alerts(html)[0].startswith(
        f"“trk-9” is a tracking number: order #{order.number} shipped with it on "
    )
    assert _alerts(html)[0].endswith(", by you. Scan the packing slip of the next order.")
    assert "autofocus" in html.split('id="scan"')[1].split(">")[0]
    # The parcel's own confirmation is still on screen (with its Undo), not announced again.
    assert f"Order #{order.number} shipped</strong>" in html
    assert 'role="status"><strong>Order' not in html
    assert Fulfillment.objects.filter(order=order).count() == 1


def test_a_scan_sent_twice_after_a_lost_answer_ships_once_and_says_so(packer_client, packer):
    """The network dropped after the parcel shipped, so the packer saw an error and pressed
    Enter again: the station says the first try went through (not that someone else shipped
    it), offers its Undo and is ready for the next order."""
    order = paid_order()
    data = {"carrier": "usps", "tracking_number": "TRK-5", "expected": "1:2,2:1"}
    first = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX)
    assert first.status_code == 200
    again = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX)
    assert again.status_code == 200
    assert again.headers["HX-Push-Url"] == "/pack/"
    html = again.content.decode()
    assert "Someone else" not in html and _alerts(html) == []
    assert (
        f"Order #{order.number} had already shipped with tracking TRK-5: your scan went "
        "through before the connection dropped. Nothing was shipped twice." in html
    )
    assert f"Undo shipping #{order.number}" in html
    assert "autofocus" in html.split('id="scan"')[1].split(">")[0]
    assert Fulfillment.objects.filter(order=order).count() == 1
    # Another number for an order this packer shipped is no retry: the race message stays.
    other = packer_client.post(
        f"/pack/{order.number}/ship/", data | {"tracking_number": "TRK-6"}, headers=HTMX
    )
    assert other.status_code == 409
    assert (
        f"You already shipped order #{order.number} {said_at(Fulfillment.objects.get(order=order))}"
        " while you were packing it" in unescape(other.content.decode())
    )


def test_another_products_sku_in_the_tracking_box_asks_before_shipping(packer_client):
    """A barcode off the wrong item (a SKU of no line of this order, but a product the store
    sells) scanned as the parcel label: nothing ships until the packer confirms."""
    paid_order(lines=[{"name": "Desk lamp", "sku": "LAMP-7"}])
    order = paid_order()
    data = {"carrier": "usps", "tracking_number": " lamp-7 ", "expected": "1:2,2:1"}
    response = packer_client.post(f"/pack/{order.number}/ship/", data, headers=HTMX)
    assert response.status_code == 409
    assert _alerts(response.content.decode()) == [
        f"Order #{order.number} would ship with tracking number lamp-7, which is the SKU of "
        "Desk lamp (a product's barcode, not a parcel label): confirm to ship it anyway."
    ]
    assert not Fulfillment.objects.filter(order=order).exists()
    confirmed = packer_client.post(
        f"/pack/{order.number}/ship/", data | {"confirm": "on"}, headers=HTMX
    )
    assert confirmed.status_code == 200
    assert Fulfillment.objects.get(order=order).tracking_number == "lamp-7"
