"""The fulfillment admin never shows fulfillments of hidden orders."""

from __future__ import annotations

from orders.models import Order


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
