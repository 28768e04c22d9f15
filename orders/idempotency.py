"""Idempotency-Key on the API's create endpoints: a retry of the same request returns the first
answer and writes nothing new.

A client sends `Idempotency-Key: <1-255 printable ASCII characters>` with a create. The first
request with a key claims it (a row unique per user and key) in the same transaction as what it
creates, and stores its answer there; a later request with the same key and the same body gets
that answer again; the same key with another body is a 422. A concurrent second request waits
on the first one's row and then replays its answer (or, if the first failed, runs itself). Keys
expire after PACKDESK_IDEMPOTENCY_TTL_HOURS; a failed request (4xx/5xx) does not keep its key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from config.api import ApiError
from orders.models import IdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
# The header as the OpenAPI document shows it on the create endpoints (their openapi_extra).
OPENAPI_EXTRA = {
    "parameters": [
        {
            "name": HEADER,
            "in": "header",
            "required": False,
            "description": "A retry with the same key and body returns the first answer and "
            "writes nothing; the same key with another body is a 422.",
            "schema": {"type": "string", "pattern": f"^[\\x20-\\x7e]{{1,{MAX_KEY_LENGTH}}}$"},
        }
    ]
}
# Expired keys removed per new key, oldest first: the table stays about one TTL of keys.
PURGE_BATCH = 100


def request_fingerprint(request: HttpRequest) -> str:
    """SHA-256 of the method, path and body; a JSON body in canonical form, so that key order
    and white space do not make a retry look like a different request."""
    body = request.body
    with contextlib.suppress(ValueError, RecursionError):
        body = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(f"{request.method} {request.path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def idempotency_key(request: HttpRequest) -> str | None:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not 1 <= len(key) <= MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
        raise ApiError(
            400,
            f"{HEADER} must be 1 to {MAX_KEY_LENGTH} printable ASCII characters.",
            {"field": HEADER},
        )
    return key


def idempotent(request: HttpRequest, create: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """Run `create` once per Idempotency-Key (when the request has one) and return its answer,
    or the stored answer of the request that first used the key."""
    key = idempotency_key(request)
    if key is None:
        return create()
    fingerprint = request_fingerprint(request)
    now = timezone.now()
    # No savepoint of its own: a refused create (or a 422) rolls the claim back with the
    # request's transaction, which is the one the create writes in.
    with transaction.atomic(savepoint=False):
        record = _claim(request.user, key, fingerprint, now)
        if record.request_hash != fingerprint:
            raise ApiError(
                422,
                f"This {HEADER} was already used for a different request; send a new key "
                "for a new request.",
                {"field": HEADER},
            )
        if record.response_body is not None:
            return record.response_body
        answer = create()
        record.response_body = answer
        record.save(update_fields=["response_body"])
        return answer


def _claim(user, key: str, fingerprint: str, now) -> IdempotencyKey:
    """The key's row: a new one (answer still empty), or the one a request stored earlier.
    The insert waits for a concurrent request holding the same key to finish; a conflict
    does nothing (no savepoint to roll back to), and then the stored row is read. The same
    statement removes up to PURGE_BATCH expired keys of others, oldest first, skipping any a
    concurrent request is removing (so the table stays about one TTL of keys, and two
    creates never wait on each other's purge)."""
    expires = now + timedelta(hours=settings.PACKDESK_IDEMPOTENCY_TTL_HOURS)
    quote = connection.ops.quote_name
    table, pk, user_id, key_, expiry = map(
        quote, (IdempotencyKey._meta.db_table, "id", "user_id", "key", "expires")
    )
    fields = ", ".join(map(quote, ("request_hash", "created", "expires")))
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH purged AS (DELETE FROM {table} WHERE {pk} IN ("
                f"SELECT {pk} FROM {table} WHERE {expiry} <= %s"
                f" AND NOT ({user_id} = %s AND {key_} = %s)"
                f" ORDER BY {expiry} LIMIT {PURGE_BATCH} FOR UPDATE SKIP LOCKED))"
                f" INSERT INTO {table} ({user_id}, {key_}, {fields}) VALUES (%s, %s, %s, %s, %s)"
                f" ON CONFLICT ({user_id}, {key_}) DO NOTHING RETURNING {pk}",
                [now, user.pk, key, user.pk, key, fingerprint, now, expires],
            )
            inserted = cursor.fetchone()
        if inserted is not None:
            record = IdempotencyKey(
                pk=inserted[0],
                user=user,
                key=key,
                request_hash=fingerprint,
                created=now,
                expires=expires,
            )
            record._state.adding, record._state.db = False, connection.alias
            return record
        existing = IdempotencyKey.objects.filter(user=user, key=key).first()
        if existing is not None and existing.expires > now:
            return existing
        # Expired (or gone meanwhile): forget it and claim the key afresh.
        IdempotencyKey.objects.filter(user=user, key=key, expires__lte=now).delete()
    raise ApiError(409, f"This {HEADER} is in use by another request; retry.", {"field": HEADER})
