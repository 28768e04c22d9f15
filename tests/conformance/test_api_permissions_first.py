"""A key without the permission an operation needs is a 403 before its body is read: a
viewer's key on a write is refused as such, whatever it sends (it was a 400 about the body,
which told it how to shape a request it may not make at all)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from config.api import ApiKeyAuth, api
from fulfillments.models import Fulfillment
from orders.models import ApiKey, Order
from tests.conftest import ApiClient
from tests.factories import make_order

STORES = "/api/stores/v2/orders"
ECOM = "/api/ecom/v1/fulfillments"
# Fixed, so every pytest-xdist worker collects the same test ids.
ANY = "84c628fb-cc80-493a-b3f5-2b551b21b469"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", STORES),
        ("patch", f"{STORES}/{{o}}/updateEmail"),
        ("put", f"{STORES}/{{o}}/updateShippingAddress"),
        ("post", f"{STORES}/{{o}}/fulfillments"),
        ("put", f"{STORES}/{{o}}/fulfillments/{ANY}"),
        ("delete", f"{STORES}/not-an-id/fulfillments/{ANY}"),
        ("post", f"{ECOM}/orders/{{o}}/create-fulfillment"),
        ("post", f"{ECOM}/orders/bulk/create-fulfillments"),
        ("patch", f"{ECOM}/{ANY}/orders/{{o}}"),
        ("delete", f"{ECOM}/{ANY}/orders/not-an-id"),
    ],
)
@pytest.mark.parametrize("body", [{}, b"not json", {"unknown": 1}])
def test_a_write_without_the_permission_is_403_whatever_the_body(viewer_api, method, path, body):
    order = make_order(lines=1)
    before = Order.objects.get(pk=order.pk).last_updated
    url = path.format(o=order.pk)
    response = (
        viewer_api.delete(url) if method == "delete" else getattr(viewer_api, method)(url, body)
    )
    assert response.status_code == 403, response.content
    assert "lacks the permission" in response.json()["message"]
    assert Order.objects.count() == 1
    assert Order.objects.get(pk=order.pk).last_updated == before
    assert not Fulfillment.objects.exists()


def test_a_read_without_the_permission_is_403_even_for_a_malformed_id(db):
    user = User.objects.create_user(username="nobody", password="pass-nobody")  # no role
    _, raw = ApiKey.generate(user=user, name="no roles")
    nobody = ApiClient(raw)
    assert nobody.get(f"{STORES}/not-an-id").status_code == 403
    assert nobody.post(f"{STORES}/query", b"{").status_code == 403
    assert nobody.post(f"{ECOM}/list-by-ids", {"orderIds": "x"}).status_code == 403


def test_every_operation_names_the_permissions_it_needs():
    operations = [
        operation
        for router_prefix, router in api._routers
        for path_view in router.path_operations.values()
        for operation in path_view.operations
        if router_prefix
    ]
    assert len(operations) == 14  # 8 Stores Orders v2, 6 eCommerce
    for operation in operations:
        (auth,) = operation.auth_callbacks
        assert isinstance(auth, ApiKeyAuth) and auth.perms, operation.view_func.__name__
