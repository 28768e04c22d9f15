"""Carrier tracking links (fulfillments/carriers.py)."""

from __future__ import annotations

import pytest

from fulfillments.carriers import carrier_link, link_is_http


@pytest.mark.parametrize(
    ("provider", "link"),
    [
        ("fedex", "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber=A%2FB%201"),
        ("UPS", "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums=A%2FB%201"),
        ("usps", "https://tools.usps.com/go/TrackConfirmAction.action?tLabels=A%2FB%201"),
        ("DHL", "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id=A%2FB%201"),
        (
            "CanadaPost",
            "https://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber"
            "?trackingNumber=A%2FB%201",
        ),
    ],
)
def test_carrier_link_known_carriers_url_encode_the_number(provider, link):
    assert carrier_link(provider, "A/B 1") == link


def test_carrier_link_other_carrier_is_none():
    assert carrier_link("Royal Mail", "123") is None
    assert carrier_link("fedex", "") is None


@pytest.mark.parametrize(
    ("link", "ok"),
    [("https://x.test/1", True), ("HTTP://x.test", True), ("http://", False), ("http://[", False)],
)
def test_link_is_http_needs_a_scheme_and_host_and_never_raises(link, ok):
    assert link_is_http(link) is ok
