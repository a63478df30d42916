"""Sharing with a clinician, in a real browser, as two new users would do it.

Robin registers and logs a use, blood in the urine (an urgent red flag) and a
PHQ-9. A clinic's administrator creates the clinician's account (the register
page makes only a person's account; ``ketpath user create --role clinician``
or, here, the same service call), and another patient, Sam, already shares
with the clinic. Robin creates a share code on "Sharing"; the clinician
redeems Sam's and then Robin's, finds Robin first on the roster because of the
red flag, reads the patient page, adds a negative drug screen and a note, and
sets Robin's reward schedule. Robin sees who read the data, downloads the PDF
summary (its pages become PNGs with ``pdftoppm``), and revokes; the
clinician's next request for Robin's page answers 404 and the roster no longer
lists Robin. One browser context per account; screenshots ``share-*`` at 360
and 1280 px.
"""

from __future__ import annotations

import io
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from pypdf import PdfReader

from e2e.browsing import PHONE, ROOT, fits_phone_width, follow_menu, register, snap
from ketpath.core.records import parse_record
from ketpath.services import accounts, import_records, open_database
from ketpath.services.consent import create_share
from webtest import TEST_HASHING, LiveServer, free_port

PASSWORD = "a long and private passphrase"
CLINICIAN = "clinician@clinic.example.org"
ROBIN = "robin@example.org"
REPORTS = ROOT / "artifacts" / "report"


@dataclass(frozen=True)
class Clinic:
    """A live server whose database the test can reach, as the clinic's administrator can."""

    url: str
    sam_code: str


@pytest.fixture
def clinic(tmp_path: Path) -> Iterator[Clinic]:
    database = tmp_path / "clinic.db"
    live = LiveServer(database=database, port=free_port())
    live.start()
    try:
        yield Clinic(url=live.url, sam_code=_administrator_setup(database))
    finally:
        live.stop()


def _administrator_setup(database: Path) -> str:
    """The clinician's account, and Sam (one use last week) with a code for the clinic."""
    hasher = accounts.password_hasher(TEST_HASHING)
    with open_database(str(database)) as db:
        accounts.register(db, email=CLINICIAN, password=PASSWORD, role="clinician", hasher=hasher)
        sam = accounts.register(db, email="sam@example.org", password=PASSWORD, hasher=hasher)
        assert sam.person_name is not None
        last_week = (datetime.now(UTC) - timedelta(days=7)).isoformat()
        use = parse_record({"type": "use", "time": last_week, "route": "intranasal"})
        import_records(db, sam.person_name, [use], create=False)
        return create_share(db, user=sam).code


@pytest.fixture
def robin_context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=PHONE, accept_downloads=True)
    yield opened
    opened.close()


@pytest.fixture
def clinician_context(browser: Browser) -> Iterator[BrowserContext]:
    opened = browser.new_context(viewport=PHONE)
    yield opened
    opened.close()


def _nav(page: Page, name: str) -> None:
    """Follow a link of the main navigation."""
    follow_menu(page, name)


def _robin_logs_a_use_a_red_flag_and_a_phq9(robin: Page, base: str) -> None:
    register(robin, base, ROBIN, PASSWORD)
    robin.goto(f"{base}/log")
    robin.get_by_role("button", name="Log a use now").click()
    expect(robin.get_by_role("status")).to_contain_text("Saved.")
    robin.get_by_label("Which symptom").select_option("blood-in-urine")
    robin.get_by_role("button", name="Log symptom").click()
    expect(robin.locator("#flag-blood-in-urine")).to_be_visible()
    robin.goto(f"{base}/questionnaires")
    robin.get_by_role("link", name="PHQ-9").click()
    for position in range(1, 9):
        robin.locator(f"#item-q{position}-1").check()
    robin.locator("#item-q9-0").check()
    robin.get_by_role("button", name="Save answers and see the score").click()
    expect(robin.locator(".result")).to_contain_text("Your score: 8 of 27")
    robin.goto(f"{base}/")
    expect(robin.locator("#flag-blood-in-urine")).to_be_visible()
    snap(robin, "share-01-person-red-flag")


