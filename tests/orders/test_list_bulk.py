"""The orders list's bulk fulfil controls post to the bulk view with per-row tracking numbers."""

from __future__ import annotations

import re

from fulfillments.carriers import KNOWN_CARRIER_CHOICES
from fulfillments.models import Fulfillment


def test_packer_sees_bulk_controls_viewer_does_not(packer_client, viewer_client, order_factory):
    order = order_factory()
    page = packer_client.get("/orders/")
    assert 'formaction="/fulfillments/bulk/"' in page.text
    assert f'name="tracking-{order.pk}"' in page.text
    assert "Fulfil selected" not in viewer_client.get("/orders/").text


def test_bulk_carrier_picker_offers_the_known_carriers(packer_client, order_factory):
    order_factory()
    for headers in ({}, {"HX-Request": "true"}):
        page = packer_client.get("/orders/", headers=headers).text
        select = re.search(r'<select id="bulk-carrier" name="carrier">(.*?)</select>', page, re.S)
        options = re.findall(r'<option value="([^"]*)">([^<]*)</option>', select.group(1))
        assert options == [("", "No carrier"), *KNOWN_CARRIER_CHOICES]


def test_bulk_fulfil_from_list_uses_each_rows_tracking_number(packer_client, order_factory):
    first, second = order_factory(), order_factory()
    response = packer_client.post(
        "/fulfillments/bulk/",
        {
            "order": [str(first.pk), str(second.pk)],
            "carrier": "ups",
            f"tracking-{first.pk}": "1Z111",
            f"tracking-{second.pk}": "1Z222",
            "tracking_number": "",
        },
    )
    assert response.status_code == 200
    numbers = dict(Fulfillment.objects.values_list("order_id", "tracking_number"))
    assert numbers == {first.pk: "1Z111", second.pk: "1Z222"}
    first.refresh_from_db()
    assert first.fulfillment_status == "FULFILLED"
