"""Database sessions whose read on every request skips the ORM's query building.

Django's database session store reads the session with `Session.objects.get(...)`, which
builds and compiles the same statement on every request (~0.3 ms of CPU, as much as the
query itself). This store runs that statement written out; saving, expiry, cycling keys and
clearing are Django's own (`django.contrib.sessions.backends.db`).
"""

from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone

FIELDS = ("session_key", "session_data", "expire_date")


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        if self.session_key is None:
            return None
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        quote = connection.ops.quote_name
        columns = ", ".join(quote(name) for name in FIELDS)  # Session's columns are its fields
        sql = (
            f"SELECT {columns} FROM {quote(model._meta.db_table)}"
            f" WHERE {quote('session_key')} = %s AND {quote('expire_date')} > %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, timezone.now()])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model.from_db(alias, FIELDS, row)
