"""Cost growth: two `make bench` tables (e.g. 100k and 1M orders) side by side, row by row.

    .venv/bin/python bench/growth.py bench/results/bench-100000-lists.md \\
        bench/results/bench-1000000-lists.md

For every row both tables have: the median ms at each size, their ratio, and the matching
orders (with the count the list page shows). With 10x the orders, a row whose time grows by
much more than a constant (an index probe, log n) reads a share of the data: those rows are
marked. Writes the table to bench/results/growth-<small>-<large>.md.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"
# A ratio above this (for 10x the data) is called out: more than log-like growth.
STEEP = 2.0


def read(path: Path) -> tuple[int, dict[str, tuple[float, str]]]:
    """(orders, {row name: (median ms, matches cell)}) from a bench table."""
    text = path.read_text()
    orders = int(re.search(r"^([\d,]+) orders;", text, re.M).group(1).replace(",", ""))
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not re.match(r"^[\d.]+ /", cells[1]):
            continue
        matches = cells[7] if len(cells) > 7 else ""
        rows[cells[0]] = (float(cells[1].split("/")[0]), matches)
    return orders, rows


def main() -> None:
    small_path, large_path = (Path(arg) for arg in sys.argv[1:3])
    small_n, small = read(small_path)
    large_n, large = read(large_path)
    header = [
        "row",
        f"{small_n:,} ms",
        f"{large_n:,} ms",
        "x",
        f"matches at {small_n:,} (page shows)",
        f"matches at {large_n:,} (page shows)",
    ]
    table = []
    for name, (ms_large, matches_large) in large.items():
        if name not in small:
            continue
        ms_small, matches_small = small[name]
        ratio = ms_large / ms_small if ms_small else float("inf")
        mark = " (!)" if ratio > STEEP else ""
        table.append(
            [
                name,
                f"{ms_small:.1f}",
                f"{ms_large:.1f}",
                f"{ratio:.2f}{mark}",
                matches_small,
                matches_large,
            ]
        )
    widths = [max(len(r[i]) for r in [header, *table]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"

    report = "\n".join(
        [
            f"# Cost growth, {small_n:,} -> {large_n:,} orders",
            "",
            f"Medians from {small_path.name} and {large_path.name}; (!) marks a row whose time"
            f" grew more than {STEEP:.0f}x.",
            "",
            line(header),
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
            *[line(r) for r in table],
            "",
        ]
    )
    print(report)
    path = RESULTS / f"growth-{small_n // 1000}k-{large_n // 1000}k.md"
    path.write_text(report)
    print(f"Written to {path}")


if __name__ == "__main__":
    main()
