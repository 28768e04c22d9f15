"""`manage.py deliver_webhooks`: the sweeper sends what is due."""

from __future__ import annotations

from orders.services import order_mark_paid
from orders.webhooks.models import (
    WebhookDelivery,
    WebhookEndpoint,
)
from tests.factories import make_order
from tests.orders.webhooks.receiver import Receiver


def test_deliver_webhooks_command_sweeps_due(endpoint, owner):
    from django.core.management import call_command

    with Receiver() as receiver:
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        call_command("deliver_webhooks", verbosity=0)
        assert len(receiver.accepted()) == 1
    assert WebhookDelivery.objects.get().status == "succeeded"
