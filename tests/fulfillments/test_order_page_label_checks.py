"""The order page's tracking forms ask before shipping under a label already on another
order's parcel or under a product's SKU, as the packing station does (packing.label_doubt)."""

from __future__ import annotations

import re

import pytest

from fulfillments.models import Fulfillment
from fulfillments.services import fulfillment_create
from tests.factories import make_order
from tests.fulfillments.test_ship_all_and_pickup import HTMX, tag_of


@pytest.fixture
def shipped(packer):
    """Another order, shipped under 1Z-OLD by the packer."""
    order = make_order(payment_status="PAID", lines=[{"name": "Lamp", "sku": "LAMP-7"}])
    fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={"shippingProvider": "ups", "trackingNumber": "1Z-OLD"},
        actor=packer,
    )
    return order


def forms_of(number: int) -> dict[str, tuple[str, dict[str, str]]]:
    """Each order-page form that ships: its URL and its answers, without a number."""
    return {
        "ship-all": (f"/fulfillments/{number}/ship-all/", {"all-carrier": "usps"}),
        "line": (
            f"/fulfillments/{number}/lines/1/",
            {"line-1-quantity": "1", "line-1-carrier": "usps"},
        ),
        "multi": (
            f"/fulfillments/{number}/lines/",
            {"multi-pick_1": "on", "multi-qty_1": "1", "multi-carrier": "usps"},
        ),
    }


PREFIX = {"ship-all": "all", "line": "line-1", "multi": "multi"}


@pytest.mark.parametrize("form", ["ship-all", "line", "multi"])
@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("1z-old", "would ship with tracking number 1Z-OLD, already used (order #{other} "),
        ("lamp-7", "would ship with tracking number lamp-7, which is the SKU of Lamp"),
    ],
)
def test_a_doubtful_label_asks_then_ships_when_confirmed(packer_client, shipped, form, code, said):
    order = make_order(payment_status="PAID", lines=[{"name": "Mug", "quantity": 2}])
    url, data = forms_of(order.number)[form]
    prefix = PREFIX[form]
    data = {**data, f"{prefix}-tracking_number": code}
    response = packer_client.post(url, data, headers=HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert f"Order #{order.number} {said.format(other=shipped.number)}" in html
    assert "confirm to ship it anyway" in html
    assert "autofocus" in tag_of(html, ">Ship anyway<").split("<button")[-1]
    assert f'name="{prefix}-confirm" value="on"' in html
    # What was typed stays in the box.
    assert f'value="{code}"' in tag_of(html, f'name="{prefix}-tracking_number"')
    assert not Fulfillment.objects.filter(order=order).exists()
    packer_client.post(url, {**data, f"{prefix}-confirm": "on"}, headers=HTMX)
    assert Fulfillment.objects.get(order=order).tracking_number == code


@pytest.mark.parametrize("form", ["ship-all", "line", "multi"])
def test_an_unknown_label_ships_without_asking(packer_client, shipped, form):
    order = make_order(payment_status="PAID", lines=[{"name": "Mug", "quantity": 2}])
    url, data = forms_of(order.number)[form]
    data = {**data, f"{PREFIX[form]}-tracking_number": "1Z-NEW"}
    html = packer_client.post(url, data, headers=HTMX).content.decode()
    assert "anyway" not in html
    assert Fulfillment.objects.get(order=order).tracking_number == "1Z-NEW"


def test_the_same_orders_earlier_parcel_label_ships_without_asking(packer_client, packer):
    """A second box of one shipment under the same label: the station does not ask."""
    order = make_order(payment_status="PAID", lines=[{"quantity": 2}])
    fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={"shippingProvider": "usps", "trackingNumber": "9400-A"},
        actor=packer,
    )
    url, data = forms_of(order.number)["line"]
    html = packer_client.post(
        url, {**data, "line-1-tracking_number": "9400-a"}, headers=HTMX
    ).content.decode()
    assert "anyway" not in html
    assert Fulfillment.objects.filter(order=order).count() == 2


def test_unpaid_and_a_used_label_ask_once_for_both(packer_client, shipped):
    order = make_order(payment_status="PENDING", lines=1)
    data = {"all-carrier": "usps", "all-tracking_number": "1Z-OLD"}
    html = packer_client.post(
        f"/fulfillments/{order.number}/ship-all/", data, headers=HTMX
    ).content.decode()
    assert "already used" in html and "is not paid (payment: Pending)" in html
    packer_client.post(
        f"/fulfillments/{order.number}/ship-all/", {**data, "all-confirm": "on"}, headers=HTMX
    )
    assert Fulfillment.objects.get(order=order).tracking_number == "1Z-OLD"


@pytest.mark.parametrize("prefix", ["line-1", "multi"])
def test_dont_ship_brings_the_form_back_as_typed(packer_client, shipped, prefix):
    order = make_order(payment_status="PAID", lines=[{"name": "Mug", "quantity": 3}])
    url, data = forms_of(order.number)["line" if prefix == "line-1" else "multi"]
    data = {
        **data,
        f"{prefix}-quantity" if prefix == "line-1" else "multi-qty_1": "2",
        f"{prefix}-tracking_number": "1Z-OLD",
        f"{prefix}-notify": "on",
        f"{prefix}-confirm": "on",
        f"{prefix}-back": "1",
    }
    html = packer_client.post(url, data, headers=HTMX).content.decode()
    assert "anyway" not in html
    box = tag_of(html, f'name="{prefix}-tracking_number"')
    assert 'value="1Z-OLD"' in box and "autofocus" in box
    qty = "quantity" if prefix == "line-1" else "qty_1"
    assert 'value="2"' in tag_of(html, f'name="{prefix}-{qty}"')
    assert "checked" in tag_of(html, f'name="{prefix}-notify"')
    assert f'name="{prefix}-confirm"' not in html
    assert not Fulfillment.objects.filter(order=order).exists()


