"""Journey (issue 12, point 3): with no zone set, editing an entry keeps its time.

The edit form read typed times in UTC while /log read them in the browser's
offset, so opening an entry logged at 23:10 in Berlin and saving it unchanged
moved it. Now the form shows the stored time in the browser's offset and
reads it back in the same one (checked on the exported records).
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timezone
from zoneinfo import ZoneInfo

from playwright.sync_api import Browser, Page

from e2e.browsing import PHONE

ZONE = "Europe/Berlin"
EMAIL = "berlin-edit@example.org"
PASSWORD = "a long berlin passphrase"


def _stored_use_time(page: Page, live_server: str) -> datetime:
    exported = page.request.get(f"{live_server}/export/records.jsonl").text()
    records = [json.loads(line) for line in exported.splitlines() if line.strip()]
    assert [record for record in records if record["type"] == "profile"] == []  # no zone set
    (use,) = [record for record in records if record["type"] == "use"]
    return datetime.fromisoformat(use["time"]).astimezone(UTC)


def test_an_entry_saved_unchanged_on_the_edit_form_keeps_its_time(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(viewport=PHONE, timezone_id=ZONE)
    page = context.new_page()
    try:
        # Registered without the form's script, so the account has no zone.
        page.request.post(f"{live_server}/register", form={"email": EMAIL, "password": PASSWORD})
        page.goto(f"{live_server}/login")
        page.get_by_label("Email").fill(EMAIL)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server}/welcome")

        page.goto(f"{live_server}/log")
        use_card = page.locator("#use")
        use_card.get_by_text("More: amount, why, mixed with, note").click()
        use_card.get_by_text("Not now? Set the time").click()
        use_card.locator("#use-time").fill("2026-05-01T23:10")
        use_card.get_by_role("button", name="Log this use").click()
        page.wait_for_url(re.compile(re.escape(f"{live_server}/log?saved=1&entry=") + r"\d+$"))
        offset = datetime.now(ZoneInfo(ZONE)).utcoffset()
        assert offset is not None
        typed = datetime(2026, 5, 1, 23, 10, tzinfo=timezone(offset)).astimezone(UTC)
        assert _stored_use_time(page, live_server) == typed

        page.goto(f"{live_server}/history")
        page.locator("#entries a", has_text="Edit").first.click()
        assert page.locator("#edit-time").input_value() == "2026-05-01T23:10"
        page.get_by_role("button", name="Save changes").click()
        page.wait_for_url(f"{live_server}/history")
        assert _stored_use_time(page, live_server) == typed
    finally:
        context.close()
