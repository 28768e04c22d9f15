"""Template filters for showing carriers by their proper names (FedEx, UPS, Canada Post)."""

from __future__ import annotations

from django import template

from fulfillments.carriers import carrier_name as _carrier_name

register = template.Library()


@register.filter
def carrier_name(provider: str | None) -> str:
    return _carrier_name(provider)
