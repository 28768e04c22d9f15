"""Accessibility and layout gates for browser tests: axe-core WCAG 2.2 A/AA, no sideways scroll.

Use them on every page and state a test reaches:

    from tests.browser.a11y import assert_accessible, assert_no_horizontal_overflow

    page.goto(url)
    assert_accessible(page)             # zero axe-core violations (WCAG 2.0/2.1/2.2 A and AA)
    assert_no_horizontal_overflow(page)  # the document is no wider than the viewport

axe-core comes from the npm registry, pinned in tests/browser/axe/package.json and its lock
file, and is installed into tests/browser/axe/node_modules/ (git-ignored) by `make test`
(`make axe` alone). Nothing is fetched while the tests run.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from playwright.sync_api import Locator, Page

AXE_JS = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"

# The rule sets the product promises (DESIGN.md section 6): WCAG 2.0, 2.1 and 2.2, levels A and AA.
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa")


@cache
def _axe_source() -> str:
    if not AXE_JS.exists():
        raise RuntimeError(
            f"{AXE_JS} is missing: run `make axe` (or `make test`), which installs the pinned "
            "axe-core from tests/browser/axe/package-lock.json"
        )
    return AXE_JS.read_text()


def _inject(page: Page) -> None:
    # page.evaluate runs through the DevTools protocol, so the page's Content-Security-Policy
    # (script-src 'self') does not block it the way an injected <script> tag would be.
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_axe_source())


def axe_violations(page: Page, include: str | None = None) -> list[dict]:
    """Run axe-core on the page as it is now (or only inside the `include` selector)."""
    _inject(page)
    return page.evaluate(
        """async ([include, tags]) => {
            const result = await axe.run(include ? {include: [include]} : document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            });
            return result.violations.map(v => ({
                id: v.id,
                impact: v.impact,
                help: v.help,
                helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({
                    target: n.target.join(" "),
                    html: n.html.slice(0, 200),
                    summary: n.failureSummary,
                })),
            }));
        }""",
        [include, list(WCAG_TAGS)],
    )


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])} node(s)]")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html']}")
            lines.extend(f"      {s}" for s in (node["summary"] or "").splitlines())
    return "\n".join(lines)


def assert_accessible(page: Page, include: str | None = None) -> None:
    """Fail with a readable list when axe-core finds any WCAG 2.2 A/AA violation."""
    violations = axe_violations(page, include)
    assert not violations, f"axe-core violations on {page.url}:\n{_describe(violations)}"


def assert_no_horizontal_overflow(page: Page) -> None:
    """Fail when the document is wider than the viewport (a sideways scroll), naming the
    widest elements that stick out."""
    widths = page.evaluate(
        """() => {
            const viewport = document.documentElement.clientWidth;
            const wide = [];
            for (const el of document.body.querySelectorAll("*")) {
                const right = el.getBoundingClientRect().right;
                if (right > viewport + 0.5) {
                    const name = el.tagName.toLowerCase()
                        + (el.id ? "#" + el.id : "")
                        + (el.classList.length ? "." + [...el.classList].join(".") : "");
                    wide.push([name, Math.round(right)]);
                }
            }
            wide.sort((a, b) => b[1] - a[1]);
            return {
                document: document.documentElement.scrollWidth,
                viewport: viewport,
                wide: wide.slice(0, 8),
            };
        }"""
    )
    assert widths["document"] <= widths["viewport"], (
        f"{page.url}: document {widths['document']} px wide in a {widths['viewport']} px "
        f"viewport; sticking out: {widths['wide']}"
    )


def on_one_line(locator: Locator) -> bool:
    """Whether the element's text sits on one line (a SKU or a number broken over two is
    misread)."""
    return locator.evaluate(
        """el => { const range = document.createRange(); range.selectNodeContents(el);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size === 1; }"""
    )


def assert_touch_targets(page: Page, selector: str, minimum: int = 44) -> None:
    """Every visible element matching `selector` is at least `minimum` px tall and none of
    them overlaps another (a thumb hits the one it aims at)."""
    boxes = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter((el) => el.getClientRects().length)
            .map((el) => {
                const r = el.getBoundingClientRect();
                return {text: el.textContent.trim(), x: r.x, y: r.y, w: r.width, h: r.height};
            })""",
        selector,
    )
    assert boxes, f"nothing matches {selector!r} on {page.url}"
    small = [(b["text"], round(b["h"])) for b in boxes if b["h"] < minimum]
    assert not small, f"{page.url}: touch targets under {minimum} px tall: {small}"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            apart = (
                a["x"] + a["w"] <= b["x"]
                or b["x"] + b["w"] <= a["x"]
                or a["y"] + a["h"] <= b["y"]
                or b["y"] + b["h"] <= a["y"]
            )
            assert apart, f"{page.url}: {a['text']!r} overlaps {b['text']!r}"


