"""Carrier tracking links (fulfillments/carriers.py)."""

from __future__ import annotations

import pytest

from fulfillments.carriers import (
    carrier_link,
    carrier_of_number,
    link_is_http,
    tracking_number_misread,
    tracking_number_scanned,
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


# Published valid samples (the tracking_number_data project's lists, gathered from real
# labels): each passes, and with its last digit changed fails.
USPS_IMPB = [
    "9400111201080805483016",
    "9400 1112 0108 0805 4830 16",
    "9505511069605048600624",
    "9361289878700317633795",
    "9405803699300124287899",
    "9101123456789000000013",
    "92748931507708513018050063",
    # A scan of the barcode itself: routing code 420 + ZIP or ZIP+4, then the number.
    "420221539101026837331000039521",
    "4201002334249200190132607600833457",
    "4201028200009261290113185417468510",
]
DHL_EXPRESS = ["3318810025", "8487135506", "1099255990", "3821724944", "3318810036"]


def _misread_last_digit(number: str) -> str:
    digits = number.replace(" ", "")
    return digits[:-1] + str((int(digits[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("provider", "number", "name"),
    [("usps", n, "USPS") for n in USPS_IMPB] + [("dhl", n, "DHL Express") for n in DHL_EXPRESS],
)
def test_usps_impb_and_dhl_express_check_digits(provider, number, name):
    assert tracking_number_misread(number, provider) == ""
    assert tracking_number_misread(number, provider.upper()) == ""
    wrong = _misread_last_digit(number)
    assert tracking_number_misread(wrong, provider) == (
        f"“{wrong}” is not a valid {name} tracking number (its check digit does not match):"
        " it may be mistyped or misread."
    )


def test_all_digit_numbers_are_checked_only_for_their_own_carrier():
    """A 10- or 22-digit number is not USPS's or DHL's alone (FedEx, other carriers and a
    shop's own labels use the same shapes): no warning unless that carrier was chosen, and
    none for FedEx, whose check digits are not published."""
    usps_wrong = _misread_last_digit(USPS_IMPB[0])
    dhl_wrong = _misread_last_digit(DHL_EXPRESS[0])
    for provider in (None, "", "fedex", "ups", "canadaPost", "Bike courier"):
        assert tracking_number_misread(usps_wrong, provider) == ""
        assert tracking_number_misread(dhl_wrong, provider) == ""
    assert tracking_number_misread(dhl_wrong, "usps") == ""  # not an IMpb shape
    assert tracking_number_misread(usps_wrong, "dhl") == ""  # not a waybill shape
    # Shapes near the formats are not checked: 21 or 23 digits, another application
    # identifier (96: FedEx Ground), a routing code that is not 420 + ZIP.
    for number in (
        "940011120108080548301",
        "94001112010808054830160",
        "9611020987654312345670",
        "4211002334249200190132607600833450",
    ):
        assert tracking_number_misread(number, "usps") == ""
    assert tracking_number_misread("331881002", "dhl") == ""
    assert tracking_number_misread("JJD0099999999", "dhl") == ""


def test_carrier_of_number_knows_ups_labels_only():
    assert carrier_of_number("1Z999AA10123456784") == "ups"
    assert carrier_of_number("1Z0001") is None
    assert carrier_of_number("9400111202555842332669") is None


def test_a_usps_barcode_scanned_whole_gives_its_tracking_number():
    """The IMpb barcode holds 420 + ZIP (or ZIP+4) before the tracking number."""
    assert tracking_number_scanned("420221539101026837331000039521", "usps") == (
        "9101026837331000039521"
    )
    assert tracking_number_scanned("4201002334249200190132607600833457", "USPS") == (
        "9200190132607600833457"
    )
    assert tracking_number_scanned("4201028200009261290113185417468510", "usps") == (
        "9261290113185417468510"
    )
    # Kept as read: another carrier, a failed check digit, the number alone, other shapes.
    for number, provider in [
        ("420221539101026837331000039521", "fedex"),
        ("420221539101026837331000039521", None),
        ("420221539101026837331000039522", "usps"),
        ("9101026837331000039521", "usps"),
        ("42022153", "usps"),
        ("TRK-1", "usps"),
    ]:
        assert tracking_number_scanned(number, provider) == number
