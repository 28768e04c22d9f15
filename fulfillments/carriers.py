"""Shipping carriers and their tracking links (DESIGN.md section 4)."""

from __future__ import annotations

import re
from urllib.parse import quote, urlsplit

from django.db.models import Q
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, In

# Keyed by the lower-cased provider name: provider names are case-insensitive.
CARRIER_LINKS = {
    "fedex": "https://www.fedex.com/apps/fedextrack/?action=track&trackingnumber={}",
    "ups": "https://wwwapps.ups.com/WebTracking/track?track=yes&trackNums={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction.action?tLabels={}",
    "dhl": "https://www.logistics.dhl/global-en/home/tracking.html?tracking-id={}",
    "canadapost": (
        "https://www.canadapost.ca/cpotools/apps/track/personal/findByTrackNumber?trackingNumber={}"
    ),
}

OTHER = "other"

# The spec's spelling of each known carrier (for pickers, filters and demo data).
KNOWN_CARRIER_CHOICES = [
    ("fedex", "FedEx"),
    ("ups", "UPS"),
    ("usps", "USPS"),
    ("dhl", "DHL"),
    ("canadaPost", "Canada Post"),
]
# For the carrier picker: the known carriers, then "other" (a name and a link typed in).
CARRIER_CHOICES = [*KNOWN_CARRIER_CHOICES, (OTHER, "Other")]


_PROPER_NAMES = {value.lower(): label for value, label in KNOWN_CARRIER_CHOICES}


def carrier_name(provider: str | None) -> str:
    """A carrier as people write it: "FedEx" for fedex or FEDEX; other names as given."""
    if not provider:
        return ""
    return _PROPER_NAMES.get(provider.lower(), provider)


def carrier_is_known(provider: str | None) -> bool:
    return bool(provider) and (provider or "").lower() in CARRIER_LINKS


def carrier_q(carrier: str, *, field: str = "shipping_provider") -> Q:
    """Fulfillments whose stored provider is `carrier`, case-insensitively as everywhere
    ("FedEx" from the API is fedex); OTHER matches every provider that is not a known one."""
    provider = Lower(field)
    if carrier == OTHER:
        return ~Q(In(provider, list(CARRIER_LINKS)))
    return Q(Exact(provider, carrier.lower()))


def carrier_link(provider: str | None, number: str | None) -> str | None:
    """The tracking page of `number` at a known carrier, or None for other carriers."""
    if not number or not provider or not carrier_is_known(provider):
        return None
    return CARRIER_LINKS[provider.lower()].format(quote(number, safe=""))


def link_is_http(link: str) -> bool:
    """A tracking link must be an http(s) URL with a host (forms and services alike)."""
    try:
        parts = urlsplit(link)
    except ValueError:  # "http://[": an unbalanced IPv6 bracket
        return False
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


# Tracking number formats that carry a check digit: a mistyped or misread number fails it.
# Only formats whose check the carrier (or the standard it follows) publishes: UPS 1Z, UPU
# S10, USPS IMpb (Publication 199) and DHL Express waybills. FedEx is left out: FedEx does not
# publish its check digits, and its Ground and Express numbers share lengths, so a check
# could call a real label misread.
UPS_NUMBER = re.compile(r"1Z([0-9A-Z]{15})([0-9])")
UPU_S10_NUMBER = re.compile(r"[A-Z]{2}([0-9]{8})([0-9])[A-Z]{2}")
S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
# IMpb: 22 or 26 digits led by its application identifier 91-95, as printed under the
# barcode; a scan of the barcode itself also carries the routing code 420 + ZIP (5 or 9
# digits) in front, which the check digit does not cover.
IMPB_NUMBER = re.compile(r"9[1-5][0-9]{20}(?:[0-9]{4})?")
IMPB_ROUTING = re.compile(r"420(?:[0-9]{5}|[0-9]{9})")
# DHL Express waybill: 10 digits, the last the first nine modulo 7.
DHL_EXPRESS_NUMBER = re.compile(r"([0-9]{9})([0-9])")