def assert_descriptions_exist(page: Page) -> None:
    """Every id an aria-describedby names is on the page (a help text or an error without
    the id its field points at is never read)."""
    missing = page.evaluate(
        """() => [...document.querySelectorAll("[aria-describedby]")].flatMap((el) =>
            el.getAttribute("aria-describedby").split(/\\s+/)
              .filter((id) => id && !document.getElementById(id)))"""
    )
    assert missing == [], f"{page.url}: aria-describedby names missing ids: {missing}"


def assert_errors_by_their_fields(page: Page) -> None:
    """Every field marked invalid is described by a visible error that stands in the same
    row as the field (its nearest paragraph, list item, cell or fieldset), so the message is
    read with the field and seen beside it. A checkbox or radio group is described by its
    fieldset."""
    strays = page.evaluate(
        """() => [...document.querySelectorAll("[aria-invalid=true]")].flatMap((field) => {
            const group = field.matches("[type=checkbox], [type=radio]")
                ? field.closest("fieldset") : null;
            const ids = [field, group].flatMap((el) =>
                (el?.getAttribute("aria-describedby") || "").split(/\\s+/));
            const errors = ids.map((id) => document.getElementById(id))
                .filter((el) => el && el.matches(".errorlist, .errorlist *, [id$=_error]"));
            const row = group || field.closest("p, li, td, fieldset, .field, div");
            const near = errors.filter((el) => el.getClientRects().length
                && el.textContent.trim() && row && row.contains(el));
            return near.length ? [] : [field.name || field.id];
        })"""
    )
    assert strays == [], f"{page.url}: fields in error without an error beside them: {strays}"


def assert_focus_visible(page: Page, presses: int = 8) -> None:
    """Tab from the top of the page `presses` times: each step moves the focus to a new
    element that is on screen and drawn with a focus ring (an outline or a box shadow)."""
    page.evaluate(
        "() => { document.activeElement?.blur(); scrollTo(0, 0); window.__focusSeen = new Set(); }"
    )
    seen: list[str] = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        state = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const style = getComputedStyle(el);
                const r = el.getBoundingClientRect();
                const ring = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2)
                    || style.boxShadow !== "none";
                const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "")
                    + ":" + (el.getAttribute("aria-label") || el.textContent || el.name || "")
                        .trim().slice(0, 30);
                const repeat = window.__focusSeen.has(el);
                window.__focusSeen.add(el);
                return {name, ring, repeat, onScreen: r.width > 0 && r.height > 0 && r.bottom > 0
                    && r.top < innerHeight && r.right > 0 && r.left < innerWidth};
            }"""
        )
        if state is None or state["repeat"]:  # past the last control, or round to the first
            break
        assert state["ring"], f"{page.url}: {state['name']} has no visible focus ring"
        assert state["onScreen"], f"{page.url}: {state['name']} is focused off screen"
        seen.append(state["name"])
    assert seen, f"{page.url}: nothing on the page takes the keyboard"
