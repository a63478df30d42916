"""The moment of a craving on a 360 x 740 phone (issue 14, point 3), in Chromium.

Alice writes a plan, has a craving, taps how strong it is, and sees her plan,
a tap-to-call link and the urge-surfing timer counting down (Playwright's
fake clock moves time on, so the test does not wait ten minutes). The craving
is stored once. axe-core finds no violation at all on /craving at both widths in
both colour schemes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, ViewportSize, expect

from e2e.browsing import DESKTOP, fits_phone_width, register, snap
from e2e.test_accessibility import AXE, RUN_AXE
from ketpath.knowledge.craving import craving_moment

PHONE_740: ViewportSize = {"width": 360, "height": 740}
PASSWORD = "a long and private passphrase"


@pytest.fixture
def phone(browser: Browser) -> Iterator[BrowserContext]:
    # CSP is bypassed only so that axe can be injected; the app's own scripts load as usual.
    opened = browser.new_context(viewport=PHONE_740, bypass_csp=True)
    yield opened
    opened.close()


def _write_plan(page: Page, base: str) -> None:
    page.goto(f"{base}/plan")
    page.get_by_label("Coping steps").fill("Walk to the river\nText Sam")
    page.get_by_label("People to call").fill("Sam: 07700 900 123")
    page.get_by_label("Reasons to change").fill("My bladder")
    page.get_by_role("button", name="Save plan").click()
    page.wait_for_url(f"{base}/plan?saved=1")


def _open_craving_page(page: Page, base: str) -> None:
    """Today's button, above the fold on a phone."""
    page.goto(f"{base}/")
    button = page.get_by_role("link", name="I'm having a craving")
    expect(button).to_be_in_viewport()
    button.click()
    page.wait_for_url(f"{base}/craving")


def _stored_cravings(page: Page, base: str) -> list[dict[str, Any]]:
    body: str = page.evaluate(
        "async () => (await fetch('/export/records.jsonl', {credentials: 'same-origin'})).text()"
    )
    return [r for r in map(json.loads, filter(None, body.splitlines())) if r["type"] == "craving"]


def test_a_craving_opens_her_plan_and_a_timer_that_counts_down(
    phone: BrowserContext, live_server: str
) -> None:
    minutes = craving_moment().urge_timer.value
    page = phone.new_page()
    page.clock.install()
    register(page, live_server, "craving-journey@example.org", PASSWORD)
    _write_plan(page, live_server)
    _open_craving_page(page, live_server)

    page.get_by_role("button", name="Craving 8 of 10").click()
    page.wait_for_url(f"{live_server}/craving?saved=1&entry=*")
    expect(page.get_by_role("status").filter(has_text="Saved. Craving: 8 of 10.")).to_be_visible()
    assert len(_stored_cravings(page, live_server)) == 1

    plan = page.get_by_role("region", name="Your plan")
    expect(plan).to_contain_text("Walk to the river")
    expect(plan).to_contain_text("My bladder")
    call = plan.get_by_role("link", name="Call Sam 07700 900 123")
    expect(call).to_have_attribute("href", "tel:07700900123")

    timer = page.get_by_role("region", name=f"Surf the urge for {minutes} minutes")
    clock = timer.locator("[data-timer-clock]")
    status = timer.get_by_role("status")
    expect(clock).to_have_text(f"{minutes}:00")
    timer.get_by_role("button", name="Start", exact=True).click()
    expect(status).to_have_text(f"Timer running: {minutes} minutes left.")
    page.clock.run_for(61_000)
    expect(clock).to_have_text(f"{minutes - 2}:59")
    expect(status).to_have_text(f"{minutes - 1} minutes left.")  # once a minute, not every second
    page.clock.run_for(5_000)
    expect(status).to_have_text(f"{minutes - 1} minutes left.")
    timer.get_by_role("button", name="Pause", exact=True).click()
    expect(status).to_have_text(f"Paused with {minutes - 1} minutes left.")
    page.clock.run_for(120_000)
    expect(clock).to_have_text(f"{minutes - 2}:54")  # paused: nothing moved
    timer.get_by_role("button", name="Resume", exact=True).click()
    page.clock.run_for(minutes * 60_000)
    expect(clock).to_have_text("0:00")
    expect(status).to_contain_text("Time is up.")
    assert fits_phone_width(page)
    snap(page, "60-craving-plan-and-timer")
    assert len(_stored_cravings(page, live_server)) == 1  # stored once, whatever the timer did


