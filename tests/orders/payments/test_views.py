"""The payment pages of an order: mark paid, cancel, refund as dashboard views."""

from __future__ import annotations

from decimal import Decimal

import pytest

from orders.models import Activity, Refund


def test_payments_page_shows_actions_to_owner(owner_client, order_factory):
    order = order_factory()
    response = owner_client.get(f"/orders/{order.number}/payments/")
    assert response.status_code == 200
    assert f'action="/orders/{order.number}/mark-paid/"' in response.text
    assert f'action="/orders/{order.number}/cancel/"' in response.text
    assert "Record refund" not in response.text  # not paid yet


@pytest.mark.parametrize("client_name", ["packer_client", "viewer_client", "support_client"])
def test_owner_actions_forbidden_to_other_roles(request, client_name, order_factory):
    client = request.getfixturevalue(client_name)
    order = order_factory(payment_status="PAID")
    assert client.get(f"/orders/{order.number}/payments/").status_code == 403
    for action in ("mark-paid", "cancel"):
        assert client.post(f"/orders/{order.number}/{action}/").status_code == 403
    response = client.post(f"/orders/{order.number}/refund/", {"amount": "1"})
    assert response.status_code == 403
    order.refresh_from_db()
    assert order.fulfillment_status == "NOT_FULFILLED"
    assert not Refund.objects.exists()


def test_actions_need_post(owner_client, order_factory):
    order = order_factory()
    assert owner_client.get(f"/orders/{order.number}/mark-paid/").status_code == 405


def test_mark_paid_view_redirects_to_next(owner_client, order_factory, owner):
    order = order_factory()
    response = owner_client.post(
        f"/orders/{order.number}/mark-paid/",
        {"next": f"/orders/{order.number}/", "confirmed": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.payment_status == "PAID"
    assert order.activities.get(type="ORDER_PAID").actor == owner


def test_view_ignores_offsite_next(owner_client, order_factory):
    order = order_factory()
    response = owner_client.post(
        f"/orders/{order.number}/cancel/", {"next": "https://evil.example/", "confirmed": "1"}
    )
    assert response["Location"] == f"/orders/{order.number}/payments/"


@pytest.mark.parametrize(
    "next_url", ["admin", "0", "-1", "1e309", "store_settings", "//evil.example/"]
)
def test_a_next_that_is_no_path_here_goes_to_the_payments_page(
    owner_client, order_factory, next_url
):
    """Not a view name to reverse (a 500 after the write) nor another host: the payments page."""
    order = order_factory()
    response = owner_client.post(
        f"/orders/{order.number}/cancel/", {"next": next_url, "confirmed": "1"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/payments/"
    order.refresh_from_db()
    assert order.is_canceled


def test_htmx_action_refreshes_page(owner_client, order_factory):
    order = order_factory()
    response = owner_client.post(
        f"/orders/{order.number}/cancel/", {"confirmed": "1"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert response["HX-Refresh"] == "true"


def test_refused_action_shows_message(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    response = owner_client.post(f"/orders/{order.number}/mark-paid/")
    assert response.status_code == 200
    assert "cannot be marked paid: its payment status is PAID" in response.text


def test_refund_view_records_refund(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    response = owner_client.post(
        f"/orders/{order.number}/refund/", {"amount": "7.25", "reason": "late", "confirmed": "1"}
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (Decimal("7.25"), "late")
    page = owner_client.get(f"/orders/{order.number}/payments/")
    assert "7.25" in page.text and "late" in page.text


def test_refund_view_records_the_payment_providers_refund_id(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    owner_client.post(
        f"/orders/{order.number}/refund/",
        {"amount": "1.00", "payment_provider_transaction_id": "re_123", "confirmed": "1"},
    )
    assert Refund.objects.get().payment_provider_transaction_id == "re_123"


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "Enter a number."),
        ("0", "greater than or equal to 0.01"),
        ("25", "cannot exceed 20.00"),
    ],
)
def test_refund_view_bad_amount_rerenders_with_error(owner_client, order_factory, amount, message):
    order = order_factory(payment_status="PAID")
    response = owner_client.post(f"/orders/{order.number}/refund/", {"amount": amount})
    assert response.status_code == 200
    assert message in response.text
    assert not Refund.objects.exists()
    assert not Activity.objects.filter(order=order, type="ORDER_REFUNDED").exists()


def test_refund_view_htmx_error_renders_panel_only(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    response = owner_client.post(
        f"/orders/{order.number}/refund/", {"amount": "99"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert 'id="owner-actions"' in response.text
    assert "<html" not in response.text
    assert "cannot exceed 20.00" in response.text


def test_unknown_order_is_404(owner_client):
    assert owner_client.post("/orders/999999/mark-paid/").status_code == 404


def test_mark_paid_asks_first_with_a_summary(owner_client, order_factory):
    order = order_factory(payment_status="NOT_PAID")
    response = owner_client.post(
        f"/orders/{order.number}/mark-paid/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.text
    assert f"Mark order #{order.number} as paid?" in html
    assert "from Not Paid to Paid" in html and f"{order.total} {order.currency}" in html
    assert 'name="confirmed" value="1"' in html and "Yes, mark as paid" in html
    order.refresh_from_db()
    assert order.payment_status == "NOT_PAID"
    assert not order.activities.filter(type="ORDER_PAID").exists()


def test_refund_asks_first_with_amounts_and_the_new_status(owner_client, order_factory):
    order = order_factory(payment_status="PAID")  # total 20.00
    response = owner_client.post(
        f"/orders/{order.number}/refund/", {"amount": "5", "reason": "dented"}
    )
    assert response.status_code == 200
    html = response.text
    assert f"Refund 5.00 {order.currency} on order #{order.number}?" in html
    assert "Refunded so far: 0.00 of 20.00 USD; after this: 5.00 USD." in html
    assert "Payment status becomes Partially Refunded." in html
    assert "Reason: dented" in html
    assert 'name="amount" value="5.00"' in html and 'name="reason" value="dented"' in html
    assert not Refund.objects.exists()
    response = owner_client.post(f"/orders/{order.number}/refund/", {"amount": "20"})
    assert "Payment status becomes Fully Refunded." in response.text


def test_refund_over_the_refundable_amount_is_refused_before_asking(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    response = owner_client.post(f"/orders/{order.number}/refund/", {"amount": "25"})
    assert "cannot exceed 20.00" in response.text
    assert "confirmed" not in response.text
    assert not Refund.objects.exists()


def test_order_page_links_owners_to_payments_and_lists_refunds(owner_client, order_factory):
    order = order_factory(payment_status="PAID")
    owner_client.post(
        f"/orders/{order.number}/refund/", {"amount": "3", "reason": "late", "confirmed": "1"}
    )
    html = owner_client.get(f"/orders/{order.number}/").text
    assert f'href="/orders/{order.number}/payments/">Payments and refunds</a>' in html
    assert "3.00" in html and "(late)" in html
