"""Role rules the pages, the API and the admin share: Support edits notes and addresses, not
the buyer's email; an API key acts only as a non-superuser unless a superuser made it."""

from __future__ import annotations

from django.contrib.auth.models import User

from orders.models import ApiKey
from tests.conftest import api_client_for

STORES = "/api/stores/v2/orders"


def test_support_cannot_change_the_buyer_email_on_the_page(support_client, order_factory):
    order = order_factory(buyer_email="ada@example.com")
    page = support_client.get(f"/orders/{order.number}/")
    assert page.status_code == 200
    assert f"/orders/{order.number}/email/" not in page.text
    assert f"/orders/{order.number}/shipping-address/" in page.text
    url = f"/orders/{order.number}/email/"
    assert support_client.get(url).status_code == 403
    assert support_client.post(url, {"email-email": "x@example.com"}).status_code == 403
    order.refresh_from_db()
    assert order.buyer_email == "ada@example.com"


def test_support_cannot_change_the_buyer_email_in_the_api(support, order_factory):
    order = order_factory(buyer_email="ada@example.com")
    api = api_client_for(support)
    response = api.patch(f"{STORES}/{order.id}/updateEmail", {"email": "x@example.com"})
    assert response.status_code == 403
    assert "orders.edit_buyer_email" in response.json()["message"]
    order.refresh_from_db()
    assert order.buyer_email == "ada@example.com"


def test_fulfillment_staff_and_owner_still_change_the_email(packer, owner, order_factory):
    order = order_factory()
    for user, email in ((packer, "p@example.com"), (owner, "o@example.com")):
        response = api_client_for(user).patch(f"{STORES}/{order.id}/updateEmail", {"email": email})
        assert response.status_code == 200, response.content
        order.refresh_from_db()
        assert order.buyer_email == email


def test_owner_cannot_make_an_api_key_for_a_superuser(owner_client, db):
    boss = User.objects.create_superuser(username="boss", password="pass-boss")
    form = owner_client.get("/admin/orders/apikey/add/").text
    assert f'value="{boss.pk}"' not in form
    response = owner_client.post("/admin/orders/apikey/add/", {"name": "as boss", "user": boss.pk})
    assert response.status_code == 200  # the form again, with the error
    assert not ApiKey.objects.filter(user=boss).exists()


def test_owner_cannot_move_a_key_to_another_user(owner_client, owner, packer):
    key, _ = ApiKey.generate(user=packer, name="packer sync")
    response = owner_client.post(
        f"/admin/orders/apikey/{key.pk}/change/", {"name": "packer sync", "user": owner.pk}
    )
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.user == packer
