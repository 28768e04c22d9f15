"""Carrier tracking links (fulfillments/carriers.py)."""

from __future__ import annotations

import pytest

from fulfillments.carriers import (
    carrier_link,
    carrier_of_number,
    link_is_http,
    tracking_number_misread,
)


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


def test_tracking_number_misread_checks_ups_and_s10_check_digits():
    # UPS's and the UPU's published sample numbers pass; one misread digit fails.
    assert tracking_number_misread("1Z999AA10123456784") == ""
    assert tracking_number_misread(" 1z999aa10123456784 ") == ""
    assert tracking_number_misread("RA123456785GB") == ""
    assert "not a valid UPS tracking number" in tracking_number_misread("1Z999AA10123456785")
    assert "check digit" in tracking_number_misread("RA123456788GB")
    # Formats without a check the station can make are never refused.
    for number in ("1Z0001", "9400111899223197428490", "TRK-1", "x"):
        assert tracking_number_misread(number) == ""


def test_carrier_of_number_knows_ups_labels_only():
    assert carrier_of_number("1Z999AA10123456784") == "ups"
    assert carrier_of_number("1Z0001") is None
    assert carrier_of_number("9400111202555842332669") is None
