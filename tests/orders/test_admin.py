from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from orders.admin import EstimatedCountPaginator
from orders.counting import COUNT_EXACT_UP_TO
from orders.models import Activity, ActivityType, ApiKey, Order
from tests.conftest import client_for


def test_support_sees_changelist_and_order(support_client, order_factory):
    order = order_factory(first_name="Grace", last_name="Hopper")
    response = support_client.get("/admin/orders/order/")
    assert response.status_code == 200
    assert str(order.number) in response.text
    page = support_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    assert "Product 1" in page.text  # line item inline
    assert "Remaining" in page.text


def test_support_cannot_delete_orders(support_client, order_factory):
    order = order_factory()
    response = support_client.post(f"/admin/orders/order/{order.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Order.objects.filter(pk=order.pk).exists()
    changelist = support_client.get("/admin/orders/order/")
    assert "delete_selected" not in changelist.text


def test_owner_is_sent_to_archive_instead_of_deleting_an_order(owner_client, order_factory):
    """Orders are not deleted in the admin, not even by an owner (it used to delete the sale
    with its fulfillments, refunds and history, unrecorded): the delete address shows the
    order again with a message that points to Archive on its order page."""
    order = order_factory()
    before = Order.objects.get(pk=order.pk)
    url = f"/admin/orders/order/{order.pk}/delete/"
    for response in (owner_client.get(url), owner_client.post(url, {"post": "yes"})):
        assert response.status_code == 302
        assert response["Location"] == f"/admin/orders/order/{order.pk}/change/"
    page = owner_client.get(response["Location"])
    message = next(str(m) for m in page.context["messages"] if "not deleted" in str(m))
    assert f'href="/orders/{order.number}/"' in message and "archive it" in message
    assert url not in page.text  # no Delete button on the change page
    changelist = owner_client.post(
        "/admin/orders/order/",
        {"action": "delete_selected", "_selected_action": [str(order.pk)], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert "delete_selected" not in owner_client.get("/admin/orders/order/").text
    after = Order.objects.get(pk=order.pk)
    assert after.last_updated == before.last_updated
    assert order.line_items.count() == 2
    assert list(Activity.objects.filter(order=order).values_list("type", flat=True)) == [
        ActivityType.ORDER_PLACED
    ]


def test_the_delete_address_of_a_hidden_order_tells_nothing(owner_client, order_factory):
    order = order_factory(hidden=True)
    response = owner_client.get(f"/admin/orders/order/{order.pk}/delete/", follow=True)
    assert response.redirect_chain == [("/admin/orders/order/", 302)]
    assert "There is no such order." in [str(m) for m in response.context["messages"]]
    assert Order.objects.filter(pk=order.pk).exists()


def test_owner_archives_orders_with_the_admin_action(owner_client, owner, order_factory):
    """The admin's archive action runs the order page's service: locked, recorded with the
    owner as actor, lastUpdated moved."""
    orders = [order_factory(), order_factory()]
    before = {o.pk: o.last_updated for o in orders}
    response = owner_client.post(
        "/admin/orders/order/",
        {"action": "archive_orders", "_selected_action": [str(o.pk) for o in orders]},
        follow=True,
    )
    assert "2 order(s) archived." in [str(m) for m in response.context["messages"]]
    for order in orders:
        order.refresh_from_db()
        assert order.archived
        assert order.last_updated > before[order.pk]
        assert Activity.objects.filter(
            order=order, type=ActivityType.ORDER_ARCHIVED, actor=owner
        ).exists()
    owner_client.post(
        "/admin/orders/order/",
        {"action": "unarchive_orders", "_selected_action": [str(orders[0].pk)]},
    )
    orders[0].refresh_from_db()
    assert not orders[0].archived


def test_support_is_not_offered_archive_or_delete(support_client, order_factory):
    order = order_factory()
    changelist = support_client.get("/admin/orders/order/").text
    assert "archive_orders" not in changelist and "delete_selected" not in changelist
    support_client.post(
        "/admin/orders/order/", {"action": "archive_orders", "_selected_action": [str(order.pk)]}
    )
    order.refresh_from_db()
    assert not order.archived


def test_change_page_points_to_the_order_page(support_client, order_factory):
    order = order_factory()
    page = support_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.text.count(f'href="/orders/{order.number}/"') == 2  # the tool and the note
    assert "Orders are not deleted" in page.text


def test_owner_cannot_change_what_the_services_own_through_the_change_form(
    owner_client, owner, spec_orders
):
    """Statuses, totals, archived, line items and fulfillments' tracking are shown read-only:
    a change form posted with them changed (or with a line deleted or added) changes only
    what the admin may edit, through the service (one activity by the owner, lastUpdated)."""
    from fulfillments.models import Fulfillment

    order = spec_orders[10012]
    before = Order.objects.get(pk=order.pk)
    lines = list(order.line_items.order_by("index").values("id", "quantity", "name"))
    fulfillment = order.fulfillments.get()
    data = change_form_data(owner_client, order)
    data.update(
        {
            "buyer_note": "Leave at the back door",
            "payment_status": "NOT_PAID",
            "fulfillment_status": "FULFILLED",
            "archived": "on",
            "total": "0.00",
            "number": "1",
            "line_items-0-id": str(lines[0]["id"]),
            "line_items-0-order": str(order.pk),
            "line_items-0-quantity": "99",
            "line_items-0-DELETE": "on",
            "line_items-TOTAL_FORMS": str(len(lines) + 1),
            f"line_items-{len(lines)}-name": "Free gift",
            f"line_items-{len(lines)}-quantity": "1",
            "fulfillments-0-id": str(fulfillment.pk),
            "fulfillments-0-order": str(order.pk),
            "fulfillments-0-tracking_number": "FORGED",
            "fulfillments-0-DELETE": "on",
        }
    )
    for index, line in enumerate(lines[1:], start=1):
        data[f"line_items-{index}-id"] = str(line["id"])
        data[f"line_items-{index}-order"] = str(order.pk)
    response = owner_client.post(f"/admin/orders/order/{order.pk}/change/", data)
    assert response.status_code == 302, response.context and response.context["errors"]
    after = Order.objects.get(pk=order.pk)
    assert after.buyer_note == "Leave at the back door"
    fields = ("payment_status", "fulfillment_status", "archived", "total", "number")
    assert [getattr(after, f) for f in fields] == [getattr(before, f) for f in fields]
    assert after.last_updated > before.last_updated
    assert list(order.line_items.order_by("index").values("id", "quantity", "name")) == lines
    assert Fulfillment.objects.get(pk=fulfillment.pk).tracking_number == "43255"
    edits = Activity.objects.filter(order=order, actor=owner)
    assert [(a.type, a.details) for a in edits] == [
        (ActivityType.MERCHANT_COMMENT, {"source": "admin", "edited": ["buyer_note"]})
    ]


@pytest.mark.parametrize("role", ["packer", "viewer"])
def test_non_staff_roles_cannot_enter_admin(role, request, order_factory):
    user = request.getfixturevalue(role)
    response = client_for(user).get("/admin/orders/order/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def change_form_data(client, order: Order) -> dict:
    """The order's admin change form as the page fills it, with its inlines' management forms."""
    page = client.get(f"/admin/orders/order/{order.pk}/change/")
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    # A field with a callable default (the JSON ones) sends its initial value in a hidden
    # input too; without it Django counts the field as changed.
    data |= {
        f"initial-{name}": data[name] for name, f in form.fields.items() if f.show_hidden_initial
    }
    for prefix in ("line_items", "fulfillments", "refunds", "activities"):
        formset = next(
            f for f in page.context["inline_admin_formsets"] if f.formset.prefix == prefix
        ).formset
        for key, value in formset.management_form.initial.items():
            data[f"{prefix}-{key}"] = value
    return data


def test_support_edit_records_activity_and_bumps_last_updated(
    support_client, support, order_factory
):
    order = order_factory()
    before = order.last_updated
    data = change_form_data(support_client, order)
    data["billing_address"] = '{"country": "US", "city": "Boston"}'
    data["shipping_info"] = '{"shipmentDetails": {"address": {"city": "Boston"}}}'
    data["buyer_note"] = "Ring twice"
    response = support_client.post(f"/admin/orders/order/{order.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.buyer_note == "Ring twice"
    assert order.shipping_info["shipmentDetails"]["address"]["city"] == "Boston"
    assert order.last_updated > before
    types = set(Activity.objects.filter(order=order, actor=support).values_list("type", flat=True))
    assert types == {ActivityType.SHIPPING_ADDRESS_EDITED, ActivityType.MERCHANT_COMMENT}


def test_admin_search_by_number_name_and_email(support_client, order_factory):
    ada = order_factory(first_name="Ada", last_name="Lovelace", buyer_email="ada@example.com")
    alan = order_factory(first_name="Alan", last_name="Turing", buyer_email="alan@example.com")
    by_number = support_client.get("/admin/orders/order/", {"q": str(alan.number)})
    assert list(by_number.context["cl"].result_list) == [alan]
    by_name = support_client.get("/admin/orders/order/", {"q": "lovel"})
    assert list(by_name.context["cl"].result_list) == [ada]
    by_email = support_client.get("/admin/orders/order/", {"q": "alan@"})
    assert list(by_email.context["cl"].result_list) == [alan]


def test_admin_filters_by_status(support_client, order_factory):
    paid = order_factory(payment_status="PAID")
    order_factory(payment_status="NOT_PAID")
    response = support_client.get("/admin/orders/order/", {"payment_status__exact": "PAID"})
    assert list(response.context["cl"].result_list) == [paid]


def test_changelist_query_count_does_not_grow(
    support_client, order_factory, django_assert_max_num_queries
):
    for _ in range(3):
        order_factory()
    with django_assert_max_num_queries(12) as small:
        support_client.get("/admin/orders/order/")
    for _ in range(30):
        order_factory()
    with django_assert_max_num_queries(len(small.captured_queries)):
        support_client.get("/admin/orders/order/")


def test_paginator_counts_exactly_below_the_limit(order_factory):
    for _ in range(3):
        order_factory()
    assert EstimatedCountPaginator(Order.objects.all(), 50).count == 3
    assert COUNT_EXACT_UP_TO >= 1000


def test_owner_creates_api_key_in_admin_and_sees_it_once(owner_client, owner):
    response = owner_client.post(
        "/admin/orders/apikey/add/", {"name": "shop sync", "user": owner.pk}, follow=True
    )
    assert response.status_code == 200
    message = next(str(m) for m in response.context["messages"] if "API key created" in str(m))
    raw_key = message.rsplit(" ", 1)[-1]
    key = ApiKey.objects.get(name="shop sync")
    assert raw_key not in (key.key_hash, key.prefix)
    assert ApiKey.objects.authenticate(raw_key) == key
    listing = owner_client.get("/admin/orders/apikey/")
    assert raw_key not in listing.text


def test_support_cannot_manage_api_keys(support_client):
    assert support_client.get("/admin/orders/apikey/").status_code == 403


@pytest.mark.django_db
def test_superuser_free_owner_role_has_every_order_permission():
    owner = User.objects.create_user("o2", password="x", is_staff=True)
    from django.contrib.auth.models import Group

    owner.groups.add(Group.objects.get(name="Owner"))
    owner = User.objects.get(pk=owner.pk)
    assert owner.has_perm("orders.delete_order")
    assert owner.has_perm("orders.add_apikey")
    assert owner.has_perm("fulfillments.delete_fulfillment")


def test_support_role_has_no_delete_permission_and_owner_has_them(db):
    from django.contrib.auth.models import Group

    support = Group.objects.get(name="Support")
    assert not support.permissions.filter(codename__startswith="delete_").exists()
    assert support.permissions.filter(codename="change_order").exists()
    owner = Group.objects.get(name="Owner")
    assert {"delete_order", "delete_fulfillment", "delete_apikey"} <= set(
        owner.permissions.values_list("codename", flat=True)
    )


def test_owner_opens_changelist_and_change_page(owner_client, spec_orders):
    order = spec_orders[10012]
    changelist = owner_client.get("/admin/orders/order/")
    assert changelist.status_code == 200
    assert "10012" in changelist.text
    page = owner_client.get(f"/admin/orders/order/{order.pk}/change/")
    assert page.status_code == 200
    # Line item 1 (Shoe) is fulfilled by the fedex fulfillment 43255; line 3 is not.
    lines = {line.index: line for line in page.context["inline_admin_formsets"][0].formset.queryset}
    assert (lines[1].fulfilled_qty, lines[3].fulfilled_qty) == (1, 0)
    assert "43255" in page.text
    assert "ORDER_PLACED" in page.text


def test_support_cannot_change_read_only_fields(support_client, order_factory):
    order = order_factory(payment_status="NOT_PAID")
    page = support_client.get(f"/admin/orders/order/{order.pk}/change/")
    form = page.context["adminform"].form
    assert "payment_status" not in form.fields
    assert "total" not in form.fields
    assert {"buyer_note", "billing_address", "shipping_info"} <= set(form.fields)


def test_change_page_query_count_does_not_grow_with_lines(
    support_client, order_factory, django_assert_max_num_queries
):
    small = order_factory(lines=1)
    with django_assert_max_num_queries(30) as captured:
        support_client.get(f"/admin/orders/order/{small.pk}/change/")
    big = order_factory(lines=12)
    with django_assert_max_num_queries(len(captured.captured_queries)):
        support_client.get(f"/admin/orders/order/{big.pk}/change/")


def test_paginator_estimates_above_the_limit(order_factory, monkeypatch):
    for _ in range(6):
        order_factory()
    monkeypatch.setattr("orders.counting.COUNT_EXACT_UP_TO", 3)
    paginator = EstimatedCountPaginator(Order.objects.all(), 2)
    # Over the cap: at least the capped count, from the planner's estimate (no full COUNT).
    assert paginator.count >= 4


def test_numeric_search_is_an_exact_number_match(support_client, order_factory):
    order = order_factory()
    response = support_client.get("/admin/orders/order/", {"q": f"#{order.number}"})
    assert list(response.context["cl"].result_list) == [order]
    sql = str(response.context["cl"].queryset.query)
    assert f'"orders_order"."number" = {order.number}' in sql
    assert "LIKE" not in sql.upper()


def test_email_search_is_a_case_insensitive_prefix(support_client, order_factory):
    grace = order_factory(buyer_email="grace_hopper@example.com")
    order_factory(buyer_email="gracexhopper@example.com")
    response = support_client.get("/admin/orders/order/", {"q": "Grace_Hopper@"})
    assert list(response.context["cl"].result_list) == [grace]


@pytest.mark.parametrize(
    "tamper",
    [
        {"line_items-0-id": "not-a-line"},
        {"line_items-0-id": "\x00"},
        {"line_items-TOTAL_FORMS": "3", "line_items-INITIAL_FORMS": "2"},
        {"line_items-INITIAL_FORMS": "3"},
    ],
)
def test_a_tampered_line_items_inline_is_refused_without_a_500(
    support_client, order_factory, tamper
):
    """The change form comes back with an error (an address that is not JSON) and its
    read-only line items tampered with (an id that is no line of the order, one more line than
    it has): the page shows the form again with the error, never a 500, and nothing is saved."""
    order = order_factory()
    data = change_form_data(support_client, order)
    for index, line in enumerate(order.line_items.order_by("index")):
        data[f"line_items-{index}-id"] = line.pk
        data[f"line_items-{index}-order"] = order.pk
    data["billing_address"] = '{"country": '
    data["shipping_info"] = "{}"
    data["buyer_note"] = "Changed"
    data.update(tamper)
    response = support_client.post(f"/admin/orders/order/{order.pk}/change/", data)
    assert response.status_code == 200
    assert "billing_address" in response.context["adminform"].form.errors
    order.refresh_from_db()
    assert order.buyer_note != "Changed"
    assert not Activity.objects.filter(order=order, type=ActivityType.MERCHANT_COMMENT).exists()
