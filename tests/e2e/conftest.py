"""Browser tests: Playwright for Python driving Debian's Chromium against a real server.

Never ``playwright install``: the browser is Debian's ``/usr/bin/chromium``
(``scripts/ensure-chromium.sh`` installs it). Without it the tests skip with
the reason, except in CI (``CI=true``), where a missing browser is a failure.
Screenshots go to ``artifacts/screenshots`` (git-ignored), at 360 x 800 (a
small phone) and 1280 x 800.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from e2e.browsing import CHROMIUM, CHROMIUM_ARGS, PHONE, require_chromium
from webtest import LiveServer, free_port


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    require_chromium()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """One real server for the browser tests; each test registers its own account."""
    require_chromium()
    live = LiveServer(database=tmp_path_factory.mktemp("live") / "live.db", port=free_port())
    live.start()
    yield live.url
    live.stop()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=PHONE, accept_downloads=True)
    yield opened
    opened.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
