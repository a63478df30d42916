"""A clinic's entry and the person's answer to it, in a real browser (issue 12, points 2 and 6).

Robin (an account the clinic's test set-up makes) logs in and shares with the clinic. The clinician, whose menu is the
clinic's own (Patients, Redeem a code, Account), redeems the code, adds a
positive urine screen (the result has to be chosen), and corrects its time.
Robin finds it on History with its result, cannot delete it, and disputes
it; the clinician sees the dispute next to the screen, and Robin's Sharing
page names the correction. Stored data is checked as well as the text.
Screenshots ``clinic-entry-*`` at 360 and 1280 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from e2e.browsing import PHONE, fits_phone_width, follow_menu, menu, snap
from ketpath.core.records import DrugScreen, Note
from ketpath.services import accounts, open_database, person_entries
from ketpath.store import Database
from webtest import TEST_HASHING, LiveServer, free_port

PASSWORD = "a long and private passphrase"
CLINICIAN = "clinician@clinic.example.org"
ROBIN = "robin@example.org"
DISPUTE = "I took codeine for a toothache that week; the screen picked that up."


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    database = tmp_path / "clinic.db"
    live = LiveServer(database=database, port=free_port())
    live.start()
    try:
        hasher = accounts.password_hasher(TEST_HASHING)
        with open_database(str(database)) as db:
            accounts.register(
                db, email=CLINICIAN, password=PASSWORD, role="clinician", hasher=hasher
            )
            # Robin's account is made here rather than on /register, whose
            # first-run steps (recovery codes) are another journey's business.
            accounts.register(db, email=ROBIN, password=PASSWORD, hasher=hasher)
        yield live.url, database
    finally:
        live.stop()


@pytest.fixture
def two_contexts(browser: Browser) -> Iterator[tuple[BrowserContext, BrowserContext]]:
    robin = browser.new_context(viewport=PHONE)
    clinician = browser.new_context(viewport=PHONE)
    yield robin, clinician
    robin.close()
    clinician.close()


def _menu(page: Page) -> list[str]:
    return menu(page)


def _log_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _robin_shares(robin: Page, base: str) -> str:
    _log_in(robin, base, ROBIN)
    robin.goto(f"{base}/")
    assert "Patients" not in _menu(robin)
    assert "Rewards" not in _menu(robin)  # no clinic runs rewards for Robin
    follow_menu(robin, "Sharing")
    robin.get_by_role("button", name="Create a share code").click()
    return robin.locator(".share-code code").inner_text().strip()


def _clinician_redeems(clinician: Page, base: str, code: str) -> str:
    _log_in(clinician, base, CLINICIAN)
    clinician.goto(f"{base}/patients")
    assert _menu(clinician) == ["Patients", "Redeem a code", "Account", "Log out"]
    snap(clinician, "clinic-entry-01-clinician-menu")
    clinician.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Redeem a code"
    ).click()
    clinician.get_by_label("Code").fill(code)
    clinician.get_by_label("Your name for this person").fill("Robin")
    clinician.get_by_role("button", name="Redeem").click()
    clinician.wait_for_url(f"{base}/patients/*")
    return clinician.url.split("?")[0].split("#")[0]


def _clinician_adds_and_corrects_a_screen(clinician: Page, taken: datetime) -> None:
    result = clinician.get_by_label("Result")
    expect(result).to_have_value("")  # no default: the clinician must choose
    result.select_option("positive")
    clinician.get_by_label("Method").select_option("urine")
    clinician.get_by_role("button", name="Add drug screen").click()
    clinical = clinician.locator("#clinical .clinical-entries")
    expect(clinical).to_contain_text("Positive (urine)")
    # The sample was taken the day before: correct the time.
    clinical.get_by_role("link", name="Correct").first.click()
    expect(clinician.get_by_label("Result")).to_have_value("positive")
    clinician.get_by_label("When").fill(taken.strftime("%Y-%m-%dT%H:%M"))
    snap(clinician, "clinic-entry-02-clinician-correction")
    clinician.get_by_role("button", name="Save the correction").click()
    expect(clinician.locator("#clinical [role=status]")).to_have_text("Corrected.")
    expect(clinician.locator("#clinical .clinical-entries")).to_contain_text(
        taken.strftime("%d %b %Y, %H:%M")
    )


def _robin_disputes_it(robin: Page, base: str) -> None:
    robin.goto(f"{base}/history")
    entry = robin.locator("#entries .entry", has_text="Drug screen: positive (urine)")
    expect(entry).to_contain_text("entered by your clinic")
    expect(entry.get_by_role("link", name="Delete")).to_have_count(0)
    entry.get_by_role("link", name="Dispute this").click()
    robin.get_by_label("What is wrong with it").fill(DISPUTE)
    snap(robin, "clinic-entry-03-person-dispute")
    robin.get_by_role("button", name="Send my note to the clinic").click()
    robin.wait_for_url(f"{base}/history*")
    expect(robin.locator("#entries .entry", has_text="Drug screen: positive")).to_contain_text(
        f"You disputed this: {DISPUTE}"
    )
    assert fits_phone_width(robin)


def test_a_clinician_corrects_a_screen_and_the_person_disputes_it(
    clinic: tuple[str, Path], two_contexts: tuple[BrowserContext, BrowserContext]
) -> None:
    base, database = clinic
    robin, clinician = (context.new_page() for context in two_contexts)
    taken = (datetime.now(UTC) - timedelta(days=1)).replace(hour=9, minute=15, second=0)
    taken = taken.replace(microsecond=0)

    code = _robin_shares(robin, base)
    patient_page = _clinician_redeems(clinician, base, code)
    _clinician_adds_and_corrects_a_screen(clinician, taken)
    _robin_disputes_it(robin, base)

    clinician.goto(patient_page)
    screen_row = clinician.locator("#clinical .clinical-entries li", has_text="Positive (urine)")
    expect(screen_row).to_contain_text("Disputed by the person")
    expect(screen_row).to_contain_text(DISPUTE)
    snap(clinician, "clinic-entry-04-clinician-sees-dispute")

    robin.goto(f"{base}/sharing")
    expect(robin.locator("table.reads")).to_contain_text("corrected a drug screen (now positive)")
    expect(robin.locator("table.reads")).to_contain_text("added a positive drug screen")

    with open_database(str(database)) as db:
        entries = person_entries(db, _robins_name(db))
    screens = [e for e in entries if isinstance(e.record, DrugScreen)]
    notes = [e for e in entries if isinstance(e.record, Note)]
    assert len(screens) == 1
    screen = screens[0].record
    assert isinstance(screen, DrugScreen) and screen.time == taken
    assert screens[0].created_role == "clinician"
    assert len(notes) == 1
    assert isinstance(notes[0].record, Note)
    assert (notes[0].record.about, notes[0].record.text) == (screens[0].record.id, DISPUTE)


def _robins_name(db: Database) -> str:
    """Robin's person name, as the store keeps it."""
    with db.unit_of_work() as uow:
        user = uow.users.by_email(ROBIN)
        assert user is not None
        assert user.person_name is not None
        return user.person_name
