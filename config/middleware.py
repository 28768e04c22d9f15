"""Response headers every dynamic response gets: `Cache-Control: no-store`.

Pages show orders, buyers' addresses and API keys to logged-in staff, and the API answers with
the same data: no browser or proxy cache may keep any of it. Static files are served (and made
cacheable) by whitenoise before this middleware runs.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


def no_store_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        add_never_cache_headers(response)
        return response

    return middleware
