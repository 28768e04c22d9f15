"""Packing slips (with a Code 128 barcode the scan box accepts) and pick lists."""

from __future__ import annotations

import re

import pytest
import zxingcpp

from fulfillments.barcodes import code128_svg
from fulfillments.services import fulfillment_create
from orders.models import LineItemType
from orders.selectors import store_settings_get
from orders.services import store_settings_update
from tests.factories import make_order

PX_PER_MM = 8


def decode_svg(svg: str) -> str:
    """Draw the SVG's bars (its <rect>s, in mm) into a grey-scale bitmap and read it back with
    ZXing: the test sees what a scanner sees, not what the encoder meant."""
    bars = [
        (float(x), float(w))
        for x, w in re.findall(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)
    ]
    total = float(re.search(r'width="([\d.]+)mm"', svg).group(1))
    width, height = round(total * PX_PER_MM), 60
    row = bytearray(b"\xff" * width)
    for x, w in bars:
        start, stop = round(x * PX_PER_MM), round((x + w) * PX_PER_MM)
        row[start:stop] = b"\x00" * (stop - start)
    image = memoryview(bytes(row) * height).cast("B", (height, width))
    result = zxingcpp.read_barcode(image, formats=zxingcpp.BarcodeFormat.Code128)
    assert result is not None, "no barcode found"
    return result.text


def test_code128_svg_decodes_to_its_value():
    for value in ("10012", "123456789", "7"):
        assert decode_svg(str(code128_svg(value))) == value


def test_slip_barcode_decodes_to_a_code_the_scan_box_accepts(packer_client, owner):
    store_settings_update(
        store_name="Ada's Shop", require_item_scan=False, notify_buyer_default=True, actor=owner
    )
    order = make_order(
        payment_status="PAID",
        buyer_note="Gift wrap please",
        lines=[
            {
                "name": "Mug",
                "sku": "MUG-1",
                "quantity": 2,
                "options": [{"option": "Colour", "selection": "Teal"}],
            },
            {"name": "E-book", "sku": "EBOOK", "line_item_type": LineItemType.DIGITAL},
        ],
    )
    response = packer_client.get(f"/orders/{order.number}/slip/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Ada&#x27;s Shop" in html
    assert f"Packing slip · Order #{order.number}" in html
    assert "1 Main Street" in html and "Gift wrap please" in html
    assert "MUG-1" in html and "Colour: Teal" in html
    assert "E-book" not in html  # nothing to ship
    svg = re.search(r"<svg.*?</svg>", html, re.DOTALL).group(0)
    code = decode_svg(svg)
    assert code == str(order.number)
    opened = packer_client.get("/pack/", {"code": code})
    assert opened.status_code == 302 and opened.url == f"/pack/{order.number}/"


def test_slip_of_a_partly_shipped_order_lists_what_remains(packer_client, packer):
    order = make_order(lines=[{"name": "Mug", "sku": "M", "quantity": 3}, {"name": "Cap"}])
    fulfillment_create(order=order, lines=[(1, 2), (2, 1)], tracking=None, actor=packer)
    html = packer_client.get(f"/orders/{order.number}/slip/").content.decode()
    assert re.search(r"Mug.*?<td class=\"num\">1</td>", html, re.DOTALL)
    assert "Cap" not in html


@pytest.mark.parametrize("lines", [1, 30])
def test_slip_query_count_is_fixed(packer_client, django_assert_max_num_queries, lines):
    order = make_order(lines=lines)
    packer_client.get("/pack/")
    with django_assert_max_num_queries(8):
        assert packer_client.get(f"/orders/{order.number}/slip/").status_code == 200


def test_slips_for_chosen_orders_one_per_page(packer_client):
    first, second, third = make_order(), make_order(), make_order()
    response = packer_client.post("/pack/slips/", {"order": [str(second.pk), str(first.pk)]})
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('<article class="slip"') == 2
    assert f"Order #{third.number}" not in html
    # In number order.
    assert html.index(f"Order #{first.number}") < html.index(f"Order #{second.number}")


def test_slips_for_the_current_filter(packer_client, django_assert_max_num_queries):
    for _ in range(3):
        make_order(payment_status="PAID")
    unpaid = make_order(payment_status="NOT_PAID")
    store_settings_get()
    with django_assert_max_num_queries(10):
        response = packer_client.get("/pack/slips/", {"view": "unpaid"})
    html = response.content.decode()
    assert html.count('<article class="slip"') == 1
    assert f"Order #{unpaid.number}" in html


def test_slips_limit_is_stated(packer_client, monkeypatch):
    monkeypatch.setattr("fulfillments.print_views.MAX_SLIPS", 2)
    for _ in range(3):
        make_order()
    html = packer_client.get("/pack/slips/", {"view": "all"}).content.decode()
    assert html.count('<article class="slip"') == 2
    assert "Only the first 2 orders of this filter" in html


def test_slips_bad_input_is_a_clear_400(packer_client):
    response = packer_client.post("/pack/slips/", {"order": ["not-a-uuid"]})
    assert response.status_code == 400
    assert "Not an order id" in response.content.decode()
    response = packer_client.get("/pack/slips/", {"filter": "{bad json"})
    assert response.status_code == 400


def test_slips_need_view_permission(nobody, client):
    client.force_login(nobody)
    assert client.get("/pack/slips/").status_code == 403


def test_pick_list_totals_per_sku_with_order_numbers(packer_client, packer):
    teal = [{"option": "Colour", "selection": "Teal"}]
    a = make_order(
        lines=[
            {"name": "Mug", "sku": "MUG-1", "quantity": 2, "options": teal},
            {"name": "Cap", "sku": "CAP-9"},
        ]
    )
    b = make_order(
        lines=[
            {"name": "Mug", "sku": "MUG-1", "quantity": 1, "options": teal},
            {"name": "E-book", "sku": "AAA", "line_item_type": "DIGITAL"},
        ]
    )
    c = make_order(lines=[{"name": "Cap", "sku": "CAP-9", "quantity": 4}])
    fulfillment_create(order=c, lines=[(1, 3)], tracking=None, actor=packer)
    response = packer_client.post("/pack/pick-list/", {"order": [str(a.pk), str(b.pk), str(c.pk)]})
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr>\s*<td class=\"tick\">.*?</tr>", html, re.DOTALL)
    assert len(rows) == 2  # CAP-9 then MUG-1; the e-book is not picked
    assert "CAP-9" in rows[0] and '<td class="num" data-label="Qty">2</td>' in rows[0]
    assert f"#{a.number}, #{c.number}" in rows[0]
    assert "MUG-1" in rows[1] and '<td class="num" data-label="Qty">3</td>' in rows[1]
    assert "Colour: Teal" in rows[1] and f"#{a.number}, #{b.number}" in rows[1]
    assert "5 units of 2 items for 3 orders" in html


