"""One transaction per write request, rolled back when the answer is a server error.

A request that changes something (POST, PUT, PATCH, DELETE) runs its view and the building of
its response in one transaction; the services' own `atomic()` blocks become savepoints inside
it. When the response is a 5xx (an exception after a service already saved, a failure while
rendering, a timeout), the whole transaction rolls back, so no request commits and then
answers 500, and a client that retries does not apply its change twice. Per-item savepoints
keep bulk requests' "one bad order does not stop the others".

When PostgreSQL rolls the transaction back because it ran into another one (a deadlock between
two bulk requests, a serialization failure; config/errors.py flags the request), nothing of the
request was saved, so it runs again, up to WRITE_CONFLICT_RETRIES more times, before the 503
answer stands.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from django.http import HttpRequest, HttpResponse

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
WRITE_CONFLICT_RETRIES = 3

logger = logging.getLogger(__name__)


class WriteRequestTransactionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in SAFE_METHODS:
            return self.get_response(request)
        for attempt in range(WRITE_CONFLICT_RETRIES + 1):
            request.packdesk_write_conflict = False  # type: ignore[attr-defined]
            with transaction.atomic():
                # Inner middleware turns exceptions into responses, so a failure shows here
                # as a 5xx status rather than as an exception.
                response = self.get_response(request)
                if response.status_code >= 500:
                    transaction.set_rollback(True)
            if not request.packdesk_write_conflict:  # type: ignore[attr-defined]
                break
            logger.info(
                "Write conflict on %s %s, attempt %d", request.method, request.path, attempt + 1
            )
        return response
