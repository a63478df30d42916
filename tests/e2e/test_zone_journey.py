"""Journey (issue 12, point 3): a browser in New York registers, confirms its zone, logs "Last night".

The account used to run in UTC whatever the browser said. Here the zone comes
from the browser at registration, is confirmed on the welcome step, and the
"Last night" button stores yesterday at 22:00 New York time (checked on the
exported records, not only on the page).
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser

from e2e.browsing import PHONE, confirm_welcome

ZONE = "America/New_York"


def test_the_browsers_zone_is_kept_and_last_night_is_stored_at_22_local(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE, timezone_id=ZONE)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/register")
        page.get_by_label("Email").fill("nyc@example.org")
        page.get_by_label("Password").fill("a long new york passphrase")
        page.get_by_role("button", name="Create account").click()
        page.get_by_label("Password").fill("a long new york passphrase")
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/welcome")
        assert page.get_by_label("Your time zone").input_value() == ZONE
        assert "Your browser said America/New_York" in page.inner_text("main")
        codes = confirm_welcome(page, live_server)
        assert len(codes) == 8

        page.goto(f"{live_server}/log")
        page.get_by_role("button", name="Last night (yesterday 22:00)").click()
        page.wait_for_url(re.compile(re.escape(f"{live_server}/log?saved=1&entry=") + r"\d+$"))

        exported = page.request.get(f"{live_server}/export/records.jsonl").text()
        records = [json.loads(line) for line in exported.splitlines() if line.strip()]
        assert [record["timezone"] for record in records if record["type"] == "profile"] == [ZONE]
        (use,) = [record for record in records if record["type"] == "use"]
        stored = datetime.fromisoformat(use["time"]).astimezone(ZoneInfo(ZONE))
        yesterday = datetime.now(ZoneInfo(ZONE)).date() - timedelta(days=1)
        assert (stored.date(), stored.hour, stored.minute) == (yesterday, 22, 0)
    finally:
        context.close()
