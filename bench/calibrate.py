"""The machine's speed at the moment: a fixed piece of Python work timed on the CPU clock.

This VM's speed changes by the hour (the same list request took 6.5 ms of CPU at one hour and
9.4 ms at the next, with nothing else running), so a throughput figure means little without
it. `calibration_ms()` runs the same work every time (JSON, HTML escaping, string building,
sorting: what a page render does) and returns the median CPU milliseconds of a few rounds;
bench/loadtest.py and bench/wsgi_profile.py print it beside their figures. Lower is faster;
compare runs at a similar calibration, or scale by it.

    .venv/bin/python bench/calibrate.py
"""

from __future__ import annotations

import html
import json
import statistics
import time

ROWS = [
    {"id": i, "name": f"Item <{i}> & co", "quantity": i % 7, "price": f"{i * 1.25:.2f}"}
    for i in range(2000)
]


def _work() -> int:
    rows = json.loads(json.dumps(ROWS))
    parts = [
        f'<tr data-id="{row["id"]}"><td>{html.escape(row["name"])}</td>'
        f"<td>{row['quantity']}</td><td>{row['price']}</td></tr>"
        for row in sorted(rows, key=lambda row: (row["quantity"], row["name"]))
    ]
    return len("".join(parts))


def calibration_ms(rounds: int = 9) -> float:
    """Median CPU milliseconds of the fixed work (after one warm-up round)."""
    _work()
    times = []
    for _ in range(rounds):
        start = time.process_time()
        _work()
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


if __name__ == "__main__":
    print(f"calibration: {calibration_ms():.1f} ms of CPU (lower is faster)")
