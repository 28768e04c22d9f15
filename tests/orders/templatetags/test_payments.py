"""`{% payment_actions order %}`: the payment panel of the order page."""

from __future__ import annotations

from django.template import RequestContext, Template
from django.test import RequestFactory


def test_payment_actions_tag_renders_panel(owner, order_factory):
    order = order_factory(payment_status="PAID")
    request = RequestFactory().get(f"/orders/{order.number}/")
    request.user = owner
    html = Template("{% load payments %}{% payment_actions order %}").render(
        RequestContext(request, {"order": order})
    )
    assert 'id="owner-actions"' in html
    assert f'name="next" value="/orders/{order.number}/"' in html
    assert "Record refund" in html
    assert "Mark as paid" not in html
    assert "csrfmiddlewaretoken" in html
