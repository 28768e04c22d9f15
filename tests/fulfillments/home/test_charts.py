"""The SVG bar charts' geometry and markup."""

from __future__ import annotations

from fulfillments.home.charts import bar_chart


def test_bars_svg_draws_every_bar_with_its_escaped_title():
    chart = bar_chart(
        ["Mon", "Tue", "Wed"],
        [[1, 4, 0], [2, 0, 3]],
        titles=[["a", "b", "<c & d>"], ["e", "f", "g"]],
    )
    svg = str(chart.bars_svg)
    assert svg.count("<rect ") == 6
    assert svg.count('class="bar series-1"') == 3
    assert "<title>&lt;c &amp; d&gt;</title>" in svg
    # The tallest value reaches the top tick; a zero is a flat bar on the baseline.
    tallest = next(b for b in chart.bars if b.title == "b")
    assert f'y="{tallest.y}" width="{tallest.width}" height="{tallest.height}"' in svg
    flat = next(b for b in chart.bars if b.title == "<c & d>")
    assert flat.height == 0 and flat.y == chart.baseline
