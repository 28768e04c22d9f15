"""The fulfillment admin (fulfillments/admin.py): support and owners open it, filter by carrier;
it never shows fulfillments of hidden orders."""

from __future__ import annotations

from fulfillments.services import fulfillment_create
from orders.models import Order


def test_support_and_owner_open_the_fulfillment_admin(
    support_client, owner_client, spec_orders, django_assert_max_num_queries
):
    fulfillment = spec_orders[10012].fulfillments.get()
    for client in (support_client, owner_client):
        assert client.get("/admin/fulfillments/fulfillment/").status_code == 200
        with django_assert_max_num_queries(15):
            page = client.get(f"/admin/fulfillments/fulfillment/{fulfillment.pk}/change/")
        assert page.status_code == 200
        assert "Shoe" in page.text
    response = support_client.post(
        f"/admin/fulfillments/fulfillment/{fulfillment.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 403


def test_fulfillment_admin_filters_by_carrier(support_client, spec_orders):
    response = support_client.get("/admin/fulfillments/fulfillment/", {"carrier": "ups"})
    providers = {f.shipping_provider for f in response.context["cl"].result_list}
    assert providers == {"ups"}
    fedex = support_client.get("/admin/fulfillments/fulfillment/", {"carrier": "fedex"})
    assert [f.tracking_number for f in fedex.context["cl"].result_list] == ["43255"]


def test_fulfillment_admin_hides_fulfillments_of_hidden_orders(support_client, spec_orders):
    order = spec_orders[10012]
    fulfillment = order.fulfillments.get()
    listing = support_client.get("/admin/fulfillments/fulfillment/", {"q": "43255"})
    assert [f.pk for f in listing.context["cl"].result_list] == [fulfillment.pk]

    Order.objects.filter(pk=order.pk).update(hidden=True)
    listing = support_client.get("/admin/fulfillments/fulfillment/", {"q": "43255"})
    assert list(listing.context["cl"].result_list) == []
    assert "43255" not in support_client.get("/admin/fulfillments/fulfillment/").text
    page = support_client.get(f"/admin/fulfillments/fulfillment/{fulfillment.pk}/change/")
    assert page.status_code == 302  # the admin's "does not exist" redirect
    assert "Shoe" not in support_client.get(page["Location"], follow=True).text


def test_carrier_filter_matches_any_case_and_other_excludes_known(
    support_client, order_factory, packer
):
    """Provider names are case-insensitive (issue 9): an API-created "FedEx" fulfillment is
    listed under FedEx, not under Other."""
    order = order_factory(lines=[{"quantity": 3}])
    for provider, number in (("FedEx", "F1"), ("fedex", "F2"), ("Royal Mail", "R1")):
        fulfillment_create(
            order=order,
            lines=[(1, 1)],
            tracking={"shippingProvider": provider, "trackingNumber": number},
            actor=packer,
        )

    def listed(carrier: str) -> set[str]:
        response = support_client.get("/admin/fulfillments/fulfillment/", {"carrier": carrier})
        return {f.tracking_number for f in response.context["cl"].result_list}

    assert listed("fedex") == {"F1", "F2"}
    assert listed("other") == {"R1"}


def test_the_admin_cannot_delete_a_fulfillment_behind_the_orders_back(owner_client, spec_orders):
    """A fulfillment deleted in the admin skipped the service: the order stayed FULFILLED with
    no activity, no lastUpdated change and no webhook event. The admin shows fulfillments
    read-only; owners delete them on the order page (which does all of that)."""
    from fulfillments.models import Fulfillment
    from orders.models import Activity

    order = spec_orders[10012]
    fulfillment = order.fulfillments.get()
    before = Order.objects.get(pk=order.pk)
    activities = Activity.objects.filter(order=order).count()
    url = f"/admin/fulfillments/fulfillment/{fulfillment.pk}/delete/"
    assert owner_client.get(url).status_code == 403
    assert owner_client.post(url, {"post": "yes"}).status_code == 403
    changelist = owner_client.post(
        "/admin/fulfillments/fulfillment/",
        {"action": "delete_selected", "_selected_action": [str(fulfillment.pk)], "post": "yes"},
    )
    assert changelist.status_code in (200, 302)
    assert Fulfillment.objects.filter(pk=fulfillment.pk).exists()
    after = Order.objects.get(pk=order.pk)
    assert (after.fulfillment_status, after.last_updated) == (
        before.fulfillment_status,
        before.last_updated,
    )
    assert Activity.objects.filter(order=order).count() == activities
    page = owner_client.get(f"/admin/fulfillments/fulfillment/{fulfillment.pk}/change/")
    assert page.status_code == 200 and url not in page.content.decode()
