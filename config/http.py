"""The request type of the pages: Django's HttpRequest with django-htmx's `request.htmx`
(added by its middleware), for views and helpers that answer htmx requests differently."""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    htmx: HtmxDetails
