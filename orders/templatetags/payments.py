"""`{% payment_actions order %}`: the mark paid / cancel / refund panel for an order page."""

from __future__ import annotations

from django import template

from orders.payments.views import payment_actions_context

register = template.Library()


@register.inclusion_tag("orders/_payment_actions.html", takes_context=True)
def payment_actions(context, order):
    request = context["request"]
    return {
        **payment_actions_context(order=order, next_url=request.get_full_path()),
        # The order page prefetched the refunds; the payments page lists them itself.
        "on_order_page": True,
        "order_refunds": list(order.refunds.all()),
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }
