"""One log line per request (method, path, status, duration, user), as text or JSON.

The path is logged without its query string: searches carry names and email addresses.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime

from django.http import HttpRequest, HttpResponse

logger = logging.getLogger("packdesk.request")


def request_user(request: HttpRequest) -> str:
    """Who made the request: the username, `apikey:<prefix>` for an API key, or `-`."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return "-"
    api_key = getattr(user, "acting_api_key", None)
    if api_key is not None:
        return f"apikey:{api_key.prefix}"
    return user.get_username()


class RequestLogMiddleware:
    """Placed first among the request middleware so the duration covers all of them."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = round((time.perf_counter() - started) * 1000, 1)
        logger.info(
            "%s %s %s %.1fms %s",
            request.method,
            request.path,
            response.status_code,
            duration_ms,
            request_user(request),
            extra={
                "http": {
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user": request_user(request),
                }
            },
        )
        return response


class RefusalWithoutTraceback(logging.Filter):
    """On `django.request`: a refused request (403, a malformed request's 400) keeps its
    warning line but not the traceback Django attaches, as if it were a fault; the log's
    tracebacks are then the server errors."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, and the request fields
    (`method`, `path`, `status`, `duration_ms`, `user`) on request lines."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "http", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)
