"""Helpers for the browser tests: Chromium's location, screenshots, phone-width checks."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, ViewportSize

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
PHONE: ViewportSize = {"width": 360, "height": 800}
DESKTOP: ViewportSize = {"width": 1280, "height": 800}


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing; run scripts/ensure-chromium.sh"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def snap(page: Page, name: str) -> None:
    """Full-page screenshots at phone and desktop width; the page is left at phone width."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for label, size in (("360", PHONE), ("1280", DESKTOP)):
        page.set_viewport_size(size)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(PHONE)


def fits_phone_width(page: Page) -> bool:
    """Nothing wider than the 360-px viewport (no sideways scrolling)."""
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= PHONE["width"]


def register(page: Page, base_url: str, email: str, password: str) -> None:
    page.goto(f"{base_url}/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Create account").click()
    # Registering signs nobody in (it must not reveal whether the address had an account).
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    confirm_welcome(page, base_url)


def confirm_welcome(page: Page, base_url: str) -> list[str]:
    """The first login's welcome step: keep the zone the browser gave, see the codes, go on.

    Returns the recovery codes shown.
    """
    page.wait_for_url(f"{base_url}/welcome")
    page.get_by_role("button", name="Confirm and show my recovery codes").click()
    shown = page.locator("ol.recovery-codes code")
    # ``all_inner_texts`` does not wait: read once the page with the codes is in (a loaded
    # CI run read the welcome page still, and found no codes).
    shown.first.wait_for()
    codes = shown.all_inner_texts()
    page.get_by_role("link", name="I have saved them, continue").click()
    # A new person goes on to the first-run onboarding (web/onboarding.py), once.
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/(onboarding)?$"))
    if page.url.endswith("/onboarding"):
        skip_onboarding(page, base_url)
    return codes


def skip_onboarding(page: Page, base_url: str) -> None:
    """Straight to the onboarding's last step and its confirmation, for journeys about other things.

    Nothing is stored but the finish: the zone registration kept stays as it was.
    """
    page.goto(f"{base_url}/onboarding/privacy")
    page.get_by_role("button", name="Start using ketpath").click()
    page.wait_for_url(f"{base_url}/")


def menu(page: Page) -> list[str]:
    """Every destination of the account's menu: the main bar and, for a person, More.

    A person's bar has five destinations and a More page for the rest, which
    this opens (the page is left there); a clinician's menu is all in the bar.
    """
    main = page.get_by_role("navigation", name="Main")
    words = [text.strip() for text in main.locator("a, button").all_inner_texts()]
    if "More" in words:
        main.get_by_role("link", name="More", exact=True).click()
        more = page.get_by_role("navigation", name="More")
        words += [text.strip() for text in more.locator("a").all_inner_texts()]
    return words


def follow_menu(page: Page, name: str) -> None:
    """Follow a link of the menu: in the main bar, or on a person's More page."""
    main = page.get_by_role("navigation", name="Main")
    link = main.get_by_role("link", name=name, exact=True)
    if link.count() == 0:
        main.get_by_role("link", name="More", exact=True).click()
        more = page.get_by_role("navigation", name="More")
        link = more.get_by_role("link", name=name, exact=True)
    link.click()


def log_out(page: Page) -> None:
    """Log out: from a clinician's menu, or from the bottom of a person's More page."""
    main = page.get_by_role("navigation", name="Main")
    if main.get_by_role("button", name="Log out").count() == 0:
        main.get_by_role("link", name="More", exact=True).click()
    page.get_by_role("button", name="Log out").click()
