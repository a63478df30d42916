"""The whole phone companion in one sitting (issue 14, "Done means"), at two sizes and both schemes.

One person, one browser profile (a persistent one, as a phone's browser is: a
throwaway context is "incognito" to Chrome, which never offers to install from
it), one server of its own that locks kept sessions after 15 idle seconds and
e-mails reminders through a real local SMTP server, looking for due ones every
second (``--reminder-interval 1``); the four journeys share that server, each
with an account of its own. The server runs on a thread of the test
(``webtest.ThreadedServer``), so the test holds its clocks
(``webtest.MovableClock``): the sessions' clock skips the 18 idle seconds and
the reminder sender's clock moves to the minute she chose, where the journey
used to wait for them in real time (up to a minute and a quarter a journey,
most of the file's time). What she does on the pages, and what arrives, are
as before. At 360 x 740 and 1280 x 800, light and dark:

first run: register, keep signed in, the welcome step, onboarding (zone from
the browser, a stop goal, the plan written from onboarding, what ketpath is,
privacy) -> a daily e-mail reminder for the next minute and a calendar feed
read by ``icalendar`` -> a history with four red flags -> "Log a use now" is
above the fold on Today and one tap stores a use -> Undo deletes it -> "I'm
having a craving" shows her plan with a tap-to-call link, and a tap logs the
craving -> a follow-up acknowledges the blood-in-urine flag -> offline, two
entries from the Log page wait and are stored exactly once when the
connection returns -> Chrome finds the app installable (manifest and a
controlling service worker) -> a PIN is set, and after idling any page is
the PIN screen -> the reminder e-mail has arrived, saying nothing about health.

Every step's page is kept as a screenshot named by step, size and scheme
under artifacts/screenshots (the accessibility walk keeps every page too).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import Message as EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import httpx
import pytest
from icalendar import Calendar, vRecur
from playwright.sync_api import Browser, BrowserContext, ViewportSize, expect

from e2e.browsing import CHROMIUM, CHROMIUM_ARGS, DESKTOP, SCREENSHOTS, require_chromium
from e2e.test_design_system import _four_flags
from ketpath.cli.server import _settings
from ketpath.web.app import create_app
from mailtest import Inbox, local_mail_server
from templates import migrated_sqlite_file
from webtest import MovableClock, ThreadedServer, free_port

SMALL_PHONE: ViewportSize = {"width": 360, "height": 740}
ZONE = "Europe/London"
PASSWORD = "a companion journey passphrase"
PIN = "583104"
LOCK_AFTER_SECONDS = 15
SENDER = "reminders@ketpath.test"
REMINDER_INTERVAL_SECONDS = 1.0
MAIL_WAIT_SECONDS = 10
"""How long the journey's end waits for its e-mail (sent when the clock reached its minute)."""
Scheme = Literal["light", "dark"]
VARIANTS = [
    pytest.param(SMALL_PHONE, "light", id="360-light"),
    pytest.param(SMALL_PHONE, "dark", id="360-dark"),
    pytest.param(DESKTOP, "light", id="1280-light"),
    pytest.param(DESKTOP, "dark", id="1280-dark"),
]


@pytest.fixture(scope="module")
def mail() -> Iterator[tuple[Inbox, int]]:
    with local_mail_server() as found:
        yield found


@dataclass(frozen=True)
class Server:
    """The journeys' server: its address and the two clocks the test moves."""

    url: str
    sessions: MovableClock
    reminders: MovableClock


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, mail: tuple[Inbox, int]) -> Iterator[Server]:
    """One server for the four journeys (each registers its own account), started once.

    The settings are those ``ketpath serve --lock-after-minutes 0.25 --smtp-host
    127.0.0.1 --smtp-port PORT --smtp-from SENDER --reminder-interval 1``
    gives (``cli.server._settings``), plus the two clocks.
    """
    require_chromium()
    _inbox, smtp_port = mail
    port = free_port()
    sessions, reminders = MovableClock(), MovableClock()
    database = migrated_sqlite_file(tmp_path_factory.mktemp("companion") / "companion.db")
    served = _settings(
        {
            "database_url": str(database),
            "smtp_host": "127.0.0.1",
            "smtp_port": smtp_port,
            "smtp_from": SENDER,
            "base_url": f"http://127.0.0.1:{port}/",
            "lock_after_minutes": LOCK_AFTER_SECONDS / 60,
            "reminder_check_seconds": REMINDER_INTERVAL_SECONDS,
        }
    )
    settings = replace(served, session_clock=sessions, reminder_clock=reminders)
    live = ThreadedServer(create_app(settings), port)
    live.start()
    yield Server(live.url, sessions, reminders)
    live.stop()


