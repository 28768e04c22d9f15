"""The home page: the fulfilment backlog, keeping-up charts, packer figures, webhook health."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from config.http import HtmxHttpRequest
from fulfillments.home.charts import bar_chart
from fulfillments.home.selectors import HomeFigures, home_figures

PAGE = "home/home.html"


def duration_label(value: timedelta | None) -> str:
    """ "2 d 4 h", "3 h 20 min", "45 min"; an em dash for no value."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


def charts(figures: HomeFigures) -> dict[str, Any]:
    day_names = [f"{p.day:%b} {p.day.day}" for p in figures.days]
    placed_vs_shipped = bar_chart(
        day_names,
        [[p.placed for p in figures.days], [p.shipped for p in figures.days]],
        titles=[
            [
                f"{name}: {p.placed:,} placed"
                for name, p in zip(day_names, figures.days, strict=True)
            ],
            [
                f"{name}: {p.shipped:,} shipped"
                for name, p in zip(day_names, figures.days, strict=True)
            ],
        ],
        label_every=7,
    )
    for point in figures.weeks:
        point.label = duration_label(point.median)
    week_names = [f"{p.week:%b} {p.week.day}" for p in figures.weeks]
    # Hours, or days once the longest median passes two days.
    longest = max((p.median for p in figures.weeks if p.median), default=timedelta(0))
    unit, suffix = (86400, "d") if longest >= timedelta(days=2) else (3600, "h")
    values = [(p.median.total_seconds() / unit if p.median else 0) for p in figures.weeks]
    lead = bar_chart(
        week_names,
        [values],
        titles=[
            [
                f"Week of {name}: median {p.label} over {p.orders:,} orders"
                for name, p in zip(week_names, figures.weeks, strict=True)
            ]
        ],
        label_every=2,
        tick_format=lambda value: f"{value:,.0f} {suffix}",
    )
    placed = sum(p.placed for p in figures.days)
    shipped = sum(p.shipped for p in figures.days)
    latest = figures.weeks[-1]
    return {
        "placed_vs_shipped": placed_vs_shipped,
        "placed_desc": (
            f"{placed:,} orders placed and {shipped:,} shipped in the last 30 days "
            f"({figures.days[-1].placed:,} and {figures.days[-1].shipped:,} today). "
            "The table below lists every day."
        ),
        "lead_chart": lead,
        "lead_desc": (
            f"This week: median {latest.label} over {latest.orders:,} orders. "
            "The table below lists every week."
        ),
    }


@require_safe
def home(request: HtmxHttpRequest) -> HttpResponse:
    """The home page for every role: what each sees follows their permissions. HTMX polls
    (every minute while the tab is visible) get only the figures."""
    context: dict[str, Any] = {"figures": None}
    if request.user.has_perm("orders.view_order"):
        figures = home_figures(request.user)
        context = {"figures": figures, **charts(figures)}
    partial = request.htmx and not request.htmx.history_restore_request
    response = render(request, f"{PAGE}#figures" if partial else PAGE, context)
    patch_vary_headers(response, ["HX-Request"])
    return response
