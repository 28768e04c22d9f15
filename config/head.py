"""HEAD answered as GET without its body: the body a view built is dropped here, not on the wire.

Django builds the whole response for a HEAD request and leaves dropping the body to the
server; gunicorn does drop it, but reads a streaming body to its end first (an export's query
run for nothing) and logs a warning for every such response. Here the body goes, a streaming
one unread (its iterator is closed with the response), and `Content-Length` stays what GET
would send. Outside CommonMiddleware, which sets that header.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


def head_without_body_middleware(get_response: Callable[[HttpRequest], HttpResponse]):
    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if request.method == "HEAD":
            if response.streaming:
                response.streaming_content = []  # type: ignore[attr-defined]
            else:
                response.content = b""
        return response

    return middleware
