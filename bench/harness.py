"""Timing helpers shared by the benchmark scripts: warm repeated runs, median/p95, query counts."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext


@dataclass
class Timing:
    samples_ms: list[float] = field(default_factory=list)
    queries: int | None = None

    @property
    def median(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p95(self) -> float:
        ordered = sorted(self.samples_ms)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure(run: Callable[[], object], *, repeat: int = 20, warmup: int = 3) -> Timing:
    """Run `run` warmup times, then `repeat` timed times; count the SQL queries of one run."""
    for _ in range(warmup):
        run()
    timing = Timing()
    with CaptureQueriesContext(connection) as ctx:
        run()
    timing.queries = len(ctx.captured_queries)
    reset_queries()
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        timing.samples_ms.append((time.perf_counter() - start) * 1000)
    return timing
