"""gunicorn settings for `make serve` (config/ops/serve.py) and production.

Workers: WEB_CONCURRENCY, else 2 x CPUs + 1 (gunicorn's own advice): pages are CPU-bound in
Python, so one process per core plus some to cover requests waiting on PostgreSQL. Each
worker runs PACKDESK_WEB_THREADS threads (gthread), so a slow client or a keep-alive
connection does not hold a whole process when nothing buffers in front of it.
"""

import multiprocessing
import os

bind = os.environ.get("PACKDESK_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1))
worker_class = "gthread"
threads = int(os.environ.get("PACKDESK_WEB_THREADS", "2"))
# Recycle workers now and then so a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
timeout = 60
graceful_timeout = 10
keepalive = 5
# One line per request comes from Packdesk itself (config/ops/request_log.py).
accesslog = None
errorlog = "-"
# Its default path is one per user: several servers on one machine would fight over it.
control_socket_disable = True


def child_exit(server, worker) -> None:
    """Let the metrics of a finished worker stop counting as live gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
