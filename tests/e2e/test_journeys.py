"""A new person's journey in a real browser: register, log, see the red flag, a questionnaire,
a plan, export, and delete the account. Screenshots of every page at 360 and 1280 px."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.browsing import fits_phone_width, register, snap

PASSWORD = "a long and private passphrase"


def test_a_new_person_walks_through_every_page(page: Page, live_server: str) -> None:
    base = live_server
    register(page, base, "newcomer@example.org", PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Where things stand")
    snap(page, "01-dashboard-new")

    page.goto(f"{base}/log")
    page.get_by_role("button", name="Log a use now").click()
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    page.get_by_label("Which symptom").select_option("blood-in-urine")
    page.get_by_role("button", name="Log symptom").click()
    flag = page.locator("#flag-blood-in-urine")
    expect(flag).to_be_visible()
    expect(flag).to_contain_text("What to do:")
    snap(page, "02-log-after-symptom")

    page.goto(f"{base}/")
    flag_box = page.locator("#flag-blood-in-urine").bounding_box()
    main_box = page.locator("main").bounding_box()
    assert flag_box is not None and main_box is not None
    assert flag_box["y"] < main_box["y"]  # the red flag comes before everything else
    expect(page.locator("#flag-blood-in-urine .contact-number").first).to_be_visible()
    expect(page.locator("main")).to_contain_text("Days since your last use")
    assert fits_phone_width(page)
    snap(page, "03-dashboard-red-flag")

    page.goto(f"{base}/history")
    expect(page.locator("#chart-use-days svg")).to_be_visible()
    expect(page.locator(".entry")).to_have_count(2)
    assert fits_phone_width(page)
    snap(page, "04-history")

    page.goto(f"{base}/questionnaires")
    snap(page, "05-questionnaires")
    page.get_by_role("link", name="PHQ-9").click()
    for position in range(1, 10):
        page.locator(f"#item-q{position}-0").check()
    page.get_by_role("button", name="Save answers and see the score").click()
    expect(page.locator(".result")).to_contain_text("Your score: 0 of 27")
    assert fits_phone_width(page)
    snap(page, "06-questionnaire-phq9")

    page.goto(f"{base}/plan")
    page.get_by_label("Triggers").fill("payday\nFriday nights")
    page.get_by_label("Coping steps").fill("walk to the river")
    page.get_by_label("People to call").fill("Sam")
    page.get_by_label("Reasons to change").fill("my bladder")
    page.get_by_role("button", name="Save plan").click()
    expect(page.get_by_role("status")).to_have_text("Plan saved.")
    expect(page.locator(".plan-summary")).to_contain_text("Friday nights")
    snap(page, "07-plan")

    page.goto(f"{base}/learn")
    snap(page, "08-learn")
    page.get_by_role("link", name="Harms").click()
    expect(page.get_by_text("What the evidence says").first).to_be_visible()
    assert fits_phone_width(page)
    snap(page, "09-learn-harms")

    page.goto(f"{base}/help")
    page.get_by_label("Show numbers for").select_option("UK")
    page.get_by_role("button", name="Show these numbers").click()
    expect(page.locator(".help-numbers")).to_contain_text("999")
    snap(page, "10-help")

    page.goto(f"{base}/export")
    with page.expect_download() as jsonl:
        page.get_by_role("link", name="Download JSONL").click()
    lines = jsonl.value.path().read_text(encoding="utf-8").splitlines()
    # the profile holds the time zone her browser gave at registration
    assert sorted(json.loads(line)["type"] for line in lines) == [
        "profile",
        "questionnaire",
        "symptom",
        "use",
    ]
    with page.expect_download() as fhir:
        page.get_by_role("link", name="Download FHIR (R4 Bundle)").click()
    assert json.loads(fhir.value.path().read_text(encoding="utf-8"))["resourceType"] == "Bundle"
    snap(page, "11-export")

    page.goto(f"{base}/account")
    snap(page, "12-account")
    page.locator("#delete_password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account and all my records").click()
    page.goto(f"{base}/")
    assert "/login" in page.url  # signed out, and the account is gone:
    page.get_by_label("Email").fill("newcomer@example.org")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button").first.click()
    assert page.url.rstrip("/").endswith("/login")


def test_logging_a_use_works_with_the_keyboard_alone(page: Page, live_server: str) -> None:
    register(page, live_server, "keyboard@example.org", PASSWORD)
    page.goto(f"{live_server}/log")
    page.locator("#use-setting").focus()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Log a use now"
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Saved.")
    page.locator("#craving-heading").scroll_into_view_if_needed()
    page.locator("button[name=intensity][value='7']").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".recent")).to_contain_text("Craving: 7 of 10")


def test_an_import_error_is_shown_in_the_browser(
    page: Page, live_server: str, tmp_path: Path
) -> None:
    register(page, live_server, "importer@example.org", PASSWORD)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type":"mood","time":"2026-05-01T10:00:00","score":4}\n', encoding="utf-8")
    page.goto(f"{live_server}/export")
    page.get_by_label("File to import").set_input_files(str(bad))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#form-error")).to_contain_text(
        "Line 1: time: the time '2026-05-01T10:00:00' has no UTC offset"
    )
