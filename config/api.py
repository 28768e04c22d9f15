"""The JSON API: one NinjaAPI under /api/, authenticated by API keys (DESIGN.md section 5).

Errors always have the shape {"message": str, "details": {...}} (`ErrorOut`); every operation
documents each status it can answer with (`responses`) in /api/openapi.json.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from typing import Any

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.parser import Parser
from ninja.security import APIKeyHeader

from config.errors import api_exception
from config.permissions import PERMISSIONS_ANNOTATION, permissions_remember, permissions_subquery
from config.schemas import ErrorOut, RepeatedKeyError, loads_strict
from config.throttle import (
    api_key_failed,
    api_key_failures_recorded,
    api_key_locked_out,
    cooloff_minutes,
)
from orders.models import ApiKey
from orders.query import QueryError
from orders.services import OrderError


class ApiKeyAuth(APIKeyHeader):
    """`Authorization: <key>`; the request then acts with the key's user's permissions, and
    needs `perms` (an operation's `auth=needs(...)`): a key without them is a 403 before the
    body or path is read, not a 400 about a request it may not make at all."""

    param_name = "Authorization"

    def __init__(self, *perms: str) -> None:
        super().__init__()
        self.perms = perms

    def authenticate(self, request: HttpRequest, key: str | None):
        user = self.key_user(request, key)
        if user is not None and self.perms:
            require_perm(request, *self.perms)
        return user

    def key_user(self, request: HttpRequest, key: str | None):
        # One query: the key, its user, the user's permissions and whether this address has
        # wrong keys on record (only then is the throttle's count read).
        api_key = ApiKey.objects.annotate(
            **{PERMISSIONS_ANNOTATION: permissions_subquery("user_id")},
            failures_recorded=api_key_failures_recorded(request),
        ).authenticate((key or "").strip())
        recorded = api_key is None or api_key.failures_recorded  # type: ignore[attr-defined]
        if recorded and api_key_locked_out(request):
            raise ApiKeysLockedOut
        if api_key is None:
            if key:
                api_key_failed(request)
            return None
        permissions_remember(api_key.user, getattr(api_key, PERMISSIONS_ANNOTATION))
        # At most one write a minute per key, so reads stay reads.
        now = timezone.now()
        if api_key.last_used is None or (now - api_key.last_used).total_seconds() > 60:
            if connection.in_atomic_block:
                # A write request's transaction (config/transactions.py): SET LOCAL would make
                # its commit asynchronous too, so the update simply joins it.
                ApiKey.objects.filter(pk=api_key.pk).update(last_used=now)
            else:
                with transaction.atomic(), connection.cursor() as cursor:
                    # A lost last-used time is harmless: do not make the request wait for fsync.
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                    ApiKey.objects.filter(pk=api_key.pk).update(last_used=now)
        # Lets webhook events name the key (an APP identity) rather than its user.
        api_key.user.acting_api_key = api_key  # type: ignore[attr-defined]  # read by the outbox
        request.user = api_key.user
        return api_key.user


def needs(*perms: str) -> ApiKeyAuth:
    """An operation's authentication: an API key whose user has every one of `perms`."""
    return ApiKeyAuth(*perms)


class ApiKeysLockedOut(Exception):
    """Too many wrong API keys from this client address lately (config/throttle.py)."""


class ApiError(Exception):
    """A domain error for the API: a status, a stable message and optional details."""

    def __init__(self, status: int, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}


# The methods of a read: HEAD is GET without the body (HTTP's own rule), answered by the same
# operation, so its key, permission and not-found checks are GET's; config/head.py drops the
# body and keeps GET's Content-Length. Monitors and link checkers probe with HEAD.
READ_METHODS = ["GET", "HEAD"]


class PackdeskAPI(NinjaAPI):
    def get_openapi_schema(self, *args: Any, **kwargs: Any) -> Any:
        """ninja's document, with the Retry-After header that every 429 and 503 carries. HEAD
        is left out: it is each GET's, and listed it would repeat the GET's operationId."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for item in schema["paths"].values():
            item.pop("head", None)
            for operation in item.values():
                for status, response in operation.get("responses", {}).items():
                    if str(status) in ("429", "503"):  # ninja keys them by int
                        response["headers"] = {"Retry-After": RETRY_AFTER}
        return schema


class StrictJsonParser(Parser):
    """Request bodies as JSON, with a key repeated in one object refused (a 400 naming it)
    instead of the last value silently winning."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return loads_strict(request.body)


RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9]+$"},
}

