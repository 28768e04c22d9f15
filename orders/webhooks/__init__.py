"""Webhooks (spec: "Webhooks"): endpoints, the event outbox, delivery, and the owners' pages.

A Django app of its own (`orders.webhooks`, label `webhooks`) so that its admin, command and
URLs are found like any app's; its models keep the `orders` app label (see models.py).

    models.py     endpoints, events (the outbox rows) and deliveries
    outbox.py     event_emit(): services write an event in their transaction
    delivery.py   one attempt: sign the event as a JWT, POST it, record the outcome and backoff
    tasks.py      the tasks framework side: queue attempts, retry tasks, the sweeper
    forms.py, views.py, urls.py   the owners' /webhooks/ pages
    admin.py      the webhook models in the Django admin
    management/commands/deliver_webhooks.py   the sweeper for cron (`--every N`)
"""
