"""The JSON API: one NinjaAPI under /api/, authenticated by API keys (DESIGN.md section 5).

Errors always have the shape {"message": str, "details": {...}} with a 4xx status.
"""

from __future__ import annotations

from django.contrib.admin.views.decorators import staff_member_required
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.schema import DjangoGetter
from ninja.security import APIKeyHeader
from pydantic import ConfigDict, model_validator

from config.errors import api_exception
from config.throttle import api_key_failed, api_key_locked_out, cooloff_minutes
from orders.models import ApiKey
from orders.services import OrderError


class ApiKeyAuth(APIKeyHeader):
    """`Authorization: <key>`; the request then acts with the key's user's permissions."""

    param_name = "Authorization"

    def authenticate(self, request: HttpRequest, key: str | None):
        if api_key_locked_out(request):
            raise ApiKeysLockedOut
        api_key = ApiKey.objects.authenticate((key or "").strip())
        if api_key is None:
            if key:
                api_key_failed(request)
            return None
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


class ApiKeysLockedOut(Exception):
    """Too many wrong API keys from this client address lately (config/throttle.py)."""


class InputSchema(Schema):
    """Base of every request body schema: a body part that should be a JSON object must be one,
    and a key the schema does not know is a 400 naming it (not silently ignored).

    (ninja's Schema would otherwise read attributes off a string or list and fill defaults.)
    """

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _must_be_object(cls, value):
        if isinstance(value, DjangoGetter):
            value = value._obj
        if not isinstance(value, dict):
            raise ValueError("must be a JSON object")
        return value


class ApiError(Exception):
    """A domain error for the API: a status, a stable message and optional details."""

    def __init__(self, status: int, message: str, details: dict | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details or {}


api = NinjaAPI(
    title="Packdesk API",
    version="1.0",
    description="Stores Orders v2 and eCommerce Order Fulfillments, as Packdesk implements them.",
    auth=ApiKeyAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    # The schema and the interactive docs are for logged-in staff; endpoints use API keys.
    docs_decorator=staff_member_required,
)


def api_error(error: OrderError, *, prefix: str = "") -> ApiError:
    """An OrderError as the API's 400/409 JSON, naming the field at fault."""
    details = {"field": f"{prefix}{error.field}"} if error.field else {}
    return ApiError(error.status, error.message, details)


def error_response(request: HttpRequest, status: int, message: str, details=None) -> HttpResponse:
    return api.create_response(
        request, {"message": message, "details": details or {}}, status=status
    )


def require_perm(request: HttpRequest, *perms: str) -> None:
    """Refuse with 403 unless the key's user has every permission."""
    missing = [perm for perm in perms if not request.user.has_perm(perm)]
    if missing:
        raise PermissionDenied(f"This API key lacks the permission: {', '.join(missing)}")


@api.exception_handler(ApiError)
def on_api_error(request, exc: ApiError):
    return error_response(request, exc.status, exc.message, exc.details)


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


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    details = {}
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        details[".".join(loc) or "body"] = error.get("msg", "invalid")
    fields = ", ".join(details) or "body"
    return error_response(request, 400, f"Invalid request: {fields}", details)


@api.exception_handler(HttpError)
def on_http_error(request, exc: HttpError):
    return error_response(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def on_unexpected_error(request, exc: Exception):
    """Whatever else goes wrong is still the JSON error: 413, 503 or a logged 500."""
    return api_exception(request, exc)
