"""Sessions are read with a written-out statement (config/sessions.py) and behave as Django's
database sessions: a live session logs its user in, an expired or unknown one does not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from config.sessions import SessionStore


def test_the_project_uses_it():
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_live_session_reads_back_in_one_query(db):
    store = SessionStore()
    store["cart"] = [1, 2]
    store.create()
    with CaptureQueriesContext(connection) as queries:
        assert SessionStore(store.session_key).load() == {"cart": [1, 2]}
    assert len(queries) == 1


def test_an_expired_or_unknown_session_is_empty(db):
    store = SessionStore()
    store["cart"] = [1]
    store.create()
    Session.objects.filter(pk=store.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(store.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}


def test_login_and_logout_through_the_pages(packer):
    client = Client()
    assert client.get(reverse("orders:list")).status_code == 302
    client.force_login(packer)
    assert client.get(reverse("orders:list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get(reverse("orders:list")).status_code == 302


def list_page_as(client, user_id):
    """GET the orders list with a session whose stored user id is `user_id`."""
    session = SessionStore()
    session[SESSION_KEY] = user_id
    session[BACKEND_SESSION_KEY] = "config.permissions.ModelPermissionsBackend"
    session.create()
    client.cookies["sessionid"] = session.session_key
    return client.get("/orders/")


@pytest.mark.parametrize("user_id", ["abc", "1.5", None, [1], {"id": 1}])
def test_a_session_whose_user_id_is_malformed_is_nobodys(client, owner, user_id):
    """Django's own read fails every request of such a session with a 500; here it reads as
    empty (like an expired one): the login page, and a new session when one is saved."""
    response = list_page_as(client, user_id)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.get(response["Location"]).status_code == 200


@pytest.mark.parametrize("user_id", ["99999999999999999999", "-1", -5])
def test_a_session_of_no_such_user_is_nobodys(client, owner, user_id):
    assert list_page_as(client, user_id).status_code == 302


def test_logging_out_ends_the_session_and_says_so_on_the_login_page(packer):
    client = Client()
    client.force_login(packer)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302 and response["Location"] == reverse("login")
    page = client.get(response["Location"]).content.decode()
    assert "You are logged out." in page
    # Once: a reload shows the plain login page, and the session is gone.
    assert "You are logged out." not in client.get(reverse("login")).content.decode()
    assert client.get(reverse("orders:list")).status_code == 302
    # GET does not log out (Django's LogoutView takes POST only).
    client.force_login(packer)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get(reverse("orders:list")).status_code == 200