class Journey:
    """The page, its profile and where screenshots go, for one size and scheme."""

    def __init__(self, context: BrowserContext, server: Server, label: str) -> None:
        self.context = context
        self.page = context.pages[0] if context.pages else context.new_page()
        self.server = server
        self.base = server.url
        self.label = label

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def shot(self, step: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"companion-{step}-{self.label}.png"
        self.page.screenshot(path=str(path), full_page=True)

    def stored(self, *types: str) -> list[dict[str, Any]]:
        exported = self.page.request.get(f"{self.base}/export/records.jsonl").text()
        records = [json.loads(line) for line in exported.splitlines() if line.strip()]
        return [record for record in records if record["type"] in types]


@pytest.fixture
def journey(
    request: pytest.FixtureRequest, browser: Browser, server: Server, tmp_path: Path
) -> Iterator[Journey]:
    size, scheme = request.node.callspec.params["size"], request.node.callspec.params["scheme"]
    context = browser.browser_type.launch_persistent_context(
        tmp_path / "profile",
        executable_path=str(CHROMIUM),
        args=CHROMIUM_ARGS,
        viewport=size,
        color_scheme=scheme,
        timezone_id=ZONE,
    )
    try:
        yield Journey(context, server, f"{size['width']}-{scheme}")
    finally:
        context.close()


def _first_run(j: Journey, email: str) -> None:
    page = j.page
    j.go("/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Keep me signed in on this device").check()
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{j.base}/welcome")
    page.get_by_role("button", name="Confirm and show my recovery codes").click()
    page.get_by_role("link", name="I have saved them, continue").click()

    page.wait_for_url(re.compile(r"/onboarding"))
    expect(page.get_by_label("Your time zone")).to_have_value(ZONE)  # from the browser
    j.shot("01-onboarding-zone")
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Stop", exact=True).click()
    page.get_by_role("link", name="Write my plan now").click()
    page.get_by_label("Coping steps").fill("Walk round the block\nRun the urge timer")
    page.get_by_label("People to call").fill("Sam 07700 900123")
    page.get_by_label("Reasons to change").fill("My bladder")
    page.get_by_role("button", name="Save plan and go on").click()
    page.wait_for_url(f"{j.base}/onboarding/about")
    expect(page.locator("main")).to_contain_text("never tells anyone how much to take")
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".onboarding-privacy li")).to_have_count(3)
    j.shot("02-onboarding-privacy")
    page.get_by_role("button", name="Start using ketpath").click()
    page.wait_for_url(f"{j.base}/")
    expect(page.locator("#counter-heading")).to_have_text("Days since your last use")
    expect(page.locator(".today-goal")).to_contain_text("stop")


def _reminders(j: Journey) -> datetime:
    """A daily e-mail for the next minute in her zone, and a calendar feed; the minute chosen.

    Saving a schedule counts the minute it is saved in as sent, so the next
    minute is the first that can be; the sender's clock is then moved a second
    into it, and the sender (looking every second) sends the e-mail while the
    journey goes on.
    """
    page = j.page
    j.go("/account")
    due = (datetime.now(ZoneInfo(ZONE)) + timedelta(minutes=1)).replace(second=0, microsecond=0)
    page.get_by_label("Every day").check()
    page.get_by_label("At", exact=True).fill(due.strftime("%H:%M"))
    page.get_by_label(re.compile(r"Also e-mail me at")).check()
    page.get_by_role("button", name="Save reminders").click()
    page.get_by_role("button", name="Make a calendar feed address").click()
    address = page.get_by_label("Calendar feed address").input_value()
    (event,) = Calendar.from_ical(httpx.get(address).content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "ketpath check-in"
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["DAILY"]
    start = event.decoded("DTSTART")
    assert (str(start.tzinfo), start.strftime("%H:%M")) == (ZONE, due.strftime("%H:%M"))
    j.shot("03-account-reminders")
    j.server.reminders.move_to(due + timedelta(seconds=1))
    return due


def _import_four_flags(j: Journey, tmp_path: Path) -> None:
    page = j.page
    j.go("/export")
    page.get_by_label("File to import").set_input_files(str(_four_flags(tmp_path / "h.jsonl")))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url("**/export?imported=*")


def _log_a_use_from_today_and_undo_it(j: Journey, size: ViewportSize) -> None:
    page = j.page
    j.go("/")
    expect(page.locator("article.red-flag")).to_have_count(4)
    button = page.get_by_role("button", name="Log a use now")
    box, bar = button.bounding_box(), page.get_by_role("navigation", name="Main").bounding_box()
    assert box is not None and bar is not None
    fold = float(size["height"])
    if bar["y"] > fold / 2:  # a phone's bottom bar covers the foot of the screen
        fold = bar["y"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= fold, (box, fold)
    j.shot("04-today-four-flags")

    uses_before = len(j.stored("use"))
    button.click()  # the one tap
    expect(page.get_by_role("status")).to_contain_text("Saved. Use:")
    assert len(j.stored("use")) == uses_before + 1
    j.shot("05-today-saved-toast")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_role("status")).to_have_text("Undone: that entry is deleted.")
    assert len(j.stored("use")) == uses_before


def _craving(j: Journey) -> None:
    page = j.page
    j.go("/")
    cravings_before = len(j.stored("craving"))
    page.get_by_role("link", name="I'm having a craving").click()
    page.wait_for_url(f"{j.base}/craving")
    plan = page.locator(".craving-plan")
    expect(plan).to_contain_text("Walk round the block")
    expect(plan).to_contain_text("My bladder")
    call = plan.get_by_role("link", name=re.compile(r"Call Sam"))
    assert call.get_attribute("href") == "tel:07700900123"
    expect(page.locator("#urge-timer")).to_be_visible()
    j.shot("06-craving-plan")
    page.get_by_role("button", name="Craving 8 of 10").click()
    expect(page.locator("main")).to_contain_text("Your craving is logged.")
    cravings = j.stored("craving")
    assert len(cravings) == cravings_before + 1
    assert cravings[-1]["intensity"] == 8


def _acknowledge_a_flag(j: Journey) -> None:
    page = j.page
    j.go("/")
    urgent = page.locator("#flag-blood-in-urine")
    urgent.get_by_role("button", name="Seen by a doctor or the clinic").click()
    expect(page.get_by_role("status")).to_have_text("Follow-up saved.")
    expect(page.locator("#flag-blood-in-urine")).to_have_count(0)
    expect(page.locator("article.red-flag")).to_have_count(3)
    follow_ups = j.stored("follow-up")
    assert [record["flag"] for record in follow_ups] == ["blood-in-urine"]
    j.shot("07-today-after-follow-up")


def _offline_entries_sync_once(j: Journey) -> None:
    page, context = j.page, j.context
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    before = len(j.stored("use", "craving"))
    j.go("/log")
    context.set_offline(True)
    try:
        page.get_by_role("button", name="Log a use now").click()
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('1 entry waiting')"
        )
        page.get_by_role("button", name="Craving 3 of 10").click()
        page.wait_for_function(
            "() => document.querySelector('.sync-status')?.innerText.includes('2 entries waiting')"
        )
        j.shot("08-log-offline-two-waiting")
    finally:
        context.set_offline(False)
    page.wait_for_function(
        "() => document.querySelector('.sync-status')?.innerText.includes('2 entries sent')",
        timeout=30_000,
    )
    assert len(j.stored("use", "craving")) == before + 2