def _edit(client, order, fulfillment, number: str, **extra) -> str:
    url = f"/fulfillments/{order.number}/{fulfillment.id}/edit/"
    data = {"edit-carrier": "usps", "edit-tracking_number": number, **extra}
    return client.post(url, data, headers=HTMX).content.decode()


@pytest.fixture
def parcel(packer):
    order = make_order(payment_status="PAID", lines=1)
    made = fulfillment_create(
        order=order,
        lines=[(1, 1)],
        tracking={"shippingProvider": "usps", "trackingNumber": "LAMP-7"},
        actor=packer,
    )
    return order, made


def test_editing_tracking_to_a_used_label_asks_then_saves(packer_client, shipped, parcel):
    order, made = parcel
    html = _edit(packer_client, order, made, "1Z-OLD")
    assert f"already used (order #{shipped.number} " in html
    assert "autofocus" in tag_of(html, ">Save anyway<").split("<button")[-1]
    made.refresh_from_db()
    assert made.tracking_number == "LAMP-7"
    html = _edit(packer_client, order, made, "1Z-OLD", **{"edit-back": "1", "edit-confirm": "on"})
    assert 'value="1Z-OLD"' in tag_of(html, 'name="edit-tracking_number"')
    assert "anyway" not in html
    _edit(packer_client, order, made, "1Z-OLD", **{"edit-confirm": "on"})
    made.refresh_from_db()
    assert made.tracking_number == "1Z-OLD"


def test_editing_tracking_to_the_number_it_has_does_not_ask(packer_client, shipped, parcel):
    """The fulfillment's own number (a SKU, here, saved before the check) saves as it is."""
    order, made = parcel
    html = _edit(packer_client, order, made, "lamp-7")
    assert "anyway" not in html and "Tracking updated." in html


@pytest.mark.parametrize("form", ["ship-all", "line"])
def test_another_number_typed_at_the_question_is_checked_again(packer_client, shipped, form):
    """The confirmation is for the number it asked about: a product's SKU typed over it
    before Enter asks again instead of shipping under the first confirmation."""
    order = make_order(payment_status="PAID", lines=[{"name": "Mug", "quantity": 2}])
    url, data = forms_of(order.number)[form]
    prefix = PREFIX[form]
    html = packer_client.post(
        url, {**data, f"{prefix}-tracking_number": "1Z-OLD"}, headers=HTMX
    ).content.decode()
    assert f'name="{prefix}-asked" value="1Z-OLD"' in html
    changed = {
        **data,
        f"{prefix}-tracking_number": "LAMP-7",
        f"{prefix}-confirm": "on",
        f"{prefix}-asked": "1Z-OLD",
    }
    html = packer_client.post(url, changed, headers=HTMX).content.decode()
    assert "which is the SKU of Lamp" in html
    assert not Fulfillment.objects.filter(order=order).exists()
    packer_client.post(url, {**changed, f"{prefix}-asked": "LAMP-7"}, headers=HTMX)
    assert Fulfillment.objects.get(order=order).tracking_number == "LAMP-7"


def test_a_usps_barcode_with_its_routing_code_confirms_once(packer_client, packer):
    """The number asked about is the cleaned one (routing code off), so "Ship anyway" ships."""
    other = make_order(payment_status="PAID", lines=1)
    fulfillment_create(
        order=other,
        lines=[(1, 1)],
        tracking={"shippingProvider": "usps", "trackingNumber": "9101026837331000039521"},
        actor=packer,
    )
    order = make_order(payment_status="PAID", lines=1)
    url, data = forms_of(order.number)["line"]
    data = {**data, "line-1-tracking_number": "420221539101026837331000039521"}
    html = packer_client.post(url, data, headers=HTMX).content.decode()
    asked = re.search(r'name="line-1-asked" value="([^"]*)"', html)
    assert asked is not None and asked.group(1) == "9101026837331000039521"
    packer_client.post(
        url, {**data, "line-1-confirm": "on", "line-1-asked": asked.group(1)}, headers=HTMX
    )
    shipped = Fulfillment.objects.get(order=order)
    assert shipped.tracking_number == "9101026837331000039521"


@pytest.mark.parametrize("form", ["ship-all", "line", "multi"])
def test_the_orders_own_sku_is_refused_next_to_the_number(packer_client, form):
    """An item of the order scanned into its tracking box is refused, as at the station."""
    order = make_order(payment_status="PAID", lines=[{"name": "Mug", "sku": "MUG-1"}])
    url, data = forms_of(order.number)[form]
    prefix = PREFIX[form]
    data = {**data, f"{prefix}-tracking_number": "mug-1"}
    html = packer_client.post(url, data, headers=HTMX).content.decode()
    error = "“mug-1” is an item of the order, not a tracking number: scan the parcel label."
    after_box = html.split(f'name="{prefix}-tracking_number"')[1].split("</div>")[0]
    assert error in after_box
    assert "autofocus" in tag_of(html, f'name="{prefix}-tracking_number"')
    assert "anyway" not in html
    assert not Fulfillment.objects.filter(order=order).exists()
