"""Owner actions: mark paid, cancel and refund, as services and as dashboard views."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.template import RequestContext, Template
from django.test import RequestFactory

from orders.models import Activity, Order, Refund, WebhookEndpoint, WebhookEvent
from orders.services import OrderError, order_cancel, order_mark_paid, order_refund


@pytest.fixture
def subscriber(db) -> WebhookEndpoint:
    return WebhookEndpoint.objects.create(
        url="http://127.0.0.1:9/hook",
        events=["OrderPaid", "OrderCanceled", "OrderRefunded"],
    )


def activity_types(order: Order) -> list[str]:
    return list(order.activities.order_by("timestamp", "id").values_list("type", flat=True))


def events(order: Order) -> list[str]:
    return list(
        WebhookEvent.objects.filter(order=order)
        .order_by("created")
        .values_list("event_type", flat=True)
    )


# ---- Services ----


def test_mark_paid_sets_status_date_activity_and_event(order_factory, owner, subscriber):
    order = order_factory()
    before = order.last_updated
    order_mark_paid(order=order, actor=owner)

    order.refresh_from_db()
    assert order.payment_status == "PAID"
    assert order.paid_date is not None
    assert order.last_updated > before
    activity = order.activities.get(type="ORDER_PAID")
    assert activity.actor == owner
    assert events(order) == ["OrderPaid"]


def test_mark_paid_twice_refused(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")
    with pytest.raises(OrderError) as exc:
        order_mark_paid(order=order, actor=owner)
    assert exc.value.status == 409
    assert "cannot be marked paid" in exc.value.message
    assert events(order) == []
    assert activity_types(order) == ["ORDER_PLACED"]


def test_cancel_sets_canceled_activity_and_event(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")
    order_cancel(order=order, actor=owner)

    order.refresh_from_db()
    assert order.fulfillment_status == "CANCELED"
    activity = order.activities.get(type="ORDER_CANCELED")
    assert activity.actor == owner
    assert activity.details == {"previousFulfillmentStatus": "NOT_FULFILLED"}
    assert events(order) == ["OrderCanceled"]


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("CANCELED", "already canceled"),
        ("FULFILLED", "delete its fulfillments first"),
        ("PARTIALLY_FULFILLED", "delete its fulfillments first"),
    ],
)
def test_cancel_refused(order_factory, owner, subscriber, status, message):
    order = order_factory(fulfillment_status=status)
    with pytest.raises(OrderError, match=message) as exc:
        order_cancel(order=order, actor=owner)
    assert exc.value.status == 409
    order.refresh_from_db()
    assert order.fulfillment_status == status
    assert events(order) == []


def test_partial_then_full_refund(order_factory, owner, subscriber):
    order = order_factory(payment_status="PAID")  # two lines of 10.00: total 20.00
    first = order_refund(order=order, amount=Decimal("5.50"), reason="scratched", actor=owner)
    order.refresh_from_db()
    assert order.payment_status == "PARTIALLY_REFUNDED"
    assert first.amount == Decimal("5.50") and first.actor == owner

    order_refund(order=order, amount=Decimal("14.50"), actor=owner)
    order.refresh_from_db()
    assert order.payment_status == "FULLY_REFUNDED"
    assert sorted(Refund.objects.filter(order=order).values_list("amount", flat=True)) == [
        Decimal("5.50"),
        Decimal("14.50"),
    ]
    refunded = order.activities.filter(type="ORDER_REFUNDED").order_by("id")
    assert [a.details["amount"] for a in refunded] == ["5.50", "14.50"]
    assert refunded[0].details["refundId"] == str(first.id)
    assert events(order) == ["OrderRefunded", "OrderRefunded"]


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("0"), "must be more than 0"),
        (Decimal("-1"), "must be more than 0"),
        (Decimal("20.01"), "cannot exceed 20.00"),
    ],
)
def test_refund_amount_checked(order_factory, owner, subscriber, amount, message):
    order = order_factory(payment_status="PAID")
    with pytest.raises(OrderError, match=re.escape(message)) as exc:
        order_refund(order=order, amount=amount, actor=owner)
    assert exc.value.field == "amount"
    assert not Refund.objects.exists()
    assert events(order) == []


def test_refund_beyond_what_remains_refused(order_factory, owner):
    order = order_factory(payment_status="PAID")
    order_refund(order=order, amount=Decimal("15"), actor=owner)
    with pytest.raises(OrderError, match=r"cannot exceed 5\.00"):
        order_refund(order=order, amount=Decimal("6"), actor=owner)


def test_refund_of_unpaid_order_refused(order_factory, owner):
    order = order_factory(payment_status="NOT_PAID")
    with pytest.raises(OrderError, match="Only a paid order") as exc:
        order_refund(order=order, amount=Decimal("1"), actor=owner)
    assert exc.value.status == 409


# ---- Views ----


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
        f"/orders/{order.number}/mark-paid/", {"next": f"/orders/{order.number}/"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/orders/{order.number}/"
    order.refresh_from_db()
    assert order.payment_status == "PAID"
    assert order.activities.get(type="ORDER_PAID").actor == owner


def test_view_ignores_offsite_next(owner_client, order_factory):
    order = order_factory()
    response = owner_client.post(
        f"/orders/{order.number}/cancel/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/orders/{order.number}/payments/"


def test_htmx_action_refreshes_page(owner_client, order_factory):
    order = order_factory()
    response = owner_client.post(f"/orders/{order.number}/cancel/", headers={"HX-Request": "true"})
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
        f"/orders/{order.number}/refund/", {"amount": "7.25", "reason": "late"}
    )
    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount, refund.reason) == (Decimal("7.25"), "late")
    page = owner_client.get(f"/orders/{order.number}/payments/")
    assert "7.25" in page.text and "late" in page.text


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


def test_owner_actions_tag_renders_panel(owner, order_factory):
    order = order_factory(payment_status="PAID")
    request = RequestFactory().get(f"/orders/{order.number}/")
    request.user = owner
    html = Template("{% load owner_actions %}{% owner_actions order %}").render(
        RequestContext(request, {"order": order})
    )
    assert 'id="owner-actions"' in html
    assert f'name="next" value="/orders/{order.number}/"' in html
    assert "Record refund" in html
    assert "Mark as paid" not in html
    assert "csrfmiddlewaretoken" in html


# ---- Admin actions (orders/webhook_admin.py, hooked into the order admin by orders/admin.py) ----


def admin_request(user):
    from django.contrib.messages.storage.fallback import FallbackStorage

    request = RequestFactory().post("/admin/orders/order/")
    request.user = user
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def order_admin():
    from django.contrib import admin

    from orders.webhook_admin import OwnerActionsAdminMixin

    class OrderAdmin(OwnerActionsAdminMixin, admin.ModelAdmin):
        pass

    return OrderAdmin(Order, admin.AdminSite())


def test_admin_actions_run_services(order_factory, owner):
    model_admin = order_admin()
    unpaid, paid = order_factory(), order_factory(payment_status="PAID")
    request = admin_request(owner)
    assert set(model_admin.get_actions(request)) >= {"mark_paid", "cancel_orders", "refund_in_full"}

    model_admin.mark_paid(request, Order.objects.filter(pk__in=[unpaid.pk, paid.pk]))
    unpaid.refresh_from_db()
    assert unpaid.payment_status == "PAID"
    texts = [str(m) for m in request._messages]
    assert "1 order(s) marked paid." in texts
    assert any(f"#{paid.number}: The order cannot be marked paid" in t for t in texts)

    model_admin.refund_in_full(admin_request(owner), Order.objects.filter(pk=paid.pk))
    paid.refresh_from_db()
    assert paid.payment_status == "FULLY_REFUNDED"
    assert Refund.objects.get(order=paid).amount == paid.total

    model_admin.cancel_orders(admin_request(owner), Order.objects.filter(pk=unpaid.pk))
    unpaid.refresh_from_db()
    assert unpaid.fulfillment_status == "CANCELED"


def test_admin_actions_hidden_without_manage_payments(support):
    actions = order_admin().get_actions(admin_request(support))
    assert not {"mark_paid", "cancel_orders", "refund_in_full"} & set(actions)
