"""`make serve`: Packdesk as it runs in production, on this machine.

Production settings (DEBUG off), the secret key from DJANGO_SECRET_KEY or else generated once
into a git-ignored file, `collectstatic`, migrations, then gunicorn (config/gunicorn.py sizes
it from the CPU count), the tasks worker (`tasks_worker`: db_worker that reconnects) and the
webhook sweeper (`deliver_webhooks --every 60`). Ctrl-C (or SIGTERM) stops all three; when one
of them dies, the others are stopped too and the exit status says so.

Runs before Django is configured (settings refuse to load without a secret), so this module
imports nothing from Django or the apps.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[2]
SECRET_FILE = BASE_DIR / ".secret_key"
STOP_GRACE_SECONDS = 15
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def secret_key(path: Path) -> str:
    """The secret in `path`, made (random, readable by the owner only) when the file is absent."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_text().strip()
        if not key:
            raise SystemExit(f"{path} is empty: delete it or set DJANGO_SECRET_KEY") from None
        return key
    key = secrets.token_urlsafe(50)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


def production_environment(
    host: str, port: int, settings_module: str = "config.settings"
) -> dict[str, str]:
    """The environment of every process: production settings, plus what plain HTTP on the
    loopback needs (no HTTPS redirect, cookies not marked Secure) unless set explicitly."""
    env = dict(os.environ)
    env.pop("DJANGO_DEBUG", None)
    env["DJANGO_SETTINGS_MODULE"] = settings_module
    if not env.get("DJANGO_SECRET_KEY"):
        secret_path = Path(env.get("PACKDESK_SECRET_KEY_FILE", SECRET_FILE))
        env["DJANGO_SECRET_KEY"] = secret_key(secret_path)
    env.setdefault("DJANGO_ALLOWED_HOSTS", ",".join(sorted({host, "127.0.0.1", "localhost"})))
    if host in LOOPBACK:
        env.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
        env.setdefault("DJANGO_SECURE_COOKIES", "0")
    env["PACKDESK_BIND"] = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    return env


def embedded_database(env: dict[str, str]) -> None:
    """Without DATABASE_URL, start the embedded PostgreSQL here and hand its URL to the
    children: it stays up while this process lives instead of starting with each of them."""
    if env.get("DATABASE_URL"):
        return
    sys.path.insert(0, str(BASE_DIR))
    from config.database import embedded_database_url

    env["DATABASE_URL"] = embedded_database_url(BASE_DIR)


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def stop(processes: dict[str, subprocess.Popen]) -> None:
    for process in processes.values():
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for process in processes.values():
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--settings",
        default="config.settings",
        help="Settings module (the load test's adds a baseline).",
    )
    args = parser.parse_args(argv)

    env = production_environment(args.host, args.port, args.settings)
    embedded_database(env)
    metrics_dir = None
    if not env.get("PROMETHEUS_MULTIPROC_DIR"):
        metrics_dir = tempfile.mkdtemp(prefix="packdesk-metrics-")
        env["PROMETHEUS_MULTIPROC_DIR"] = metrics_dir

    for step in (("collectstatic", "--no-input", "-v", "0"), ("migrate", "--no-input", "-v", "0")):
        subprocess.run(manage(*step), env=env, check=True, cwd=BASE_DIR)

    stopping = False

    def on_signal(signum, frame) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    commands = {
        "web": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--config",
            "python:config.gunicorn",
        ],
        "worker": manage("tasks_worker"),
        "sweeper": manage("deliver_webhooks", "--every", "60"),
    }
    processes = {
        name: subprocess.Popen(command, env=env, cwd=BASE_DIR) for name, command in commands.items()
    }
    print(f"Packdesk serving on http://{env['PACKDESK_BIND']}/ (Ctrl-C stops it)", flush=True)
    status = 0
    try:
        while not stopping:
            exited = [name for name, p in processes.items() if p.poll() is not None]
            if exited:
                name = exited[0]
                status = 0 if stopping else processes[name].returncode or 1
                print(
                    f"{name} exited ({processes[name].returncode}); stopping the rest",
                    file=sys.stderr,
                    flush=True,
                )
                break
            time.sleep(0.5)
    finally:
        stop(processes)
        if metrics_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
