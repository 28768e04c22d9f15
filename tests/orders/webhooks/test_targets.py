"""SSRF: webhook URLs must reach public addresses, without credentials, checked when saved and
again at delivery after DNS resolution; deliveries record status codes, never bodies."""

from __future__ import annotations

import socket

import jwt
import pytest
from django.utils import timezone

from orders.services import order_mark_paid
from orders.webhooks.delivery import delivery_attempt, delivery_token
from orders.webhooks.models import WebhookDelivery, WebhookEndpoint
from orders.webhooks.targets import TargetRefused, target_check_url
from orders.webhooks.tasks import deliver_due
from tests.factories import make_order
from tests.orders.webhooks.conftest import ALL_EVENTS, SECRET, only_delivery
from tests.orders.webhooks.receiver import Receiver

REFUSED_URLS = {
    "http://127.0.0.1:8000/": "loopback",
    "http://localhost:8000/admin/": "loopback",
    "http://0.0.0.0/": "unspecified",
    "http://[::1]:8000/": "loopback",
    "http://169.254.169.254/latest/meta-data/": "link-local",
    "http://10.1.2.3/": "private",
    "http://192.168.0.10/": "private",
    "http://172.16.5.4/": "private",
    "http://100.64.0.1/": "not a public address",
    "http://[fd00::1]/": "private",
    "http://[::ffff:127.0.0.1]/": "loopback",
    "http://2130706433/": "loopback",
    "http://224.0.0.1/": "multicast",
    "http://user:pw@example.com/": "user name or password",
    "http://token@example.com/": "user name or password",
    "ftp://example.com/": "http:// or https://",
}


@pytest.fixture
def strict(settings):
    """The production rule (the suite otherwise allows its 127.0.0.1 receiver)."""
    settings.PACKDESK_WEBHOOK_ALLOW_PRIVATE = False
    return settings


@pytest.mark.parametrize(("url", "reason"), REFUSED_URLS.items())
def test_refused_urls(strict, url, reason):
    with pytest.raises(TargetRefused, match=reason):
        target_check_url(url)


def test_public_addresses_and_names_pass(strict):
    target_check_url("https://93.184.215.14/hooks")
    target_check_url("https://[2606:4700::1111]/hooks")
    # A name that does not resolve yet is checked again at each delivery.
    target_check_url("https://hooks.packdesk-test.invalid/")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:8000/", "Webhooks are only sent to public addresses"),
        ("http://user:pw@example.com/", "must not contain a user name or password"),
    ],
)
def test_endpoint_form_refuses_with_a_message(strict, owner_client, url, message):
    response = owner_client.post("/webhooks/new/", {"url": url, "events": ["OrderPaid"]})
    assert response.status_code == 200
    assert message in response.text
    assert not WebhookEndpoint.objects.exists()
    response = owner_client.post(
        "/admin/orders/webhookendpoint/add/", {"url": url, "events": ["OrderPaid"]}
    )
    assert response.status_code == 200
    assert not WebhookEndpoint.objects.exists()


def test_delivery_refuses_private_targets_after_resolution(strict, owner):
    with Receiver() as receiver:
        hostname_url = receiver.url.replace("127.0.0.1", "localhost")
        for url in (receiver.url, hostname_url):
            WebhookEndpoint.objects.create(
                url=url, events=ALL_EVENTS, secret=SECRET, created_by=owner
            )
        order_mark_paid(order=make_order(), actor=owner)
        assert deliver_due() == 2
    assert receiver.requests == []
    for delivery in WebhookDelivery.objects.all():
        assert delivery.status == "pending"
        assert delivery.last_response_code is None
        assert delivery.last_error.startswith("Refused: Webhooks are only sent to public")
        assert "127.0.0.1 is a loopback address" in delivery.last_error


def test_delivery_connects_to_the_address_it_checked(owner, monkeypatch):
    """The name is resolved once: the connection goes to the checked address, with the
    URL's host name in the Host header."""
    with Receiver() as receiver:
        real = socket.getaddrinfo
        seen = []

        def resolve(host, port, *args, **kwargs):
            seen.append(host)
            if host == "hooks.shop.test":
                return real("127.0.0.1", port, *args, **kwargs)
            return real(host, port, *args, **kwargs)

        monkeypatch.setattr(socket, "getaddrinfo", resolve)
        url = f"http://hooks.shop.test:{receiver.port}/in"
        WebhookEndpoint.objects.create(url=url, events=ALL_EVENTS, secret=SECRET, created_by=owner)
        order_mark_paid(order=make_order(), actor=owner)
        assert deliver_due() == 1
    assert seen.count("hooks.shop.test") == 1
    assert only_delivery().status == "succeeded"
    assert receiver.hosts == [f"hooks.shop.test:{receiver.port}"]


