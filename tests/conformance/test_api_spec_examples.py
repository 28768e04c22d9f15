"""The Stores v2 document's example orders (orders/demo_data/spec_orders.json, copied from it),
read through the API and compared field by field: every name, type and value, what is left
out, with money compared as the decimal it is ("10.0" is "10.00")."""

from __future__ import annotations

import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest

from orders.demo import SPEC_ORDERS_FILE

SPEC = {order["number"]: order for order in json.loads(SPEC_ORDERS_FILE.read_text())}
STORES = "/api/stores/v2/orders"


def shapes(value: Any, path: str = "") -> set[str]:
    """Every key path of `value`, list positions as []: {"lineItems[].priceData.price", ...}."""
    if isinstance(value, dict):
        found = set()
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            found |= {where} | shapes(item, where)
        return found
    if isinstance(value, list):
        return set().union(*(shapes(item, f"{path}[]") for item in value))
    return set()


# Packdesk's addition (README): each line item's id, which the eCommerce API names it by. And
# the fields the document's newer examples (#10012, #10108) show that its oldest (#10124, the
# updateEmail example from 2020) does not.
EXTRA = {"lineItems[].id"} | shapes(SPEC[10012]) | shapes(SPEC[10108])


def decimal(value: Any) -> Decimal | None:
    if not isinstance(value, str):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def differences(ours: Any, spec: Any, path: str = "") -> list[str]:
    if isinstance(spec, dict) and isinstance(ours, dict):
        found = []
        for key in spec.keys() | ours.keys():
            where = f"{path}.{key}" if path else key
            shape = re.sub(r"\[\d+\]", "[]", where)
            if key not in ours:
                found.append(f"{where}: missing")
            elif key not in spec:
                if shape not in EXTRA:
                    found.append(f"{where}: not in the document")
            else:
                found += differences(ours[key], spec[key], where)
        return found
    if isinstance(spec, list) and isinstance(ours, list):
        if len(ours) != len(spec):
            return [f"{path}: {len(ours)} items, the document {len(spec)}"]
        return [
            d
            for i, pair in enumerate(zip(ours, spec, strict=True))
            for d in differences(*pair, f"{path}[{i}]")
        ]
    if type(ours) is not type(spec):
        return [f"{path}: {ours!r} is not of the document's type ({spec!r})"]
    if ours != spec and (decimal(ours) is None or decimal(ours) != decimal(spec)):
        return [f"{path}: {ours!r}, the document {spec!r}"]
    return []


@pytest.mark.parametrize("number", [10012, 10108, 10124])
def test_a_spec_order_reads_back_as_the_document_shows_it(viewer_api, spec_orders, number):
    spec = SPEC[number]
    response = viewer_api.get(f"{STORES}/{spec['id']}")
    assert response.status_code == 200
    assert differences(response.json()["order"], spec) == []
    queried = viewer_api.post(f"{STORES}/query", {"query": {"filter": {"number": number}}})
    assert differences(queried.json()["orders"][0], spec) == []