def _ups_check_digit(body: str) -> int:
    # UPS: letters count as (code - 63) mod 10 (A=2, B=3, ...); every second character twice.
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(value * (2 if index % 2 else 1) for index, value in enumerate(values))
    return (10 - total % 10) % 10


def _s10_check_digit(serial: str) -> int:
    # UPU S10 (international post: USPS, Canada Post, Royal Mail...): weighted mod 11.
    check = 11 - sum(int(c) * w for c, w in zip(serial, S10_WEIGHTS, strict=True)) % 11
    return {10: 0, 11: 5}.get(check, check)


def _mod10_check_digit(digits: str) -> int:
    # GS1 mod 10 (IMpb): from the right, digits weigh 3, 1, 3, 1...
    total = sum(int(c) * (1 if index % 2 else 3) for index, c in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _impb_candidates(digits: str) -> list[str]:
    """The IMpb tracking numbers `digits` can be: itself, or what follows a routing code
    (a 34-digit scan is ZIP+4 and 22 digits, or ZIP and 26 digits)."""
    candidates = [digits] if IMPB_NUMBER.fullmatch(digits) else []
    for length in (22, 26):
        head, tail = digits[:-length], digits[-length:]
        if len(digits) > length and IMPB_ROUTING.fullmatch(head) and IMPB_NUMBER.fullmatch(tail):
            candidates.append(tail)
    return candidates


def _check_by_carrier(value: str, provider: str) -> tuple[str, bool] | None:
    """(the format's name, whether its check digit matches) for a format of the carrier the
    packer chose, or None when the carrier's numbers of this shape carry no known check."""
    digits = re.sub(r"\s", "", value)
    if provider == "usps" and (candidates := _impb_candidates(digits)):
        ok = any(_mod10_check_digit(c[:-1]) == int(c[-1]) for c in candidates)
        return "USPS", ok
    if provider == "dhl" and (match := DHL_EXPRESS_NUMBER.fullmatch(digits)):
        return "DHL Express", int(match.group(1)) % 7 == int(match.group(2))
    return None


def tracking_number_scanned(number: str, provider: str | None) -> str:
    """The tracking number in what a scanner read off a label. A USPS label's barcode holds
    the routing code (420 + ZIP) before the tracking number; with USPS chosen, a scan that is
    exactly that (its check digit matching) gives the tracking number alone, which is what
    the buyer's link and USPS's tracking page take. Anything else is kept as it was read."""
    digits = re.sub(r"\s", "", number)
    if (provider or "").lower() != "usps" or IMPB_NUMBER.fullmatch(digits):
        return number
    valid = {c for c in _impb_candidates(digits) if _mod10_check_digit(c[:-1]) == int(c[-1])}
    return valid.pop() if len(valid) == 1 else number


def carrier_of_number(number: str) -> str | None:
    """The known carrier whose labels alone carry numbers of this format (UPS's 1Z...), or
    None when the format does not say."""
    return "ups" if UPS_NUMBER.fullmatch(number.strip().upper()) else None


def tracking_number_misread(number: str, provider: str | None = None) -> str:
    """Why `number` cannot be a real tracking number of its format (its check digit does not
    match: a typo or a misread label), or "" when nothing says it is wrong. UPS 1Z and
    international S10 numbers are checked whatever the carrier; USPS IMpb and DHL Express
    numbers when `provider` is that carrier (their all-digit shapes are not theirs alone).
    Other formats carry no check the station can make."""
    value = number.strip().upper()
    if match := UPS_NUMBER.fullmatch(value):
        carrier = "UPS"
        ok = _ups_check_digit(match.group(1)) == int(match.group(2))
    elif match := UPU_S10_NUMBER.fullmatch(value):
        carrier = "international postal"
        ok = _s10_check_digit(match.group(1)) == int(match.group(2))
    elif checked := _check_by_carrier(value, (provider or "").lower()):
        carrier, ok = checked
    else:
        return ""
    if ok:
        return ""
    return (
        f"“{number}” is not a valid {carrier} tracking number (its check digit does not match):"
        " it may be mistyped or misread."
    )
