"""What an order does not have is left out of its JSON, not shown as "": the spec's create
example answers with `billingInfo.address` of an email alone and no buyer name or phone."""

from __future__ import annotations

from tests.factories import make_order
from tests.orders.test_order_api_writes import CREATE_EXAMPLE, STORES


def test_the_create_example_answers_without_empty_names_or_phone(owner_api):
    response = owner_api.post(STORES, CREATE_EXAMPLE)
    assert response.status_code == 200, response.content
    order = response.json()["order"]
    assert order["billingInfo"]["address"] == {"email": "Ivanushka@example.com"}
    assert order["buyerInfo"] == {
        "type": "CONTACT",
        "identityType": "CONTACT",
        "email": "Ivanushka@example.com",
    }
    # A read and a query show the same.
    assert (
        owner_api.get(f"{STORES}/{order['id']}").json()["order"]["buyerInfo"] == order["buyerInfo"]
    )
    queried = owner_api.post(f"{STORES}/query", {"query": {"filter": {"id": order["id"]}}})
    assert queried.json()["orders"][0]["billingInfo"] == order["billingInfo"]


def test_a_name_the_order_has_is_shown_whole(owner_api):
    named = make_order(lines=1, first_name="Ada", last_name="")
    order = owner_api.get(f"{STORES}/{named.pk}").json()["order"]
    assert order["billingInfo"]["address"]["fullName"] == {"firstName": "Ada", "lastName": ""}
    assert order["buyerInfo"]["firstName"] == "Ada"
    assert "lastName" not in order["buyerInfo"]
