"""The order page's timeline: one change reads as one line, carriers by their proper names."""

from __future__ import annotations

import re

from fulfillments.services import fulfillment_create
from fulfillments.timeline import TIMES, timeline


def test_one_fulfillment_is_one_line(order_factory, owner, owner_client):
    order = order_factory(lines=[{"quantity": 2}, {"quantity": 1}])
    fulfillment_create(
        order=order,
        lines=[(1, 2), (2, 1)],
        tracking={"trackingNumber": "1Z999", "shippingProvider": "ups"},
        actor=owner,
    )
    entries = timeline(order.activities.select_related("actor"))
    assert [entry.text for entry in entries] == [
        "Order placed",
        f"Shipped line 1 {TIMES} 2, line 2 {TIMES} 1 · tracking UPS 1Z999 · order fulfilled",
    ]
    html = owner_client.get(f"/orders/{order.number}/").content.decode()
    items = re.findall(r'<li class="activity"', html)
    assert len(items) == 2
    assert "Tracking Link Was Set" not in html and "tracking UPS 1Z999" in html
    assert "by owner" in html


def test_separate_changes_stay_separate(order_factory, owner, packer):
    order = order_factory(lines=[{"quantity": 2}])
    fulfillment_create(order=order, lines=[(1, 1)], tracking={}, actor=owner)
    fulfillment_create(order=order, lines=[(1, 1)], tracking={}, actor=packer)
    entries = timeline(order.activities.select_related("actor"))
    assert [entry.actor.username if entry.actor else None for entry in entries] == [
        None,
        "owner",
        "packer",
    ]
