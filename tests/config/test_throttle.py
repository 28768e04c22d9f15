"""Login and API-key throttling: wrong passwords or keys lock the client out for a while."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.test import Client

from tests.conftest import api_client_for, make_user

LOGIN_URLS = ["/accounts/login/", "/admin/login/"]


def login(client: Client, url: str, username: str, password: str):
    return client.post(url, {"username": username, "password": password, "next": "/"})


@pytest.mark.parametrize("url", LOGIN_URLS)
def test_login_locks_out_after_failures_even_with_the_right_password(db, settings, url):
    make_user("owner")
    client = Client()
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT - 1):
        response = login(client, url, "owner", "wrong")
        assert response.status_code == 200
        assert "_auth_user_id" not in client.session
    response = login(client, url, "owner", "wrong")
    assert response.status_code == 429

    response = login(client, url, "owner", "pass-owner")
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    text = response.content.decode()
    assert "Too many failed log-in attempts" in text
    assert "locked for 15 minutes" in text
    assert client.get("/orders/").status_code == 302


def test_login_lockout_is_per_username_and_address(db, settings):
    make_user("owner")
    make_user("packer")
    client = Client()
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT):
        login(client, "/accounts/login/", "owner", "wrong")
    assert login(client, "/accounts/login/", "packer", "pass-packer").status_code == 302
    other_address = Client(REMOTE_ADDR="203.0.113.9")
    assert login(other_address, "/accounts/login/", "owner", "pass-owner").status_code == 302


def test_login_success_clears_the_failure_count(db, settings):
    make_user("owner")
    client = Client()
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT - 1):
        login(client, "/accounts/login/", "owner", "wrong")
    assert login(client, "/accounts/login/", "owner", "pass-owner").status_code == 302
    assert not AccessAttempt.objects.filter(username="owner").exists()
    client = Client()
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT - 1):
        assert login(client, "/accounts/login/", "owner", "wrong").status_code == 200


def test_lockout_ends_after_the_cooloff(db, settings):
    make_user("owner")
    client = Client()
    for _ in range(settings.PACKDESK_LOGIN_FAILURE_LIMIT):
        login(client, "/accounts/login/", "owner", "wrong")
    assert login(client, "/accounts/login/", "owner", "pass-owner").status_code == 429
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time.replace(year=2000)
    )
    assert login(client, "/accounts/login/", "owner", "pass-owner").status_code == 302


def test_wrong_api_keys_lock_the_address_out_with_a_json_429(db, settings):
    settings.PACKDESK_API_KEY_FAILURE_LIMIT = 3
    good = api_client_for(make_user("viewer"))
    path = "/api/stores/v2/orders/query"
    assert good.post(path, {"query": {}}).status_code == 200
    for attempt in range(3):
        response = Client().post(
            path, "{}", content_type="application/json", headers={"Authorization": f"bad{attempt}"}
        )
        assert response.status_code == 401

    response = good.post(path, {"query": {}})
    assert response.status_code == 429
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert "wrong API key" in body["message"]
    assert body["details"] == {"retryAfterSeconds": 900}
    assert response["Retry-After"] == "900"

    elsewhere = Client(REMOTE_ADDR="203.0.113.9")
    response = elsewhere.post(path, "{}", content_type="application/json", headers=good.headers)
    assert response.status_code == 200


def test_requests_without_a_key_are_not_counted(db, settings):
    settings.PACKDESK_API_KEY_FAILURE_LIMIT = 2
    for _ in range(5):
        response = Client().post("/api/stores/v2/orders/query", "{}", "application/json")
        assert response.status_code == 401
    assert not AccessAttempt.objects.exists()