api = PackdeskAPI(
    title="Packdesk API",
    version="1.0",
    description="Stores Orders v2 and eCommerce Order Fulfillments, as Packdesk implements them.",
    auth=ApiKeyAuth(),
    urls_namespace="api",
    parser=StrictJsonParser(),
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The schema and the interactive docs are for logged-in staff; endpoints use API keys.
    docs_decorator=staff_member_required,
)


# Every operation can answer: 400 bad input (naming the field), 401 no or wrong API key, 403 a
# permission the key's user lacks, 429 too many wrong keys from this address, 500 unexpected
# (nothing saved), 503 a statement timeout or the database unreachable (nothing saved).
EVERY_OPERATION_ERRORS = (400, 401, 403, 429, 500, 503)
NOT_FOUND = 404  # an order or fulfillment in the path that does not exist (or is hidden)
CONFLICT = 409  # the order's state refuses the change
BODY_TOO_LARGE = 413  # a request body over DATA_UPLOAD_MAX_MEMORY_SIZE
KEY_REUSED = 422  # an Idempotency-Key already used with another body


def responses(ok: type[Schema], *errors: int) -> dict[int, Any]:
    """An operation's documented answers: `ok` on 200, the error body on every error status
    it can return (the ones every operation has, plus `errors`)."""
    return {200: ok, **dict.fromkeys(sorted({*EVERY_OPERATION_ERRORS, *errors}), ErrorOut)}


def as_built(view):
    """Answer with the body the endpoint built, as built: the serializers own the wire format
    (key order, absent keys), the response schema documents it. ninja would otherwise rebuild
    the body through the schema; the schemathesis test checks that the two agree."""

    @functools.wraps(view)
    def endpoint(request, *args, **kwargs):
        result = view(request, *args, **kwargs)
        if isinstance(result, HttpResponseBase):
            return result
        return api.create_response(request, result, status=200)

    # ninja reads the view's parameters from this; evaluated here, in the view's module.
    endpoint.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
    return endpoint


def error_fields(rename: str | Callable[[str], str]):
    """Name the fields of the OrderErrors an endpoint's services raise as the endpoint's body
    does: a prefix ("fulfillment.") or a function of the service's field name."""
    name = rename if callable(rename) else (lambda field: f"{rename}{field}")

    def decorate(view):
        @functools.wraps(view)
        def endpoint(request, *args, **kwargs):
            request.api_error_field = name
            return view(request, *args, **kwargs)

        # ninja reads the view's parameters from this; evaluated here, in the view's module.
        endpoint.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return endpoint

    return decorate


def error_response(request: HttpRequest, status: int, message: str, details=None) -> HttpResponse:
    return api.create_response(
        request,
        {"message": message, "details": field_violations(status, message, details)},
        status=status,
    )


def field_violations(status: int, message: str, details: dict | None) -> dict:
    """A 400 that names its field also says so as a standard Wix validation error does
    (`details.validationError.fieldViolations`), which is where Wix's SDKs read the field
    from: their callers then see which argument was wrong, not only a status."""
    details = dict(details or {})
    field = details.get("field")
    if status != 400 or not isinstance(field, str):
        return details
    reasons = {name: why for name, why in details.items() if name != "field"}
    violations = [
        {"field": name, "description": why, "violatedRule": "OTHER"}
        for name, why in reasons.items()
        if isinstance(why, str)
    ] or [{"field": field, "description": message, "violatedRule": "OTHER"}]
    details["validationError"] = {"fieldViolations": violations}
    return details


def require_perm(request: HttpRequest, *perms: str) -> None:
    """Refuse with 403 unless the key's user has every permission."""
    missing = [perm for perm in perms if not request.user.has_perm(perm)]
    if missing:
        raise PermissionDenied(f"This API key lacks the permission: {', '.join(missing)}")


