"""The accessibility and overflow gates themselves: they pass a clean page and catch real faults."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow

CLEAN = """<!doctype html><html lang="en"><head><title>Clean</title>
<meta http-equiv="Content-Security-Policy" content="script-src 'none'"></head>
<body><main><h1>Orders</h1><p>Nothing to see.</p></main></body></html>"""


def test_assert_accessible_passes_a_clean_page_under_a_strict_csp(page: Page):
    page.set_content(CLEAN)
    assert_accessible(page)


def test_assert_accessible_names_each_violation(page: Page):
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Faulty</title></head><body><main>
        <h1>Orders</h1><img src="data:," id="no-alt">
        <p style="color:#9a6700;background:#fff1d6">Unpaid</p>
        <label>Unlabelled?</label><input id="lonely"></main></body></html>"""
    )
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page)
    message = str(failure.value)
    assert "image-alt" in message and "#no-alt" in message
    assert "color-contrast" in message
    assert "label" in message and "#lonely" in message


def test_assert_accessible_checks_wcag22_target_size(page: Page):
    page.set_content(
        """<!doctype html><html lang="en"><head><title>Targets</title></head><body><main>
        <h1>Tiny</h1><p><button style="width:10px;height:10px;padding:0;border:0"
        aria-label="a">a</button><button style="width:10px;height:10px;padding:0;border:0"
        aria-label="b">b</button></p></main></body></html>"""
    )
    with pytest.raises(AssertionError, match="target-size"):
        assert_accessible(page)


def test_assert_no_horizontal_overflow(page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.set_content(CLEAN)
    assert_no_horizontal_overflow(page)
    page.set_content(CLEAN.replace("<p>", '<p id="wide" style="width:1045px">'))
    with pytest.raises(AssertionError, match=r"document 10\d\d px wide in a 390 px.*p#wide"):
        assert_no_horizontal_overflow(page)