def test_pick_list_of_the_filter_takes_unfulfilled_orders_only(
    packer_client, packer, django_assert_max_num_queries
):
    open_order = make_order(lines=[{"name": "Mug", "sku": "MUG-1"}])
    done = make_order(lines=[{"name": "Lamp", "sku": "LMP"}])
    fulfillment_create(order=done, lines=[(1, None)], tracking=None, actor=packer)
    store_settings_get()
    with django_assert_max_num_queries(9):
        html = packer_client.get("/pack/pick-list/", {"view": "all"}).content.decode()
    assert "MUG-1" in html and f"#{open_order.number}" in html
    assert "LMP" not in html


def test_list_offers_printing_for_the_selection_and_the_view(packer_client, viewer_client):
    make_order()
    html = packer_client.get("/orders/", {"view": "unfulfilled"}).content.decode()
    assert 'formaction="/pack/slips/"' in html and 'formaction="/pack/pick-list/"' in html
    assert 'href="/pack/slips/?view=unfulfilled"' in html
    assert "first 200" in html
    # A viewer has no checkboxes, but prints the view.
    html = viewer_client.get("/orders/", {"view": "unfulfilled"}).content.decode()
    assert 'formaction="/pack/slips/"' not in html
    assert 'href="/pack/pick-list/?view=unfulfilled"' in html


def test_printing_the_selection_with_nothing_ticked_says_so(packer_client):
    make_order()
    response = packer_client.post("/pack/slips/", {})
    assert response.status_code == 400
    assert "Tick at least one order" in response.content.decode()


def test_pick_list_walks_the_shelves_in_number_order(packer_client):
    """SKUs named after shelves and bins are read with their numbers as numbers (bin 9
    before bin 10, as the aisle runs); lines without a SKU come last."""
    skus = ["B-1", "A-10", "", "A-9", "a-2", "A-100"]
    orders = [make_order(lines=[{"name": f"Item {n}", "sku": sku}]) for n, sku in enumerate(skus)]
    response = packer_client.post("/pack/pick-list/", {"order": [str(o.pk) for o in orders]})
    assert response.status_code == 200
    cells = re.findall(
        r'<td class="sku-cell" data-label="SKU">(.*?)</td>', response.content.decode()
    )
    assert cells == ["a-2", "A-9", "A-10", "A-100", "B-1", "—"]
