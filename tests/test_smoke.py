from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_order_list_renders_for_viewer(viewer_client, order_factory):
    order = order_factory()
    response = viewer_client.get("/orders/")
    assert response.status_code == 200
    assert f"#{order.number}" in response.text


@pytest.mark.django_db
def test_api_without_key_is_401_not_login_redirect(client):
    response = client.post("/api/stores/v2/orders/query", {}, content_type="application/json")
    assert response.status_code in (401, 404)
    assert response.status_code != 302


def test_openapi_document_served_to_staff(owner_client):
    response = owner_client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.json()["info"]["title"] == "Packdesk API"
