"""Shared fixtures: users per role, API keys, clients and factories."""

from __future__ import annotations

import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.test import Client

from orders.models import ApiKey
from orders.roles import roles_sync
from tests import factories

ROLES = {
    "owner": "Owner",
    "packer": "Fulfillment staff",
    "support": "Support",
    "viewer": "Viewer",
}

# Playwright drives Debian's Chromium; its own browser download does not work here.
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def make_user(role: str, username: str | None = None) -> User:
    if not Group.objects.filter(name=ROLES[role]).exists():
        # A transactional test on this worker emptied every table, roles included.
        roles_sync(django_apps)
    user = User.objects.create_user(
        username=username or role, password="pass-" + role, is_staff=role in {"owner", "support"}
    )
    user.groups.add(Group.objects.get(name=ROLES[role]))
    return user


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with an empty cache (the product catalogue is cached for a minute)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def owner(db) -> User:
    return make_user("owner")


@pytest.fixture
def packer(db) -> User:
    return make_user("packer")


@pytest.fixture
def support(db) -> User:
    return make_user("support")


@pytest.fixture
def viewer(db) -> User:
    return make_user("viewer")


@pytest.fixture
def nobody(db) -> User:
    """A logged-in user with no role at all."""
    return User.objects.create_user(username="nobody", password="pass-nobody")


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def owner_client(owner) -> Client:
    return client_for(owner)


@pytest.fixture
def packer_client(packer) -> Client:
    return client_for(packer)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def support_client(support) -> Client:
    return client_for(support)


class ApiClient:
    """Django's test client sending `Authorization: <key>` and JSON bodies."""

    def __init__(self, raw_key: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": raw_key} if raw_key else {}

    def _call(self, method: str, path: str, data=None):
        import json

        kwargs = {"headers": self.headers}
        if data is not None:
            kwargs["data"] = data if isinstance(data, str | bytes) else json.dumps(data)
            kwargs["content_type"] = "application/json"
        return getattr(self.client, method)(path, **kwargs)

    def get(self, path):
        return self._call("get", path)

    def post(self, path, data=None):
        return self._call("post", path, data if data is not None else {})

    def put(self, path, data=None):
        return self._call("put", path, data if data is not None else {})

    def patch(self, path, data=None):
        return self._call("patch", path, data if data is not None else {})

    def delete(self, path):
        return self._call("delete", path)


def api_client_for(user: User) -> ApiClient:
    _, raw_key = ApiKey.generate(user=user, name=f"{user.username} key")
    return ApiClient(raw_key)


@pytest.fixture
def owner_api(owner) -> ApiClient:
    return api_client_for(owner)


@pytest.fixture
def packer_api(packer) -> ApiClient:
    return api_client_for(packer)


@pytest.fixture
def viewer_api(viewer) -> ApiClient:
    return api_client_for(viewer)


@pytest.fixture
def order_factory(db):
    return factories.make_order


@pytest.fixture
def spec_orders(db):
    """The orders shown in the spec documents (10012 Jane Doe, 10108 coffee, ...)."""
    from orders.demo import load_spec_orders

    return load_spec_orders()


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }
