"""Error responses: the API's JSON error on every /api/ failure, and a clear 503 while the
database is unreachable or a statement runs past its timeout.

Django answers some failures before any view runs (an unknown path, a body over the upload
limit, a refused host, the database down in the session middleware); the handlers and the
middleware here give those the same shape as the API's own errors: `{"message", "details"}`.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.urls import reverse
from django.views import defaults
from psycopg import errors as pg_errors

from config.ops.replicas import READ_ONLY_FLAG, SAFE_METHODS

logger = logging.getLogger("packdesk.errors")

API_PREFIX = "/api/"
# The same API also answers at Wix's own paths (config/urls.py).
API_PREFIXES = (API_PREFIX, "/stores/v2/", "/ecom/v1/fulfillments/")
# Seconds a client is asked to wait before retrying while the database is unavailable.
RETRY_AFTER = 5

STATUS_MESSAGES = {
    400: "Bad request.",
    401: "Authentication required.",
    403: "Permission denied.",
    404: "Not found.",
    405: "Method not allowed.",
    413: "The request body is too large.",
    500: "Internal server error: nothing was saved.",
    503: "The service is unavailable; try again shortly.",
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIXES)


def statement_timed_out(exc: BaseException | None) -> bool:
    """Whether PostgreSQL cancelled a statement (statement_timeout)."""
    return isinstance(exc, DatabaseError) and isinstance(exc.__cause__, pg_errors.QueryCanceled)


def write_conflict(exc: BaseException | None) -> bool:
    """Whether PostgreSQL rolled the transaction back because it ran into another one (a
    deadlock, a serialization failure): the same request, run again, will most likely pass."""
    return isinstance(exc, DatabaseError) and isinstance(
        exc.__cause__, pg_errors.DeadlockDetected | pg_errors.SerializationFailure
    )


def database_unavailable(exc: BaseException | None) -> bool:
    """Whether `exc` means the database cannot be reached (down, restarting, pool exhausted),
    as opposed to a query it refused."""
    # psycopg reports refused connections, a pool timeout and a server shutting down
    # (AdminShutdown) as OperationalError; Django re-raises them as its own.
    return (
        isinstance(exc, OperationalError)
        and not statement_timed_out(exc)
        and not write_conflict(exc)
    )


def timeout_message(*, write: bool = False) -> str:
    """What a cancelled statement tells the person: a read (a list, a query) can be narrowed;
    a write (a fulfilment, a bulk, a payment) waited for the order another change holds."""
    seconds = settings.PACKDESK_STATEMENT_TIMEOUT_MS / 1000
    stopped = f"The request took longer than {seconds:g} s and was stopped; nothing was saved."
    if write:
        return f"{stopped} Another change to the same order may have held it up: try again."
    return f"{stopped} Narrow the filter or try again."


def is_write(request: HttpRequest) -> bool:
    """A request that changes something (config/transactions.py runs it in a transaction),
    not one of the POSTs that only read (flagged read-only there)."""
    return request.method not in SAFE_METHODS and not getattr(request, READ_ONLY_FLAG, False)


UNAVAILABLE_MESSAGE = (
    "The database is unavailable right now; nothing was saved. Try again in a moment."
)
CONFLICT_MESSAGE = (
    "Other changes to the same orders kept getting in the way; nothing was saved. Try again."
)


def json_error(status: int, message: str | None = None, details: dict | None = None):
    response = JsonResponse(
        {"message": message or STATUS_MESSAGES.get(status, "Error."), "details": details or {}},
        status=status,
    )
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER)
    return response


def unavailable_page(request: HttpRequest, message: str) -> HttpResponse:
    """A 503 page that needs nothing from the database (no user, no session)."""
    html = render_to_string("errors/unavailable.html", {"message": message})
    response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER)
    return response


def response_for_database_error(request: HttpRequest, exc: BaseException | None):
    """A 503 (JSON on /api/, a page elsewhere) when `exc` is a timeout or an outage; else None."""
    if statement_timed_out(exc):
        message = timeout_message(write=is_write(request))
    elif write_conflict(exc):
        # config/transactions.py runs the request again (it was rolled back whole); this
        # answer stands only when the retries ran out.
        request.packdesk_write_conflict = True  # type: ignore[attr-defined]
        message = CONFLICT_MESSAGE
    elif database_unavailable(exc):
        message = UNAVAILABLE_MESSAGE
    else:
        return None
    logger.warning("503 for %s %s: %s", request.method, request.path, exc)
    if is_api(request):
        return json_error(503, message)
    return unavailable_page(request, message)


def api_exception(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The API's answer to an exception no other handler took: 413 for a body over the limit,
    503 for a timeout or an outage, else a logged 500 (the request's transaction is rolled back,
    see config/transactions.py)."""
    if isinstance(exc, RequestDataTooBig):
        return json_error(413, f"{STATUS_MESSAGES[413]} The limit is {upload_limit()} bytes.")
    response = response_for_database_error(request, exc)
    if response is not None:
        return response
    logger.error("500 for %s %s", request.method, request.path, exc_info=exc)
    return json_error(500)


def upload_limit() -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# ---- Django's error handlers (config/urls.py) ----


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):
        if is_api(request):
            return json_error(413, f"{STATUS_MESSAGES[413]} The limit is {upload_limit()} bytes.")
        return HttpResponse(STATUS_MESSAGES[413], status=413, content_type="text/plain")
    if is_api(request):
        return json_error(400)
    return defaults.bad_request(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(403, str(exception) or None)
    return defaults.permission_denied(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return json_error(404, f"No API endpoint at {request.path}.")
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django calls this inside the `except` that caught the exception."""
    exc = sys.exc_info()[1]
    response = response_for_database_error(request, exc)
    if response is not None:
        return response
    if is_api(request):
        return json_error(500)
    return defaults.server_error(request)


class ApiJsonErrorsMiddleware:
    """Outermost: any /api/ error response that is not JSON (Django's HTML 404, a 405 from the
    router, a refused host, a CSRF failure) becomes the API's JSON error with the same status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            response.status_code >= 400
            and is_api(request)
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            message = STATUS_MESSAGES.get(response.status_code)
            if response.status_code == 413:
                message = f"{STATUS_MESSAGES[413]} The limit is {upload_limit()} bytes."
            replaced = json_error(response.status_code, message)
            # Keep what inner middleware added (Allow, Retry-After, Cache-Control, CSP, ...).
            for header, value in response.headers.items():
                if header.lower() not in ("content-type", "content-length"):
                    replaced[header] = value
            return replaced
        return response


class MethodNotAllowedPageMiddleware:
    """A page GET of a form-only address (the bulk fulfil, mark paid, a saved view's delete,
    ...) answers 405 with a page in the site's layout that says where the form is, instead of
    Django's empty 405 body, which browsers show as a blank error page. The API keeps its JSON
    error (ApiJsonErrorsMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code != 405 or is_api(request) or response.streaming or response.content:
            return response
        match = request.resolver_match
        number = match.kwargs.get("number") if match else None
        user = getattr(request, "user", None)
        if user is None or not user.has_perm("orders.view_order"):
            back = (reverse("home"), "Go to the home page")
        elif isinstance(number, int):
            back = (reverse("orders:detail", args=[number]), f"Go to order #{number}")
        else:
            back = (reverse("orders:list"), "Go to the orders list")
        html = render_to_string(
            "405.html", {"allowed": response.get("Allow", ""), "back": back}, request=request
        )
        page = HttpResponse(html, status=405)
        page["Allow"] = response.get("Allow", "")
        return page
