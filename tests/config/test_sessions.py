"""Sessions are read with a written-out statement (config/sessions.py) and behave as Django's
database sessions: a live session logs its user in, an expired or unknown one does not."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
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
