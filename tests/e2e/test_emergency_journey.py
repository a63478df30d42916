"""An emergency in a real browser: a person logs confusion and sees, before anything
else, that it is an emergency, what to do and the number to call, with no way to
dismiss it; a blood-in-urine flag beside it can be followed up and then goes."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from e2e.browsing import fits_phone_width, register, snap

PASSWORD = "a long and private passphrase"


def test_logging_confusion_shows_an_emergency_first_that_cannot_be_dismissed(
    page: Page, live_server: str
) -> None:
    base = live_server
    register(page, base, "emergency@example.org", PASSWORD)
    page.goto(f"{base}/log")
    page.get_by_label("Which symptom").select_option("confusion")
    page.get_by_role("button", name="Log symptom").click()
    page.get_by_label("Which symptom").select_option("blood-in-urine")
    page.get_by_role("button", name="Log symptom").click()

    page.goto(f"{base}/")
    emergency = page.locator("#flag-confusion")
    expect(emergency).to_be_visible()
    expect(emergency.locator(".flag-level")).to_have_text("Emergency")
    expect(emergency).to_contain_text("Confusion logged today.")
    expect(emergency).to_contain_text("Call emergency services now")
    expect(emergency.locator(".contact-number").first).to_have_text("112")
    expect(emergency.locator("form")).to_have_count(0)  # nothing dismisses an emergency

    flags = page.locator(".red-flag")
    assert flags.first.get_attribute("id") == "flag-confusion"  # emergencies come first
    emergency_box = emergency.bounding_box()
    main_box = page.locator("main").bounding_box()
    assert emergency_box is not None and main_box is not None
    assert emergency_box["y"] < main_box["y"]
    assert fits_phone_width(page)
    snap(page, "emergency-01-confusion")

    urgent = page.locator("#flag-blood-in-urine")
    expect(urgent.locator(".flag-level")).to_have_text("Get medical care today")
    urgent.get_by_role("button", name="Seen by a doctor or the clinic").click()
    expect(page.get_by_role("status")).to_have_text("Follow-up saved.")
    expect(page.locator("#flag-blood-in-urine")).to_have_count(0)
    expect(page.locator("#flag-confusion")).to_be_visible()
    snap(page, "emergency-02-after-follow-up")
