"""Throttling of failed sign-ins: logins (django-axes) and API keys (the same counters).

Axes counts failures per username and client address in the database. A wrong API key is
counted as a failure of the pseudo-username API_KEY_USERNAME from that address (no real
username can contain parentheses), so one table, one cool-off and one admin page cover both,
and `manage.py axes_reset` clears either.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.db.models import Exists, Value
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

API_KEY_USERNAME = "(api key)"
API_KEY_CREDENTIALS = {"username": API_KEY_USERNAME}


def failure_limit(request: HttpRequest, credentials: dict | None) -> int:
    """Failures allowed before a lockout: API keys have their own, higher limit."""
    if (credentials or {}).get("username") == API_KEY_USERNAME:
        return settings.PACKDESK_API_KEY_FAILURE_LIMIT
    return settings.PACKDESK_LOGIN_FAILURE_LIMIT


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or behind a proxy (DJANGO_BEHIND_PROXY) the
    right-most X-Forwarded-For entry, the one the proxy itself saw and a client cannot forge."""
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        if forwarded:
            return forwarded
    return request.META.get("REMOTE_ADDR", "")


def cooloff_minutes() -> int:
    cool_off = get_cool_off()
    return max(round(cool_off.total_seconds() / 60), 1) if cool_off else 0


def api_key_locked_out(request: HttpRequest) -> bool:
    """True when this address has sent too many wrong API keys lately."""
    if not settings.AXES_ENABLED:
        return False
    return not AxesProxyHandler.is_allowed(request, API_KEY_CREDENTIALS)


def api_key_failures_recorded(request: HttpRequest) -> Exists | Value:
    """An expression for the query that reads the API key: whether any wrong key from this
    address is on record. Only then can the address be locked out, so only then does the
    request pay for api_key_locked_out()'s count."""
    if not settings.AXES_ENABLED:
        return Value(False)
    return Exists(
        AccessAttempt.objects.filter(username=API_KEY_USERNAME, ip_address=client_ip(request))
    )


def api_key_failed(request: HttpRequest) -> None:
    """Count a wrong API key against this address; the request after the last allowed one
    is refused (the API answers its own JSON 429, so axes' lockout page is not wanted here)."""
    user_login_failed.send(sender=__name__, credentials=API_KEY_CREDENTIALS, request=request)
    request.axes_locked_out = False  # type: ignore[attr-defined]  # django-axes' own flag


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """The 429 page a locked-out login (page or admin) gets instead of the form."""
    context = {
        "username": (credentials or {}).get("username", ""),
        "failure_limit": failure_limit(request, credentials),
        "minutes": cooloff_minutes(),
    }
    return TemplateResponse(request, "registration/locked_out.html", context, status=429).render()
