"""A person keeps ketpath signed in on a phone, sets a PIN, leaves it idle and unlocks it.

In Chromium at 360 px, against a server whose kept sessions lock after six
idle seconds (``--lock-after-minutes 0.1``): register, log in with "Keep me
signed in on this device", set a PIN on Account (the phone is listed there as
this device), wait, and any page is the PIN screen, titled just "ketpath",
with nothing of the person's on it; the PIN opens the app again on the page
that was asked for.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from e2e.browsing import PHONE, confirm_welcome, fits_phone_width, require_chromium, snap
from webtest import LiveServer, free_port

EMAIL = "kept@example.org"
PASSWORD = "a long and private passphrase"
PIN = "470215"
IDLE_MS = 7_500


@pytest.fixture
def quick_lock_server(tmp_path: Path) -> Iterator[str]:
    require_chromium()
    live = LiveServer(
        database=tmp_path / "lock.db",
        port=free_port(),
        arguments=("--lock-after-minutes", "0.1"),
    )
    live.start()
    yield live.url
    live.stop()


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


def test_keep_signed_in_set_a_pin_lock_after_idle_and_unlock(
    phone: Page, quick_lock_server: str
) -> None:
    page, base = phone, quick_lock_server
    page.goto(f"{base}/register")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    snap(page, "50-login-keep-signed-in")
    assert fits_phone_width(page)
    page.get_by_role("button", name="Log in").click()
    confirm_welcome(page, base)

    page.goto(f"{base}/account")
    devices = page.locator("table.devices").inner_text()
    assert "Chrome on Linux (this device)" in devices
    page.get_by_label("PIN", exact=True).fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    page.wait_for_url(f"{base}/account?pin=set#devices-heading")
    assert page.get_by_text("Your PIN is set.").is_visible()
    assert page.get_by_text("A PIN is set.").is_visible()

    page.wait_for_timeout(IDLE_MS)
    page.goto(f"{base}/history")
    assert page.title() == "ketpath"
    assert page.get_by_role("heading", name="ketpath is locked").is_visible()
    body = page.locator("body").inner_text().lower()
    for word in ("history", "craving", "ketamine", "mood", EMAIL):
        assert word not in body
    snap(page, "51-app-lock-pin-screen")
    assert fits_phone_width(page)

    page.get_by_label("Enter your PIN").fill("000000")
    page.get_by_role("button", name="Unlock").click()
    assert page.get_by_role("alert").inner_text() == "That PIN is not right. 4 tries left."
    page.get_by_label("Enter your PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{base}/history")
    assert page.title() != "ketpath"
    assert page.get_by_label("Enter your PIN").count() == 0
