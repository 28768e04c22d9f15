"""Browser tests wait for what a person would see; on a loaded 2-core CI machine a swap can take
longer than Playwright's 5 s default, so assertions wait up to 15 s (they pass as soon as the
page is right)."""

from playwright.sync_api import expect

expect.set_options(timeout=15_000)
