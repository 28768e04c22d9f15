"""`{% owner_actions order %}`: the mark paid / cancel / refund panel for an order page."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("orders/_owner_actions.html", takes_context=True)
def owner_actions(context, order):
    from orders.owner_views import owner_actions_context

    request = context["request"]
    return {
        **owner_actions_context(order=order, next_url=request.get_full_path()),
        "csrf_token": context.get("csrf_token"),
        "perms": context.get("perms"),
    }
