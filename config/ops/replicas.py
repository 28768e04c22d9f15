"""Read replicas: which database a read goes to, and read-your-writes pinning.

With DATABASE_REPLICA_URLS set, the views marked `@reads_from_replica` (the orders list and its
CSV export, the orders query API, the admin changelist) read from a
replica picked at random per request. Everything else (every write, every row lock, every
read outside those views) uses the primary, `default`. A session or API key that has just
written is pinned to the primary for PACKDESK_REPLICA_PIN_SECONDS, so it reads its own writes
while the replicas catch up: a session carries the pin in a signed cookie, an API key in an
`orders.ReadPin` row on the primary. Without replicas none of this runs a query or sets a cookie.
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from datetime import timedelta
from typing import cast

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone

from orders.models import ReadPin

PIN_COOKIE = "packdesk_primary"
PIN_SALT = "packdesk.replicas.pin"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Set on a request by a replica view, and by config/transactions.py on a POST that only reads
# (the query API, list-by-ids): a read, not a write to pin.
READ_ONLY_FLAG = "packdesk_read_only"

_read_alias: ContextVar[str | None] = ContextVar("packdesk_read_alias", default=None)


class ReplicaRouter:
    """Reads go where the current view allows (a replica inside `reads_from_replica`, else
    the primary); writes and migrations always go to the primary."""

    def db_for_read(self, model, **hints) -> str | None:
        return _read_alias.get()

    def db_for_write(self, model, **hints) -> str:
        return "default"

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool:
        return db == "default"


def pin_seconds() -> float:
    return settings.PACKDESK_REPLICA_PIN_SECONDS


def api_key_subject(request: HttpRequest) -> str | None:
    api_key = getattr(getattr(request, "user", None), "acting_api_key", None)
    return None if api_key is None else f"apikey:{api_key.prefix}"


def pinned_to_primary(request: HttpRequest) -> bool:
    subject = api_key_subject(request)
    if subject is not None:
        return (
            ReadPin.objects.using("default")
            .filter(subject=subject, until__gt=timezone.now())
            .exists()
        )
    cookie = request.COOKIES.get(PIN_COOKIE)
    if not cookie:
        return False
    try:
        signing.TimestampSigner(salt=PIN_SALT).unsign(
            cookie, max_age=timedelta(seconds=pin_seconds())
        )
    except signing.BadSignature:
        return False
    return True


def replica_for(request: HttpRequest) -> str | None:
    """The replica this request reads from, or None for the primary."""
    replicas = settings.PACKDESK_DB_REPLICAS
    if not replicas or pinned_to_primary(request):
        return None
    return random.choice(replicas)


def _streamed(alias: str, content: Iterator) -> Iterator:
    """A streaming response renders after the view returned: keep it on the replica."""
    token = _read_alias.set(alias)
    try:
        yield from content
    finally:
        _read_alias.reset(token)


@contextlib.contextmanager
def replica_reads(request: HttpRequest) -> Iterator[str | None]:
    """Inside the block, reads go to a replica (yields its alias, or None for the primary).
    For views whose signature must stay their own (django-ninja reads its annotations)."""
    setattr(request, READ_ONLY_FLAG, True)
    alias = replica_for(request)
    if alias is None:
        yield None
        return
    token = _read_alias.set(alias)
    try:
        yield alias
    finally:
        _read_alias.reset(token)


def reads_from_replica(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Let `view` (which must only read) read from a replica. Put it closest to the function,
    under the login and permission decorators, so those still read the primary."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponseBase:
        with replica_reads(request) as alias:
            response = view(request, *args, **kwargs)
        if (
            alias is not None
            and isinstance(response, StreamingHttpResponse)
            and not response.is_async
        ):
            content = cast(Iterator[bytes], response.streaming_content)
            response.streaming_content = _streamed(alias, content)
        return response

    return wrapped


class ReadYourWritesMiddleware:
    """After a write that succeeded, pin its session or API key to the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            settings.PACKDESK_DB_REPLICAS
            and request.method not in SAFE_METHODS
            and not getattr(request, READ_ONLY_FLAG, False)
            and response.status_code < 400
        ):
            self.pin(request, response)
        return response

    def pin(self, request: HttpRequest, response: HttpResponse) -> None:
        subject = api_key_subject(request)
        if subject is not None:
            until = timezone.now() + timedelta(seconds=pin_seconds())
            ReadPin.objects.using("default").bulk_create(
                [ReadPin(subject=subject, until=until)],
                update_conflicts=True,
                unique_fields=["subject"],
                update_fields=["until"],
            )
            return
        response.set_cookie(
            PIN_COOKIE,
            signing.TimestampSigner(salt=PIN_SALT).sign("primary"),
            max_age=max(1, round(pin_seconds())),
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