def _robin_creates_a_code(robin: Page, base: str) -> str:
    robin.goto(f"{base}/")
    _nav(robin, "Sharing")
    expect(robin.locator("main")).to_contain_text("Nobody can see your records.")
    robin.get_by_role("button", name="Create a share code").click()
    code = robin.locator(".share-code code").inner_text().strip()
    assert len(code) == 14
    assert fits_phone_width(robin)
    snap(robin, "share-02-person-code")
    return code


def _clinician_logs_in(clinician: Page, base: str) -> None:
    clinician.goto(f"{base}/login")
    clinician.get_by_label("Email").fill(CLINICIAN)
    clinician.get_by_label("Password").fill(PASSWORD)
    clinician.locator("main").get_by_role("button", name="Log in").click()
    clinician.wait_for_url(f"{base}/patients")
    expect(clinician.locator("main")).to_contain_text("Nobody shares with you yet.")


def _redeem(clinician: Page, base: str, code: str, label: str, *, shot: str = "") -> str:
    _nav(clinician, "Redeem a code")
    clinician.get_by_label("Code").fill(code)
    clinician.get_by_label("Your name for this person").fill(label)
    if shot:
        snap(clinician, shot)
    clinician.get_by_role("button", name="Redeem").click()
    clinician.wait_for_url(f"{base}/patients/*")
    expect(clinician.get_by_role("heading", level=1)).to_have_text(label)
    return clinician.url.split("?")[0].split("#")[0]


def _clinician_reads_the_roster_and_the_patient_page(
    clinician: Page, base: str, robin_page: str
) -> None:
    _nav(clinician, "Patients")
    rows = clinician.locator("table.roster tbody tr")
    expect(rows).to_have_count(2)
    # Robin was redeemed second but comes first: the red flag orders the roster.
    expect(rows.nth(0)).to_contain_text("Robin")
    expect(rows.nth(0)).to_contain_text("Urgent")
    expect(rows.nth(1)).to_contain_text("Sam")
    expect(clinician.locator(".attention")).to_contain_text("Robin")
    snap(clinician, "share-04-clinician-roster")

    rows.nth(0).get_by_role("link", name="Robin").click()
    assert clinician.url == robin_page
    expect(clinician.locator("#flag-blood-in-urine")).to_be_visible()
    expect(clinician.locator("#entries .entry")).to_have_count(3)
    expect(clinician.locator("#charts svg").first).to_be_visible()
    phq9 = clinician.locator("#scores table.scores", has_text="PHQ-9")
    expect(phq9).to_contain_text("8")
    assert fits_phone_width(clinician)
    snap(clinician, "share-05-clinician-patient-page")


def _clinician_adds_a_screen_and_a_note(clinician: Page) -> None:
    clinician.get_by_label("Result").select_option("negative")
    clinician.get_by_label("Method").select_option("urine")
    clinician.get_by_role("button", name="Add drug screen").click()
    expect(clinician.locator("#clinical [role=status]")).to_have_text("Saved.")
    clinician.get_by_label("Add a note").fill("Seen today; bladder symptoms referred to the GP.")
    clinician.get_by_role("button", name="Add note").click()
    clinical = clinician.locator("#clinical .entries")
    expect(clinical).to_contain_text("Negative (urine)")
    expect(clinical).to_contain_text("referred to the GP")
    snap(clinician, "share-06-clinician-screen-and-note")


def _clinician_sets_the_reward_schedule(clinician: Page) -> None:
    clinician.get_by_role("link", name="Rewards for negative screens").click()
    expect(clinician.locator("main")).to_contain_text("Running total: $2.50")
    clinician.get_by_label("Value of the first negative screen").fill("5.00")
    clinician.get_by_label("Most a single screen can earn (cap)").fill("30.00")
    clinician.get_by_role("button", name="Save the schedule").click()
    expect(clinician.locator(".saved")).to_contain_text("Saved.")
    expect(clinician.locator("main")).to_contain_text("Running total: $5.00")
    assert fits_phone_width(clinician)
    snap(clinician, "share-07-clinician-reward-settings")


