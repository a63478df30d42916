"""What a person must be able to trust, in a real browser (issue 12, points 1, 4, 5, 7, 8, 10, 11).

One live server for the module, whose SQLite file the tests also open as the
server's administrator could: what a journey claims was stored (or not
stored) is read back from the database, not only from the page. Each test
registers its own accounts. Points 2, 3 and 6 have their own journeys
(``test_clinic_entries_journey``, ``test_zone_journey``,
``test_sharing_journey``); point 9 is ``test_serve_demo_journey``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, expect

from e2e.browsing import (
    PHONE,
    ROOT,
    confirm_welcome,
    follow_menu,
    log_out,
    menu,
    register,
    require_chromium,
    snap,
)
from ketpath.core.records import DrugScreen, Questionnaire, record_to_dict
from ketpath.services import PersonNotFound, accounts, open_database, person_entries
from ketpath.store import StoredRecord
from webtest import TEST_HASHING, LiveServer, free_port, wait_until_up

PASSWORD = "a long and private passphrase"
CLINICIAN = "clinician@trust.example.org"
EXAMPLE = ROOT / "examples" / "escalating-user.jsonl"
REPORTED_ALREADY_PRESENT = re.compile(
    r"Imported 0 records; (\d+) already present, not stored again\."
)


@dataclass(frozen=True)
class Server:
    url: str
    database: Path


SERVE_WITH_CHEAP_HASHING = """
import sys

import uvicorn

from ketpath.web.app import create_app
from ketpath.web.settings import Settings