def _installable(j: Journey) -> None:
    page = j.page
    j.go("/")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=20_000)
    session = j.context.new_cdp_session(page)
    try:
        found = session.send("Page.getInstallabilityErrors")
        manifest = session.send("Page.getAppManifest")
    finally:
        session.detach()
    assert found["installabilityErrors"] == []
    assert manifest["errors"] == []
    assert json.loads(manifest["data"])["display"] == "standalone"


def _pin_lock_after_idle(j: Journey) -> None:
    page = j.page
    j.go("/account")
    page.get_by_label("PIN", exact=True).fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Set PIN").click()
    expect(page.get_by_text("Your PIN is set.")).to_be_visible()
    j.server.sessions.skip(LOCK_AFTER_SECONDS + 3)  # she leaves the phone for 18 seconds
    j.go("/history")
    assert page.title() == "ketpath"
    expect(page.get_by_role("heading", name="ketpath is locked")).to_be_visible()
    body = page.locator("body").inner_text().lower()
    for word in ("history", "craving", "bladder", "seizure"):
        assert word not in body
    j.shot("09-pin-lock")
    page.get_by_label("Enter your PIN").fill(PIN)
    page.get_by_role("button", name="Unlock").click()
    page.wait_for_url(f"{j.base}/history")


def _mail_to(inbox: Inbox, address: str, *, seconds: float) -> list[EmailMessage]:
    """The messages to ``address`` once one has arrived, or all there are after ``seconds``."""
    until = time.monotonic() + seconds
    while True:
        found = [message for message in inbox.messages() if message["To"] == address]
        if found or time.monotonic() >= until:
            return found
        time.sleep(0.1)


@pytest.mark.parametrize(("size", "scheme"), VARIANTS)
def test_the_companion_from_first_run_to_the_reminder_email(
    journey: Journey,
    mail: tuple[Inbox, int],
    tmp_path: Path,
    size: ViewportSize,
    scheme: Scheme,
) -> None:
    email = f"companion-{journey.label}@example.org"
    _first_run(journey, email)
    due = _reminders(journey)
    _import_four_flags(journey, tmp_path)
    _log_a_use_from_today_and_undo_it(journey, size)
    _craving(journey)
    _acknowledge_a_flag(journey)
    _offline_entries_sync_once(journey)
    _installable(journey)
    _pin_lock_after_idle(journey)

    inbox, _port = mail
    (message,) = _mail_to(inbox, email, seconds=MAIL_WAIT_SECONDS)
    assert message["To"] == email
    assert parsedate_to_datetime(message["Date"]) >= due  # sent for the minute she chose
    assert message["Subject"] == "Time for your ketpath check-in"
    text = message.get_payload()
    assert isinstance(text, str)
    for word in ("ketamine", "craving", "bladder", "use", "flag"):
        assert word not in f"{message['Subject']} {text}".lower()
