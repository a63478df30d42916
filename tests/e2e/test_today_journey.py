"""Journey (issue 14, point 2): a new person on a small phone registers, goes through the onboarding, sees Today.

A browser in Hong Kong at 360 x 740 registers; after the welcome step it is
sent to the onboarding, whose time zone is the browser's, confirmed by the
person. They choose "Stop", leave the plan for later, read what ketpath is
and is not and the privacy lines, and start. Today then shows the counter
and the goal; one tap logs a use and the counter says so. The stored records
(profile zone, goal, use) are read back from the export, and the onboarding
is not offered again at the next welcome step.
"""

from __future__ import annotations

import json

from playwright.sync_api import Browser, ViewportSize, expect

from e2e.browsing import fits_phone_width, register, snap
from e2e.test_accessibility import _serious

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
ZONE = "Asia/Hong_Kong"
EMAIL, PASSWORD = "today-journey@example.org", "a long and private passphrase"


def test_register_then_onboarding_then_today_shows_the_counter(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=SMALL_PHONE, timezone_id=ZONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/register")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Create account").click()
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/welcome")
        page.get_by_role("button", name="Confirm and show my recovery codes").click()
        page.get_by_role("link", name="I have saved them, continue").click()

        # Step 1: the zone the browser gave, confirmed.
        page.wait_for_url(f"{live_server}/onboarding")
        main = page.locator("main")
        expect(main).to_contain_text("Step 1 of 5")
        assert page.get_by_label("Your time zone").input_value() == ZONE
        expect(main).to_contain_text(f"Saved from your browser: {ZONE}.")
        assert fits_phone_width(page)
        snap(page, "onboarding-zone")
        page.get_by_role("button", name="Confirm").click()

        # Step 2: a goal.
        page.wait_for_url(f"{live_server}/onboarding/goal")
        page.get_by_role("button", name="Stop", exact=True).click()

        # Step 3: the plan, later; step 4: what ketpath is and is not.
        page.wait_for_url(f"{live_server}/onboarding/plan")
        page.get_by_role("link", name="Later").click()
        page.wait_for_url(f"{live_server}/onboarding/about")
        expect(main).to_contain_text("Not an emergency service")
        expect(main).to_contain_text("It never tells anyone how much to take.")
        page.get_by_role("link", name="Next").click()

        # Step 5: privacy in three lines, and the one step that is not skipped.
        page.wait_for_url(f"{live_server}/onboarding/privacy")
        assert page.locator(".onboarding-privacy li").count() == 3
        expect(page.get_by_role("link", name="Skip this step")).to_have_count(0)
        snap(page, "onboarding-privacy")
        page.get_by_role("button", name="Start using ketpath").click()

        # Today: the counter and the goal, and one tap logs a use.
        page.wait_for_url(f"{live_server}/")
        counter = page.locator(".today-counter")
        expect(counter).to_contain_text("No use logged.")
        expect(counter).to_contain_text("Your goal: stop.")
        button = page.get_by_role("button", name="Log a use now")
        box = button.bounding_box()
        assert box is not None and box["y"] + box["height"] <= SMALL_PHONE["height"]
        button.click()
        page.wait_for_url(f"{live_server}/?saved=1&entry=*")
        expect(counter).to_contain_text("Your last use was today.")
        expect(counter).to_contain_text("The count starts from here.")
        expect(page.locator(".today-week")).to_contain_text("1 use-day this week, 0 last week.")
        assert fits_phone_width(page)
        snap(page, "today-after-onboarding")

        exported = page.request.get(f"{live_server}/export/records.jsonl").text()
        records = [json.loads(line) for line in exported.splitlines() if line.strip()]
        assert [r["timezone"] for r in records if r["type"] == "profile"] == [ZONE]
        assert [r["goal"] for r in records if r["type"] == "goal"] == ["stop"]
        assert len([r for r in records if r["type"] == "use"]) == 1

        # Finished: the welcome step now leads home, not to the onboarding.
        page.goto(f"{live_server}/welcome")
        page.get_by_role("button", name="Confirm and show my recovery codes").click()
        expect(page.get_by_role("link", name="Continue")).to_have_attribute("href", "/")
    finally:
        context.close()


def test_the_onboarding_steps_have_no_serious_axe_violations_in_either_scheme(
    browser: Browser, live_server: str
) -> None:
    found: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        context = browser.new_context(
            viewport=SMALL_PHONE, color_scheme=scheme, bypass_csp=True, timezone_id=ZONE
        )
        page = context.new_page()
        try:
            register(page, live_server, f"onboarding-axe-{scheme}@example.org", PASSWORD)
            for step in ("", "/goal", "/plan", "/about", "/privacy"):
                page.goto(f"{live_server}/onboarding{step}")
                serious = [violation["id"] for violation in _serious(page)]
                if serious:
                    found[f"{scheme} /onboarding{step}"] = serious
        finally:
            context.close()
    assert found == {}