# ---- The one error mapping of the API: domain errors and not-found to 400/404/409 ----


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.message, exc.details)


@api.exception_handler(OrderError)
def on_order_error(request, exc: OrderError):
    """A refused change: 400 (bad input) or 409 (the order's state), naming the field."""
    rename = getattr(request, "api_error_field", None) or (lambda field: field)
    details = {"field": rename(exc.field)} if exc.field else {}
    return error_response(request, exc.status, exc.message, details)


@api.exception_handler(QueryError)
def on_query_error(request, exc: QueryError):
    return error_response(request, 400, exc.message, {"field": exc.field})


@api.exception_handler(ObjectDoesNotExist)
def on_does_not_exist(request, exc: ObjectDoesNotExist):
    """An unknown or hidden order or fulfillment (services raise Model.DoesNotExist)."""
    model = type(exc).__qualname__.split(".")[0]
    return error_response(request, 404, f"{model} not found.")


@api.exception_handler(AuthenticationError)
def on_auth_error(request, exc):
    return error_response(
        request, 401, "Missing or invalid API key: send it as 'Authorization: <key>'."
    )


@api.exception_handler(ApiKeysLockedOut)
def on_api_keys_locked_out(request, exc):
    minutes = cooloff_minutes()
    response = error_response(
        request,
        429,
        "Too many requests with a wrong API key from this address: API keys from it are "
        f"refused for {minutes} minutes after the last wrong one. Check the key you send.",
        {"retryAfterSeconds": minutes * 60},
    )
    response["Retry-After"] = str(minutes * 60)
    return response


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc):
    return error_response(request, 403, str(exc) or "Permission denied.")


@api.exception_handler(Http404)
def on_not_found(request, exc):
    return error_response(request, 404, str(exc) or "Not found.")


# pydantic names the member of a union it tried (`str`, `dict[str,any]`, `uuid`,
# `function-after[...]`) as a step of an error's location; no body key looks like one.
UNION_MEMBER = re.compile(r"[a-z][a-z0-9_]*(-[a-z0-9_]+)*(\[.*\])?")
TYPE_NAMES = frozenset({"str", "int", "float", "bool", "bytes", "uuid", "list", "dict", "none"})


def is_union_member(part: object) -> bool:
    return (
        isinstance(part, str)
        and UNION_MEMBER.fullmatch(part) is not None
        and (part in TYPE_NAMES or "[" in part or "-" in part)
    )


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    details: dict[str, Any] = {}
    for error in exc.errors:
        loc = list(error.get("loc", ()))
        if loc and loc[0] in ("body", "path", "query", "header", "cookie"):
            loc = loc[1:]  # where ninja read it, then the endpoint's parameter name
        if loc and loc[0] == "payload":
            loc = loc[1:]
        path = ""
        for part in loc:
            if is_union_member(part):
                continue  # the input's own name, once, whichever member of the union failed
            path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
        path += (error.get("ctx") or {}).get("at", "")  # a place inside a free-form value
        message = str(error.get("msg", "invalid")).removeprefix("Value error, ")
        key = path or "body"
        if key in details and message not in details[key]:
            details[key] = f"{details[key]}; or {message[0].lower()}{message[1:]}"
        else:
            details.setdefault(key, message)
    reasons = "; ".join(f"{field}: {why}" for field, why in details.items())
    # `field` names the first input at fault, as for every other 400.
    return error_response(
        request, 400, f"Invalid request: {reasons}", {"field": next(iter(details)), **details}
    )


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    """ninja's own refusals: 400 only for a body that is not JSON (its parser's words)."""
    if exc.status_code == 400 and isinstance(exc.__cause__, RepeatedKeyError):
        path = exc.__cause__.path
        return error_response(request, 400, f"Invalid request: {exc.__cause__}.", {"field": path})
    if exc.status_code == 400:
        reason = f" ({exc.__cause__})" if exc.__cause__ else ""
        return error_response(
            request, 400, f"The request body is not valid JSON{reason}.", {"field": "body"}
        )
    return error_response(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """Whatever else goes wrong is still the JSON error: 413, 503 or a logged 500."""
    return api_exception(request, exc)