def _robin_sees_rewards_and_who_read(robin: Page, base: str) -> None:
    robin.goto(f"{base}/")  # Rewards joins her menu only once a clinic runs them for her
    _nav(robin, "Rewards")
    expect(robin.locator(".rewards-total")).to_contain_text("Running total: $5.00")
    expect(robin.locator("main")).to_contain_text("Your clinic has set this schedule.")
    snap(robin, "share-08-person-rewards")
    _nav(robin, "Sharing")
    expect(robin.locator(".shares")).to_contain_text(f"Shared with {CLINICIAN}")
    reads = robin.locator("main table")
    for words in (
        "viewed your records",
        "added a negative drug screen",
        "added a note",
        "changed your rewards schedule",
        CLINICIAN,
    ):
        expect(reads).to_contain_text(words)
    snap(robin, "share-09-person-who-read")


def _robin_downloads_the_summary(robin: Page, base: str) -> Path:
    _nav(robin, "Export")
    expect(robin.get_by_role("link", name="Download a summary (PDF)")).to_be_visible()
    today = datetime.now(UTC).date()
    robin.get_by_label("From").fill((today - timedelta(days=29)).isoformat())
    robin.get_by_label("To (inclusive)").fill(today.isoformat())
    snap(robin, "share-10-person-export")
    with robin.expect_download() as download:
        robin.get_by_role("button", name="Download the summary for these dates (PDF)").click()
    REPORTS.mkdir(parents=True, exist_ok=True)
    for old in REPORTS.glob("journey-page-*.png"):
        old.unlink()
    pdf = REPORTS / "journey.pdf"
    download.value.save_as(pdf)
    assert download.value.suggested_filename.startswith("ketpath-summary-")
    return pdf


def _pdf_checks(pdf: Path) -> None:
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert "Blood in urine" in text
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        pytest.fail("pdftoppm is missing: install poppler-utils (make test does)")
    subprocess.run(
        [pdftoppm, "-png", "-r", "80", str(pdf), str(REPORTS / "journey-page")],
        check=True,
        timeout=120,
    )
    images = sorted(REPORTS.glob("journey-page-*.png"))
    assert len(images) == len(reader.pages) >= 1
    assert all(image.stat().st_size > 1000 for image in images)


def _robin_revokes(robin: Page) -> None:
    _nav(robin, "Sharing")
    robin.locator(".shares").get_by_role("button", name="Revoke").click()
    expect(robin.locator("main")).to_contain_text("Nobody can see your records.")
    expect(robin.locator("main")).to_contain_text("revoked")
    snap(robin, "share-11-person-revoked")


def _clinician_is_shut_out(clinician: Page, base: str, robin_page: str) -> None:
    response = clinician.goto(robin_page)
    assert response is not None
    assert response.status == 404
    expect(clinician.locator("main")).not_to_contain_text("Robin")
    snap(clinician, "share-12-clinician-patient-gone")
    clinician.goto(f"{base}/patients")
    rows = clinician.locator("table.roster tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Sam")
    expect(clinician.locator("main")).not_to_contain_text("Robin")
    snap(clinician, "share-13-clinician-roster-after")


def test_a_person_shares_with_a_clinician_and_takes_it_back(
    clinic: Clinic, robin_context: BrowserContext, clinician_context: BrowserContext
) -> None:
    base = clinic.url
    robin = robin_context.new_page()
    clinician = clinician_context.new_page()

    _robin_logs_a_use_a_red_flag_and_a_phq9(robin, base)
    code = _robin_creates_a_code(robin, base)

    _clinician_logs_in(clinician, base)
    _redeem(clinician, base, clinic.sam_code, "Sam")
    robin_page = _redeem(clinician, base, code, "Robin", shot="share-03-clinician-redeem")
    _clinician_reads_the_roster_and_the_patient_page(clinician, base, robin_page)
    _clinician_adds_a_screen_and_a_note(clinician)
    _clinician_sets_the_reward_schedule(clinician)

    _robin_sees_rewards_and_who_read(robin, base)
    _pdf_checks(_robin_downloads_the_summary(robin, base))
    _robin_revokes(robin)

    _clinician_is_shut_out(clinician, base, robin_page)
