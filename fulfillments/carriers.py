"""Shipping carriers and their tracking links (DESIGN.md section 4)."""

from __future__ import annotations

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