def test_one_broken_endpoint_is_its_own_failed_attempt(owner):
    """A URL with credentials (saved before the form refused them), or one that the HTTP
    client itself rejects, fails its own delivery; the others in the same sweep arrive."""
    with Receiver() as receiver:
        urls = [
            f"http://user:pw@127.0.0.1:{receiver.port}/",
            f"http://127.0.0.1:{receiver.port}/bad\x01path",
            f"http://127.0.0.1:{receiver.port}/bad path",
            receiver.url,
        ]
        for url in urls:
            WebhookEndpoint.objects.create(
                url=url, events=ALL_EVENTS, secret=SECRET, created_by=owner
            )
        order_mark_paid(order=make_order(), actor=owner)
        assert deliver_due() == 4
    assert len(receiver.accepted()) == 1
    by_url = {d.endpoint.url: d for d in WebhookDelivery.objects.select_related("endpoint")}
    assert by_url[receiver.url].status == "succeeded"
    for url in urls[:3]:
        delivery = by_url[url]
        assert (delivery.status, delivery.attempts, delivery.last_response_code) == (
            "pending",
            1,
            None,
        )
        assert delivery.next_attempt_at > timezone.now()
        assert delivery.last_error
    assert "user name or password" in by_url[urls[0]].last_error
    assert "InvalidURL" in by_url[urls[1]].last_error


def test_a_surprise_while_signing_is_a_failed_attempt(endpoint, owner, monkeypatch):
    order_mark_paid(order=make_order(), actor=owner)
    delivery = only_delivery()

    def broken(_delivery):
        raise RuntimeError("key store unavailable")

    monkeypatch.setattr("orders.webhooks.delivery.delivery_token", broken)
    result = delivery_attempt(delivery_id=delivery.pk)
    assert result.status == "pending"
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert delivery.last_error == "RuntimeError: key store unavailable"


def test_error_responses_record_the_status_code_not_the_body(endpoint, owner, owner_client):
    with Receiver() as receiver:
        receiver.mode = "fail"
        receiver.body = b"internal admin page: db password hunter2"
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(url=receiver.url)
        order_mark_paid(order=make_order(), actor=owner)
        deliver_due()
    delivery = only_delivery()
    assert (delivery.last_response_code, delivery.last_error) == (500, "HTTP 500")
    page = owner_client.get(f"/webhooks/{endpoint.pk}/")
    assert "hunter2" not in page.text and "internal admin" not in page.text


def test_jwt_carries_expiry_and_event_id(endpoint, owner, settings):
    settings.PACKDESK_WEBHOOK_TOKEN_TTL = 120
    order_mark_paid(order=make_order(), actor=owner)
    delivery = only_delivery()
    token = delivery_token(delivery)
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"require": ["exp", "jti"]})
    assert claims["jti"] == str(delivery.event_id)
    assert claims["exp"] - claims["iat"] == 120
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(
            token,
            SECRET,
            algorithms=["HS256"],
            leeway=-121,
            options={"require": ["exp"], "verify_iat": False},
        )


def test_secret_is_generated_shown_once_and_never_again(owner_client):
    response = owner_client.post(
        "/webhooks/new/",
        {"url": "https://93.184.215.14/hooks", "events": ["OrderPaid"], "active": "on"},
        follow=True,
    )
    endpoint = WebhookEndpoint.objects.get()
    assert len(endpoint.secret) >= 32
    assert endpoint.secret in response.text
    assert "will not be shown again" in response.text
    assert endpoint.secret not in owner_client.get(f"/webhooks/{endpoint.pk}/").text
    edit = owner_client.get(f"/webhooks/{endpoint.pk}/edit/").text
    assert endpoint.secret not in edit
    assert (
        endpoint.secret
        not in owner_client.get(f"/admin/orders/webhookendpoint/{endpoint.pk}/change/").text
    )
    kept = endpoint.secret
    response = owner_client.post(
        f"/webhooks/{endpoint.pk}/edit/",
        {"url": endpoint.url, "events": ["OrderPaid"], "secret": "", "active": "on"},
    )
    assert response.status_code == 302
    endpoint.refresh_from_db()
    assert endpoint.secret == kept


def test_short_secrets_are_refused(owner_client):
    response = owner_client.post(
        "/webhooks/new/",
        {"url": "https://93.184.215.14/hooks", "events": ["OrderPaid"], "secret": "short"},
    )
    assert response.status_code == 200
    assert "Use at least 32 characters (this one has 5)" in response.text
    assert not WebhookEndpoint.objects.exists()
