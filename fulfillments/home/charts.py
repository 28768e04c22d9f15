"""Server-rendered SVG charts: the geometry of small bar charts, drawn by templates.

No charting library: the home page needs two bar charts, which are a few rectangles and
labels; computing them here keeps them testable, adds no dependency and no client code, and
templates/home/_bar_chart.html draws them with the page's own colours and fonts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.html import format_html_join
from django.utils.safestring import SafeString

WIDTH = 720
HEIGHT = 240
LEFT = 64  # room for the value axis labels
RIGHT = 32  # room for the last category label, centred on its bar
TOP = 12
BOTTOM = 44  # room for the category labels (26 units tall on a phone), clear of the axis "0"


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass
class Tick:
    y: float
    label: str


@dataclass
class Label:
    x: float
    text: str


@dataclass
class BarChart:
    """A bar chart ready to draw: one group of bars per category, one bar per series."""

    width: int = WIDTH
    height: int = HEIGHT
    bars: list[Bar] = field(default_factory=list)
    ticks: list[Tick] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    baseline: float = HEIGHT - BOTTOM
    left: int = LEFT
    right: int = WIDTH - RIGHT

    @property
    def bars_svg(self) -> SafeString:
        """The bars as SVG `<rect>`s with their tooltips, built in one pass: the template
        language would resolve and localize six values per bar, for 72 bars on the page."""
        return format_html_join(
            "",
            '<rect class="bar series-{}" x="{}" y="{}" width="{}" height="{}">'
            "<title>{}</title></rect>",
            ((b.series, b.x, b.y, b.width, b.height, b.title) for b in self.bars),
        )


TICKS = 4


def nice_step(value: float) -> float:
    """The smallest 1, 2 or 5 x 10^n at or above `value`, and at least 1 (a tick step)."""
    if value <= 1:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude  # pragma: no cover - the loop always returns


def bar_chart(
    categories: list[str],
    series: list[list[float]],
    *,
    titles: list[list[str]],
    label_every: int = 1,
    tick_format=lambda value: f"{value:,.0f}",
) -> BarChart:
    """Geometry for `series` (each a list of values, one per category) as grouped bars.

    `titles[s][c]` is the tooltip of series s at category c; every `label_every`-th category
    gets its label under the axis."""
    chart = BarChart()
    step = nice_step(max((v for values in series for v in values), default=0) / TICKS)
    top = step * TICKS
    plot_height = chart.baseline - TOP
    slot = (chart.right - chart.left) / max(len(categories), 1)
    gap = slot * 0.2
    bar_width = (slot - gap) / max(len(series), 1)
    for c, category in enumerate(categories):
        x0 = chart.left + c * slot + gap / 2
        for s, values in enumerate(series):
            height = plot_height * values[c] / top
            chart.bars.append(
                Bar(
                    x=round(x0 + s * bar_width, 1),
                    y=round(chart.baseline - height, 1),
                    width=round(max(bar_width - 1, 1), 1),
                    height=round(height, 1),
                    series=s,
                    title=titles[s][c],
                )
            )
        if c % label_every == 0:
            chart.labels.append(Label(round(chart.left + (c + 0.5) * slot, 1), category))
    for n in range(TICKS + 1):
        y = round(chart.baseline - plot_height * n / TICKS, 1)
        chart.ticks.append(Tick(y, tick_format(step * n)))
    return chart
