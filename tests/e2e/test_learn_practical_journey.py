"""The practical help pages in a real browser: reached from Learn, readable on a phone, axe-clean.

axe is injected as a script tag, which the app's CSP refuses, so this test's
browser context alone bypasses CSP (as in ``test_accessibility.py``).
"""

from __future__ import annotations

from typing import Any, Literal

import pytest
from playwright.sync_api import Browser

from e2e.browsing import DESKTOP, PHONE, fits_phone_width, register, snap
from e2e.test_accessibility import AXE, RUN_AXE
from ketpath.knowledge.load import practical_pages


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_each_practical_page_opens_from_learn_fits_a_phone_and_passes_axe(
    browser: Browser, live_server: str, scheme: Literal["light", "dark"]
) -> None:
    context = browser.new_context(viewport=PHONE, bypass_csp=True, color_scheme=scheme)
    page = context.new_page()
    register(page, live_server, f"learn-{scheme}@example.org", "a long and private passphrase")
    found: dict[str, list[dict[str, Any]]] = {}
    for practical in practical_pages().values():
        page.goto(f"{live_server}/learn")
        page.get_by_role("link", name=practical.title).click()
        page.wait_for_url(f"**/learn/{practical.id}")
        assert page.get_by_role("heading", level=1).inner_text() == practical.title
        assert fits_phone_width(page), practical.id
        snap(page, f"learn-{practical.id}-{scheme}")
        for size in (PHONE, DESKTOP):
            page.set_viewport_size(size)
            page.add_script_tag(path=str(AXE))
            violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
            serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
            if serious:
                found[f"{practical.id} at {size['width']} px"] = serious
        page.set_viewport_size(PHONE)
    context.close()
    assert found == {}
