"""The list page's CPU per request through the whole WSGI stack (every middleware), in process.

What a gunicorn worker runs for one list request, minus the socket: production settings
(bench.loadtest_settings), the benchmark database (.pgdata-bench/), a logged-in owner's session
cookie, the mix of bench/locustfile.py's ListOnly user (five filters, full pages and HTMX
swaps). Prints the median CPU time of this process per request (time.process_time: what
Python spent, whatever else shares the machine) and, with `--profile`, cProfile's top
functions over the whole mix.

    .venv/bin/python bench/wsgi_profile.py               # 20 rounds of the mix
    .venv/bin/python bench/wsgi_profile.py --profile 40  # and the top 40 functions
    .venv/bin/python bench/wsgi_profile.py --api         # the query API's first page instead
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Like gunicorn's workers under `make serve`: metrics written to a multiprocess directory.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="packdesk-metrics-"))

# bench.loadtest sets up Django as `make loadtest` serves it (production settings, the
# benchmark database) when imported.
from bench.loadtest import login_sessions  # noqa: E402, I001
from bench.calibrate import calibration_ms  # noqa: E402

from django.contrib.auth.models import Group, User  # noqa: E402
from config.wsgi import application  # noqa: E402
from orders.models import ApiKey  # noqa: E402

FILTERS = [
    "",
    "view=unfulfilled",
    "view=unpaid",
    "f=paymentStatus&op=%24eq&v=PAID",
    "f=fulfillmentStatus&op=%24eq&v=NOT_FULFILLED",
]


# The query API's page of `--api`: 50 orders with everything (the API client's request).
API_PATH = "/api/stores/v2/orders/query"
API_BODY = json.dumps({"query": {"paging": {"limit": 50}}}).encode()


def environ(query: str, session: str, htmx: bool) -> dict:
    env = {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": "/orders/",
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8102",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8102",
        "HTTP_COOKIE": f"sessionid={session}",
        "HTTP_USER_AGENT": "wsgi_profile",
        "HTTP_ACCEPT": "*/*",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if htmx:
        env["HTTP_HX_REQUEST"] = "true"
    if query == API_PATH:  # `session` is an API key
        del env["HTTP_COOKIE"]
        env.update(
            REQUEST_METHOD="POST",
            PATH_INFO=API_PATH,
            QUERY_STRING="",
            HTTP_AUTHORIZATION=session,
            CONTENT_TYPE="application/json",
            CONTENT_LENGTH=str(len(API_BODY)),
        )
        env["wsgi.input"] = io.BytesIO(API_BODY)
    return env


def request(query: str, session: str, htmx: bool) -> int:
    status = []
    body = application(environ(query, session, htmx), lambda s, h, e=None: status.append(s))
    size = sum(len(chunk) for chunk in body)
    if hasattr(body, "close"):
        body.close()
    assert status[0].startswith("200"), status
    return size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    parser.add_argument("--api", action="store_true", help="the query API's page instead")
    args = parser.parse_args()
    user, _ = User.objects.get_or_create(username="loadtest-owner", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="Owner"))
    if args.api:
        session = ApiKey.generate(user=user, name="wsgi_profile")[1]
        mix = [(API_PATH, False)]
    else:
        session = login_sessions(user, 1)[0]
        mix = [(q, htmx) for q in FILTERS for htmx in (False, True)]
    for q, htmx in mix * 3:  # warm
        request(q, session, htmx)
    times: dict[tuple[str, bool], list[float]] = {case: [] for case in mix}
    for _ in range(args.rounds):
        for case in mix:
            start = time.process_time()
            request(case[0], session, case[1])
            times[case].append((time.process_time() - start) * 1000)
    for (q, htmx), values in times.items():
        what = f"POST {q}" if q == API_PATH else f"{'swap' if htmx else 'page'} /orders/?{q}"
        print(f"{what:55} median {statistics.median(values):5.1f} ms CPU")
    every = [v for values in times.values() for v in values]
    print(f"all: median {statistics.median(every):.1f} ms, mean {statistics.mean(every):.1f} ms")
    print(f"machine speed: {calibration_ms():.1f} ms of CPU for bench/calibrate.py (lower: faster)")
    if args.profile:
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(5):
            for case in mix:
                request(case[0], session, case[1])
        profiler.disable()
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(args.profile)
        stats.sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
