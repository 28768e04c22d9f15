"""Logging out says so: the login page that follows shows "You are logged out."."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.http import HttpResponse


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only), then the login page (LOGOUT_REDIRECT_URL) with a message,
    so the next person at a shared bench sees the last one really left."""

    def post(self, request, *args, **kwargs) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        # Added after the session was flushed: the message travels in its own cookie.
        messages.info(request, "You are logged out.")
        return response