settings = Settings(database_url=sys.argv[1], password_profile="CHEAPEST")
uvicorn.run(create_app(settings), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


@dataclass
class CheapHashingServer(LiveServer):
    """The live server with the tests' cheap password hashing (every other setting the default).

    These journeys log in some forty times; at the default argon2 profile that
    alone took half a minute on a busy machine.
    """

    def start(self) -> None:
        command = [
            sys.executable,
            "-c",
            SERVE_WITH_CHEAP_HASHING,
            str(self.database),
            str(self.port),
        ]
        self.process = subprocess.Popen(
            command,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until_up(self.url, self.process)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    require_chromium()
    database = tmp_path_factory.mktemp("trust") / "trust.db"
    live = CheapHashingServer(database=database, port=free_port())
    live.start()
    try:
        with open_database(str(database)) as db:
            accounts.register(
                db,
                email=CLINICIAN,
                password=PASSWORD,
                role="clinician",
                hasher=accounts.password_hasher(TEST_HASHING),
            )
        yield Server(url=live.url, database=database)
    finally:
        live.stop()


# ---------------------------------------------------------------- helpers


def _stored(server: Server, email: str) -> list[StoredRecord]:
    """The person's records as the live server's database holds them."""
    with open_database(str(server.database)) as db:
        with db.unit_of_work() as uow:
            user = uow.users.by_email(email)
            assert user is not None
            assert user.person_name is not None
            name = user.person_name
        try:
            return person_entries(db, name)
        except PersonNotFound:
            return []


def _rows(entries: list[StoredRecord]) -> list[tuple[int, dict[str, Any]]]:
    return sorted((entry.id, record_to_dict(entry.record)) for entry in entries)


def _upload(page: Page, base: str, path: Path) -> None:
    page.goto(f"{base}/export")
    page.get_by_label("File to import").set_input_files(str(path))
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_load_state()


def _imported_message(page: Page) -> str:
    status = page.locator("main p.saved[role=status]")
    expect(status).to_be_visible()
    return status.inner_text().strip()


def _download(page: Page, base: str, link: str, to: Path) -> Path:
    page.goto(f"{base}/export")
    with page.expect_download() as download:
        page.get_by_role("link", name=link).click()
    download.value.save_as(to)
    return to


def _dashboard_text(page: Page, base: str) -> str:
    page.goto(f"{base}/")
    return page.locator("main").inner_text()


def _menu(page: Page) -> list[str]:
    return menu(page)


def _log_in(page: Page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.locator("main").get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


def _log_out(page: Page) -> None:
    log_out(page)
    page.wait_for_url("**/login")


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).replace(microsecond=0).isoformat()


# ---------------------------------------------------------------- point 1: nothing doubles


def test_importing_your_own_export_again_changes_nothing(
    page: Page, server: Server, tmp_path: Path
) -> None:
    base, email = server.url, "again@example.org"
    register(page, base, email, PASSWORD)
    _upload(page, base, EXAMPLE)
    assert re.fullmatch(r"Imported \d+ records\.", _imported_message(page))
    stored_before = _rows(_stored(server, email))
    dashboard_before = _dashboard_text(page, base)
    assert "Warning signs" in dashboard_before
    assert "with alcohol" in dashboard_before  # the depressant co-use the issue saw double

    export = _download(page, base, "Download JSONL", tmp_path / "mine.jsonl")
    lines = [line for line in export.read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == len(stored_before)
    _upload(page, base, export)
    message = _imported_message(page)
    snap(page, "trust-01-reimport")
    assert REPORTED_ALREADY_PRESENT.fullmatch(message), message
    assert message == f"Imported 0 records; {len(lines)} already present, not stored again."

    assert _rows(_stored(server, email)) == stored_before
    assert _dashboard_text(page, base) == dashboard_before
    again = _download(page, base, "Download JSONL", tmp_path / "again.jsonl")
    assert again.read_text(encoding="utf-8") == export.read_text(encoding="utf-8")


def test_the_same_one_line_file_imported_twice_is_stored_once(
    page: Page, server: Server, tmp_path: Path
) -> None:
    base, email = server.url, "oneline@example.org"
    register(page, base, email, PASSWORD)
    when = _ago(days=1)
    one = tmp_path / "one.jsonl"
    one.write_text(
        json.dumps({"type": "use", "time": when, "route": "intranasal", "dose_mg": 40}) + "\n",
        encoding="utf-8",
    )
    _upload(page, base, one)
    assert _imported_message(page) == "Imported 1 record."
    _upload(page, base, one)
    assert _imported_message(page) == "Imported 0 records; 1 already present, not stored again."
    uses = [e for e in _stored(server, email) if e.record.type == "use"]
    assert len(uses) == 1
    assert record_to_dict(uses[0].record)["dose_mg"] == 40
    page.goto(f"{base}/history")
    expect(page.locator("#entries .entry", has_text="40 mg")).to_have_count(1)


# ---------------------------------------------------------------- point 4: our own FHIR, person-worded errors


def test_a_fresh_account_imports_ketpaths_own_fhir_export(
    browser: Browser, server: Server, tmp_path: Path
) -> None:
    base = server.url
    first, second = (browser.new_context(viewport=PHONE, accept_downloads=True) for _ in "ab")
    try:
        giver = first.new_page()
        register(giver, base, "fhir-giver@example.org", PASSWORD)
        _upload(giver, base, EXAMPLE)
        bundle = _download(giver, base, "Download FHIR (R4 Bundle)", tmp_path / "fhir.json")
        assert json.loads(bundle.read_text(encoding="utf-8"))["resourceType"] == "Bundle"
        given = [
            record_to_dict(e.record)
            for e in _stored(server, "fhir-giver@example.org")
            if isinstance(e.record, Questionnaire)
        ]
        assert given

        taker = second.new_page()
        register(taker, base, "fhir-taker@example.org", PASSWORD)
        _upload(taker, base, bundle)
        expect(taker.locator("#form-error")).to_have_count(0)
        message = _imported_message(taker)
        assert re.fullmatch(r"Imported \d+ records\.", message), message
        taken = _stored(server, "fhir-taker@example.org")
        questionnaires = [
            record_to_dict(e.record) for e in taken if isinstance(e.record, Questionnaire)
        ]
        assert sorted(questionnaires, key=lambda r: r["time"]) == sorted(
            given, key=lambda r: r["time"]
        )
        profiles = [record_to_dict(e.record) for e in taken if e.record.type == "profile"]
        assert (1998, "male") in [(p.get("birth_year"), p.get("sex")) for p in profiles]
        taker.goto(f"{base}/questionnaires")
        expect(taker.locator("li.instrument", has_text="PHQ-9")).to_contain_text("Latest:")
    finally:
        first.close()
        second.close()


def test_a_bad_time_is_named_in_a_persons_words_and_nothing_is_stored(
    page: Page, server: Server, tmp_path: Path
) -> None:
    base, email = server.url, "badtime@example.org"
    register(page, base, email, PASSWORD)
    before = _rows(_stored(server, email))
    good = _ago(days=2)
    csv = tmp_path / "uses.csv"
    csv.write_text(
        f"time,dose_mg,route\n{good},50,intranasal\n01/10/2026 22:00,40,intranasal\n",
        encoding="utf-8",
    )
    jsonl = tmp_path / "uses.jsonl"
    jsonl.write_text(
        json.dumps({"type": "use", "time": good, "route": "intranasal"})
        + "\n"
        + json.dumps({"type": "use", "time": "01/10/2026 22:00", "route": "intranasal"})
        + "\n",
        encoding="utf-8",
    )
    for path, line in ((csv, 3), (jsonl, 2)):
        _upload(page, base, path)
        error = page.locator("#form-error")
        expect(error).to_contain_text(
            f"Nothing was imported. Line {line}: time: the time '01/10/2026 22:00' is not a "
            "date and time ketpath reads; write 2026-10-01T22:00"
        )
        shown = error.inner_text()
        for pydantic in ("validation error", "Input should be", "type=", "pydantic"):
            assert pydantic not in shown
        expect(page.locator("main p.saved[role=status]")).to_have_count(0)
        assert _rows(_stored(server, email)) == before
    snap(page, "trust-02-bad-time")


# ---------------------------------------------------------------- point 5: questionnaire cards


def test_each_questionnaire_card_counts_its_real_questions(page: Page, server: Server) -> None:
    base = server.url
    register(page, base, "cards@example.org", PASSWORD)
    page.goto(f"{base}/questionnaires")
    assert "built-in method" not in page.locator("main").inner_text()
    cards = page.locator("li.instrument")
    shown: dict[str, tuple[int, str]] = {}
    for index in range(cards.count()):
        card = cards.nth(index)
        link = card.get_by_role("link")
        found = re.search(r"· (\d+) questions ·", card.inner_text())
        assert found is not None, card.inner_text()
        shown[link.inner_text().strip()] = (int(found.group(1)), link.get_attribute("href") or "")
    assert len(shown) >= 5
    assert shown["PHQ-9"][0] == 9
    assert shown["GAD-7"][0] == 7
    for name, (count, href) in shown.items():
        page.goto(f"{base}{href}")
        assert page.locator("fieldset.item").count() == count, name


# ---------------------------------------------------------------- point 7 and 10: rewards and reads


def _share_with_the_clinic(person: Page, clinician: Page, base: str, label: str) -> str:
    """The person makes a code, the clinician redeems it; the clinician's patient page URL."""
    person.goto(f"{base}/sharing")
    person.get_by_role("button", name="Create a share code").click()
    code = person.locator(".share-code code").inner_text().strip()
    _log_in(clinician, base, CLINICIAN, PASSWORD)
    clinician.goto(f"{base}/redeem")
    clinician.get_by_label("Code").fill(code)
    clinician.get_by_label("Your name for this person").fill(label)
    clinician.get_by_role("button", name="Redeem").click()
    clinician.wait_for_url(f"{base}/patients/*")
    return clinician.url.split("?")[0].split("#")[0]


def _add_screen(clinician: Page, result: str) -> None:
    clinician.get_by_label("Result").select_option(result)
    clinician.get_by_label("Method").select_option("urine")
    clinician.get_by_role("button", name="Add drug screen").click()
    expect(clinician.locator("#clinical [role=status]")).to_have_text("Saved.")


def test_a_person_without_a_clinic_sees_no_rewards(page: Page, server: Server) -> None:
    base = server.url
    register(page, base, "noclinic@example.org", PASSWORD)
    assert "Rewards" not in _menu(page)
    page.goto(f"{base}/rewards")
    main = page.locator("main").inner_text()
    assert "No clinic runs rewards for you." in main
    for schedule_words in ("$", "Running total", "cocaine", "Next negative"):
        assert schedule_words not in main


def test_a_clinics_patient_sees_rewards_in_the_clinics_currency(
    browser: Browser, server: Server
) -> None:
    base = server.url
    person_context = browser.new_context(viewport=PHONE)
    clinician_context = browser.new_context(viewport=PHONE)
    try:
        person, clinician = person_context.new_page(), clinician_context.new_page()
        register(person, base, "pounds@example.org", PASSWORD)
        patient_page = _share_with_the_clinic(person, clinician, base, "Pat")
        clinician.get_by_role("link", name="Rewards for negative screens").click()
        clinician.get_by_label("Currency").select_option("GBP")
        clinician.get_by_label("Value of the first negative screen").fill("4.00")
        clinician.get_by_role("button", name="Save the schedule").click()
        expect(clinician.locator(".saved")).to_contain_text("Saved.")
        clinician.goto(patient_page)
        _add_screen(clinician, "negative")

        page = person_context.new_page()  # a fresh page: the menu is built per request
        page.goto(f"{base}/")
        assert "Rewards" in _menu(page)
        follow_menu(page, "Rewards")
        rewards = page.locator("#rewards")
        expect(rewards.locator(".rewards-total")).to_contain_text("Running total: £4.00")
        expect(rewards).to_contain_text("The next negative screen earns £5.25")
        expect(rewards).to_contain_text("Value of a negative screen at each step: £4.00, £5.25")
        expect(rewards).to_contain_text("Your clinic has set this schedule.")
        amounts = [
            *rewards.locator(
                ".rewards-events td:nth-child(4), .rewards-events td:nth-child(5)"
            ).all_inner_texts(),
            *rewards.locator(".rewards-settings td:nth-child(2)").all_inner_texts(),
        ]
        assert "£4.00" in amounts
        # Amounts are the clinic's pounds; only the cited study's own figures are in dollars.
        assert not [amount for amount in amounts if "$" in amount], amounts
    finally:
        person_context.close()
        clinician_context.close()


def _a_zone_whose_date_is_not_utcs() -> str:
    """A zone where today is another date than in UTC right now (+14 h late in the UTC day, -11 h early)."""
    return "Pacific/Kiritimati" if datetime.now(UTC).hour >= 10 else "Pacific/Pago_Pago"


def test_who_read_your_data_groups_by_clinician_and_day_in_the_persons_zone(
    browser: Browser, server: Server
) -> None:
    base = server.url
    zone = _a_zone_whose_date_is_not_utcs()
    person_context = browser.new_context(viewport=PHONE, timezone_id=zone)
    clinician_context = browser.new_context(viewport=PHONE)
    try:
        person, clinician = person_context.new_page(), clinician_context.new_page()
        person.goto(f"{base}/register")
        person.get_by_label("Email").fill("reads@example.org")
        person.get_by_label("Password").fill(PASSWORD)
        person.get_by_role("button", name="Create account").click()
        person.get_by_label("Password").fill(PASSWORD)
        person.get_by_role("button", name="Log in").click()
        confirm_welcome(person, base)

        patient_page = _share_with_the_clinic(person, clinician, base, "Reader")
        for _ in range(3):
            clinician.goto(patient_page)
        _add_screen(clinician, "positive")

        person.goto(f"{base}/sharing")
        table = person.locator("table.reads")
        expect(table.locator("caption")).to_have_text(f"By day, in your time zone ({zone})")
        rows = table.locator("tbody tr")
        expect(rows).to_have_count(1)  # one clinician, one day: one line
        local_today = datetime.now(ZoneInfo(zone)).date()
        assert local_today != datetime.now(UTC).date()
        day = rows.nth(0).locator("time")
        assert day.get_attribute("datetime") == local_today.isoformat()
        assert day.inner_text() == local_today.strftime("%a %d %b %Y")
        cells = rows.nth(0).locator("td").all_inner_texts()
        assert cells[1] == CLINICIAN
        what = cells[2].split("; ")
        assert "added a positive drug screen" in what
        viewed = [phrase for phrase in what if phrase.startswith("viewed your records")]
        assert len(viewed) == 1
        found = re.fullmatch(r"viewed your records (\d+) times", viewed[0])
        assert found is not None and int(found.group(1)) >= 3, viewed
        snap(person, "trust-03-who-read")

        records = [e.record for e in _stored(server, "reads@example.org")]
        assert [r.result for r in records if isinstance(r, DrugScreen)] == ["positive"]
    finally:
        person_context.close()
        clinician_context.close()


# ---------------------------------------------------------------- point 8: logins and recovery


def test_correct_logins_pass_wrong_ones_are_limited_and_a_recovery_code_works_once(
    page: Page, server: Server
) -> None:
    base, email = server.url, "forgetful@example.org"
    new_password = "a brand new and longer passphrase"
    page.goto(f"{base}/register")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    codes = confirm_welcome(page, base)
    assert len(codes) == 8
    assert len(set(codes)) == 8
    # Shown once: the welcome step again shows no codes.
    page.goto(f"{base}/welcome")
    page.get_by_role("button", name="Confirm and show my recovery codes").click()
    expect(page.locator("main")).to_contain_text("You already have recovery codes.")
    main = page.locator("main").inner_text()
    assert not any(code in main for code in codes)
    _log_out(page)

    started = time.monotonic()
    for attempt in range(6):
        _log_in(page, base, email, PASSWORD)
        assert page.url == f"{base}/", f"correct login {attempt + 1} refused"
        expect(page.get_by_role("heading", level=1)).to_have_text("Where things stand")
        _log_out(page)
    assert time.monotonic() - started < 60  # six in a minute: the limit counts failures only

    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_label("New password").fill(new_password)
    page.get_by_role("button", name="Set the new password and log in").click()
    page.wait_for_url(f"{base}/account*")
    main = page.locator("main").inner_text()
    assert "Your new password is set" in main
    assert "You have 7 unused recovery codes." in main
    _log_out(page)

    _log_in(page, base, email, new_password)
    assert page.url == f"{base}/"
    _log_out(page)

    page.goto(f"{base}/login/recover")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Recovery code").fill(codes[0])
    page.get_by_label("New password").fill("yet another long passphrase")
    page.get_by_role("button", name="Set the new password and log in").click()
    expect(page.locator("#recover-error")).to_have_text(
        "That email and recovery code do not match an account, or the code has already been used."
    )

    _log_in(page, base, email, PASSWORD)  # the old password no longer works
    refused = page.locator("main [role=alert]")
    expect(refused).to_have_text("That email and password do not match an account.")
    messages = []
    for _ in range(5):
        _log_in(page, base, email, "not the password at all")
        messages.append(page.locator("main [role=alert]").inner_text().strip())
    assert "That email and password do not match an account." in messages
    assert re.fullmatch(r"Too many attempts\. Try again in \d+ seconds\.", messages[-1]), messages


# ---------------------------------------------------------------- point 11: the period form, wording


PERSON_PAGES = (
    "/",
    "/log",
    "/history",
    "/questionnaires",
    "/questionnaires/phq9",
    "/plan",
    "/learn",
    "/help",
    "/export",
    "/sharing",
    "/rewards",
    "/account",
)


def _wording_history(path: Path) -> Path:
    """A stop goal broken by a use with alcohol, a craving to cope with stress, a high PHQ-9."""
    records = [
        {"type": "goal", "time": _ago(days=20), "goal": "stop"},
        {
            "type": "use",
            "time": _ago(days=10),
            "route": "intranasal",
            "dose_mg": 50,
            "motive": "cope-stress",
            "co_use": ["alcohol"],
        },
        {"type": "craving", "time": _ago(days=5), "intensity": 7, "trigger": "cope-stress"},
        {
            "type": "questionnaire",
            "time": _ago(days=3),
            "instrument": "phq9",
            "answers": [2, 2, 2, 2, 2, 2, 2, 2, 0],
        },
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_a_backwards_pdf_period_shows_the_form_again_and_the_words_read_well(
    page: Page, server: Server, tmp_path: Path
) -> None:
    base = server.url
    register(page, base, "words@example.org", PASSWORD)
    _upload(page, base, _wording_history(tmp_path / "words.jsonl"))
    assert _imported_message(page) == "Imported 4 records."

    today = datetime.now(UTC).date()
    page.goto(f"{base}/export")
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("To (inclusive)").fill((today - timedelta(days=7)).isoformat())
    page.get_by_role("button", name="Download the summary for these dates (PDF)").click()
    page.wait_for_url(f"{base}/report.pdf?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Export and import")
    expect(page.locator("#report-error")).to_have_text(
        "No summary made. To: The period ends before it starts."
    )
    expect(page.locator("#form-error")).to_have_count(0)  # the import form is not blamed
    expect(page.get_by_label("From")).to_have_value(today.isoformat())
    expect(page.get_by_label("To (inclusive)")).to_have_value(
        (today - timedelta(days=7)).isoformat()
    )
    snap(page, "trust-04-backwards-period")

    texts = {}
    for path in PERSON_PAGES:
        page.goto(f"{base}{path}")
        texts[path] = page.locator("body").inner_text()
    everything = "\n".join(texts.values())
    assert "(s)" not in everything
    assert "PHQ9" not in everything
    assert "(cope-stress)" not in everything
    assert "Craving: Craving" not in everything
    assert "1 attempt to stop in the last 90 days" in texts["/"]
    assert "Latest PHQ-9 score 16" in texts["/"]
    craving = page.locator("#entries .entry", has_text="7 of 10")
    page.goto(f"{base}/history")
    expect(craving.locator(".entry-type")).to_have_text("Craving")
    expect(craving.locator("p").nth(1)).to_have_text("7 of 10 (to cope with stress)")

    favicon = page.locator("link[rel=icon]")
    href = favicon.get_attribute("href")
    assert href is not None
    response = page.request.get(f"{base}{href}")
    assert response.status == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert "<svg" in response.text()
