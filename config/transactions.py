"""One transaction per write request, rolled back when the answer is a server error.

A request that changes something (POST, PUT, PATCH, DELETE) runs its view and the building of
its response in one transaction; the services' own `atomic()` blocks become savepoints inside
it. When the response is a 5xx (an exception after a service already saved, a failure while
rendering, a timeout), the whole transaction rolls back, so no request commits and then
answers 500, and a client that retries does not apply its change twice. Per-item savepoints
keep bulk requests' "one bad order does not stop the others".

Nothing that runs after the commit can turn the answer into an error that says nothing was
saved: the request's on_commit hooks (queueing shipment emails and webhook attempts) run
"robust" (a failure is logged; webhooks are swept later), and a changed session is saved inside
the transaction rather than by SessionMiddleware after it (config/sessions.py then skips that
second save), so a session row another request holds, or a database gone between the commit and
the save, is the request's own 503 with nothing saved. The read-your-writes pin runs inside too
(config/ops/replicas.py; it sits after this middleware in MIDDLEWARE).

When PostgreSQL rolls the transaction back because it ran into another one (a deadlock between
two bulk requests, a serialization failure; config/errors.py flags the request), nothing of the
request was saved, so it runs again, up to WRITE_CONFLICT_RETRIES more times, before the 503
answer stands.

A few POST endpoints only read: their body is a query (the Stores query API, eCommerce
list-by-ids). They run like a GET: no transaction (nothing to roll back, and no BEGIN/COMMIT
round trips), and the request is flagged read-only so that config/ops/replicas.py neither pins
its session or API key to the primary afterwards; the query API reads from a replica.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.contrib.sessions.backends.base import UpdateError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from config.ops.replicas import READ_ONLY_FLAG

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WRITE_CONFLICT_RETRIES = 3
# The URL names (django-ninja names a route after its view function) of the POST endpoints that
# only read. Both the /api/ routes and their copies at Wix's own paths carry these names.
READ_ONLY_POSTS = frozenset({"orders_query", "ecom_fulfillments_for_orders"})

logger = logging.getLogger(__name__)


class WriteRequestTransactionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        if read_only_post(request):
            setattr(request, READ_ONLY_FLAG, True)
            return self.get_response(request)
        for attempt in range(WRITE_CONFLICT_RETRIES + 1):
            request.packdesk_write_conflict = False  # type: ignore[attr-defined]
            with transaction.atomic():
                # Inner middleware turns exceptions into responses, so a failure shows here
                # as a 5xx status rather than as an exception.
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
                else:
                    session_save(request)
                    commit_hooks_robust()
            if not request.packdesk_write_conflict:  # type: ignore[attr-defined]
                break
            logger.info(
                "Write conflict on %s %s, attempt %d", request.method, request.path, attempt + 1
            )
        return response


def read_only_post(request: HttpRequest) -> bool:
    """Whether `request` is a POST to one of the endpoints that only read (READ_ONLY_POSTS)."""
    if request.method != "POST":
        return False
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.url_name in READ_ONLY_POSTS


def session_save(request: HttpRequest) -> None:
    """Save the request's session now, inside its transaction, when the view changed it (as
    SessionMiddleware would after the commit). A failure is the database's error, which the
    error handlers answer with a 503 (config/errors.py), the transaction rolled back."""
    session = getattr(request, "session", None)
    if session is None or not session.modified or session.is_empty():
        return
    try:
        session.save()
    except UpdateError as error:
        # Django's session store hides the database error behind UpdateError (which
        # SessionMiddleware turns into a 400 "session was deleted"); the cause is what happened.
        raise (error.__context__ or error) from None


def commit_hooks_robust() -> None:
    """Let the hooks registered for this transaction's commit fail without failing the request:
    each one's exception is logged and the next hook still runs, as on_commit(robust=True)
    does. The request committed by then; its answer must say so."""
    connection = transaction.get_connection()
    connection.run_on_commit = [
        (savepoints, hook, True) for savepoints, hook, _robust in connection.run_on_commit
    ]