def test_a_strong_craving_logged_on_the_log_page_offers_the_plan(
    phone: BrowserContext, live_server: str
) -> None:
    threshold = craving_moment().offer_plan.value
    page = phone.new_page()
    register(page, live_server, "craving-offer@example.org", PASSWORD)
    page.goto(f"{live_server}/log")
    page.get_by_role("button", name=f"Craving {threshold} of 10").click()
    page.wait_for_url(f"{live_server}/log?saved=1&entry=*")
    offer = page.get_by_role("link", name="Open your craving plan")
    expect(offer).to_be_in_viewport()  # where the eye is, above the fold
    expect(page.get_by_role("button", name="Undo")).to_be_visible()
    snap(page, "61-log-offers-the-craving-plan")
    offer.click()
    page.wait_for_url(f"{live_server}/craving?logged=1")
    expect(page.get_by_text("Your craving is logged.")).to_be_visible()
    expect(page.get_by_role("heading", name="Ride out this craving")).to_be_visible()
    expect(page.get_by_text("You have not written a plan yet")).to_be_visible()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_craving_page_has_no_axe_violations(
    phone: BrowserContext, live_server: str, scheme: str
) -> None:
    page = phone.new_page()
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    register(page, live_server, f"craving-axe-{scheme}@example.org", PASSWORD)
    _write_plan(page, live_server)
    found: dict[str, list[dict[str, Any]]] = {}
    for size in (PHONE_740, DESKTOP):
        page.set_viewport_size(size)
        for path in ("/craving", "/log"):
            page.goto(f"{live_server}{path}")
            if path == "/log":  # the page as it offers the plan after a strong craving
                page.get_by_role("button", name="Craving 9 of 10").click()
                page.wait_for_url(f"{live_server}/log?saved=1&entry=*")
            else:
                page.get_by_role("button", name="Start", exact=True).click()
            page.add_script_tag(path=str(AXE))
            violations: list[dict[str, Any]] = page.evaluate(RUN_AXE)
            if violations:  # any impact, not only serious and critical
                found[f"{path} at {size['width']} px, {scheme}"] = violations
    assert found == {}


def test_the_timer_announces_in_the_page_language(phone: BrowserContext, live_server: str) -> None:
    """Its words come from the page (data-say-*), so in Chinese the script says Chinese."""
    minutes = craving_moment().urge_timer.value
    page = phone.new_page()
    page.clock.install()
    register(page, live_server, "craving-chinese@example.org", PASSWORD)
    phone.add_cookies([{"name": "ketpath_lang", "value": "zh-Hant", "url": live_server}])
    page.goto(f"{live_server}/craving")
    timer = page.get_by_role("region", name=f"用 {minutes} 分鐘衝浪，讓衝動過去")
    status = timer.get_by_role("status")
    expect(status).to_have_text(f"{minutes} 分鐘。準備好就按「開始」。")
    timer.get_by_role("button", name="開始", exact=True).click()
    expect(status).to_have_text(f"計時中：還剩 {minutes} 分鐘。")
    page.clock.run_for(61_000)
    expect(status).to_have_text(f"還剩 {minutes - 1} 分鐘。")
    timer.get_by_role("button", name="暫停", exact=True).click()
    expect(status).to_have_text(f"已暫停，還剩 {minutes - 1} 分鐘。")
    timer.get_by_role("button", name="繼續", exact=True).click()
    page.clock.run_for(minutes * 60_000)
    expect(status).to_contain_text("時間到了。現在衝動有多強烈？")
    expect(timer.get_by_role("button", name="開始", exact=True)).to_be_visible()
