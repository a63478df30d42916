"""A person sets weekly check-in reminders on a phone and subscribes to the calendar feed.

In Chromium at 360 px, in Paris (the browser's zone, confirmed at the welcome
step): Account -> "Once a week", Wednesday, 18:30 -> save -> make a feed
address. The address the page shows is fetched like a calendar app would and
read with ``icalendar``: one weekly event, "ketpath check-in", 18:30 in
Europe/Paris. The page passes axe with the address showing and fits the
phone; turning the feed off makes the address 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from icalendar import Calendar, vRecur
from playwright.sync_api import Browser, Page

from e2e.browsing import PHONE, fits_phone_width, register, snap

AXE = next((Path(__file__).parent / "vendor").glob("axe-*.min.js"))
RUN_AXE = """async () => (await axe.run(document)).violations
  .filter(v => v.impact === "serious" || v.impact === "critical")
  .map(v => ({id: v.id, targets: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""


@pytest.fixture
def parisian(browser: Browser, live_server: str) -> Iterator[Page]:
    # axe is injected as a script tag, which the app's CSP refuses: this context bypasses CSP.
    context = browser.new_context(viewport=PHONE, timezone_id="Europe/Paris", bypass_csp=True)
    page = context.new_page()
    register(page, live_server, "reminders@example.org", "a long and private passphrase")
    yield page
    context.close()


def test_weekly_reminders_reach_the_calendar_at_the_chosen_time_in_paris(
    parisian: Page, live_server: str
) -> None:
    page = parisian
    page.goto(f"{live_server}/account")
    page.get_by_label("Once a week").check()
    page.get_by_label("At", exact=True).fill("18:30")
    page.get_by_label("On (weekly reminders)").select_option(label="Wednesday")
    page.get_by_role("button", name="Save reminders").click()
    page.wait_for_url(f"{live_server}/account#reminders-heading")
    assert page.get_by_label("Once a week").is_checked()
    assert "In Europe/Paris." in page.locator("#reminder-time-hint").inner_text()

    page.get_by_role("button", name="Make a calendar feed address").click()
    address = page.get_by_label("Calendar feed address").input_value()
    assert address.startswith(f"{live_server}/calendar/")
    snap(page, "40-account-reminders-and-feed")
    assert fits_phone_width(page)
    page.add_script_tag(path=str(AXE))
    serious: list[dict[str, Any]] = page.evaluate(RUN_AXE)
    assert serious == []

    calendar = Calendar.from_ical(httpx.get(address).content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "ketpath check-in"
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["WE"]
    start = event.decoded("DTSTART")
    assert (str(start.tzinfo), start.time(), start.weekday()) == ("Europe/Paris", time(18, 30), 2)

    page.goto(f"{live_server}/account")
    page.get_by_role("button", name="Turn off the calendar feed").click()
    page.wait_for_url(f"{live_server}/account#reminders-heading")
    assert page.get_by_text("You have no calendar feed.").is_visible()
    assert httpx.get(address).status_code == 404
