"""The dashboard: red flags first, then stage, time since last use, signals, course, body."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketpath.core.records import Record, parse_record
from ketpath.services import import_records, log_record
from ketpath.store import Database


def _noon_days_ago(days: int) -> datetime:
    """Noon (UTC) on the date ``days`` days before today's.

    The dashboard counts days by date in the person's zone (UTC here). A
    time such as "now minus N days and 2 hours" falls on the date before
    when the test runs between midnight and two o'clock, and these tests
    failed then (one use-day fewer, one day more since the last use).
    """
    return (datetime.now(UTC) - timedelta(days=days)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )


def _recent_uses(days: int) -> list[Record]:
    """A use every other day for ``days`` days up to yesterday, with amounts and coping motives."""
    return [
        parse_record(
            {
                "type": "use",
                "time": _noon_days_ago(day).isoformat(),
                "dose_mg": 50 + day,
                "route": "intranasal",
                "setting": "home-alone",
                "motive": "cope-stress",
            }
        )
        for day in range(1, days, 2)
    ]


def test_it_renders_for_a_new_person_with_nothing_logged(alice: Any, client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "Nothing logged yet" in response.text
    assert '<h2 id="stage-heading">Stage: No use logged</h2>' in response.text
    assert '<p class="today-headline">No use logged.</p>' in response.text


def test_it_asks_anonymous_visitors_to_log_in(app: Any) -> None:
    with TestClient(app, base_url="http://127.0.0.1") as anonymous:
        response = anonymous.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


def test_it_shows_her_stage_frequency_and_signals(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, _recent_uses(30))
    page = client.get("/").text
    assert '<h2 id="stage-heading">Stage: Signs of dependence</h2>' in page
    assert "Last 30 days:" in page
    assert "15 use-days" in page
    assert "Using outside social settings" in page
    assert "Using to cope" in page
    assert 'grade <span class="grade grade-U">U</span>' in page  # each signal shows its grade
    assert "ketpath project. Default thresholds" in page  # and the citation of its source


def test_the_red_flag_comes_first_after_logging_blood_in_urine(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, _recent_uses(30))
    saved = client.post("/log/symptom", data={"symptom": "blood-in-urine", "severity": "1"})
    assert saved.status_code == 200
    assert 'id="flag-blood-in-urine"' in saved.text  # shown right after saving
    page = client.get("/").text
    flag = page.index('id="flag-blood-in-urine"')
    assert flag < page.index("<main")
    assert flag < page.index("<h1")
    assert "Get medical care today" in page[flag:]
    assert "What to do:" in page[flag:]
    assert 'href="tel:112"' in page[flag:]  # the local emergency number (no profile: INTL)


def test_red_flags_use_the_numbers_of_her_locale(
    alice: Any, client: TestClient, db: Database
) -> None:
    profile = parse_record({"type": "profile", "timezone": "Europe/London"})
    import_records(db, alice.person_name, [profile])
    client.post("/log/symptom", data={"symptom": "seizure", "severity": "3"})
    page = client.get("/").text
    assert 'id="flag-seizure"' in page
    assert "999" in page[: page.index("<main")]


def test_it_shows_the_course_after_stopping_with_its_caveat(
    alice: Any, client: TestClient, db: Database
) -> None:
    now = datetime.now(UTC)
    uses = [
        parse_record(
            {"type": "use", "time": (now - timedelta(days=day)).isoformat(), "dose_mg": 60}
        )
        for day in range(5, 65)
    ]
    import_records(db, alice.person_name, uses)
    page = client.get("/").text
    assert "After stopping" in page
    assert "5 days since the last use" in page
    assert "ICD-11" in page  # the caveat: most authorities recognise no withdrawal syndrome


def test_it_shows_the_body_section_without_dose_advice(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, _recent_uses(20))
    page = client.get("/").text
    assert "What the doses did (model estimate)" in page
    assert "never a reason to take more" in page
    for advice in (
        "you should take",
        "recommended dose",
        "safe dose",
        "take less",
        "take more than",
    ):
        assert advice not in page.lower()


def _body_section(page: str) -> str:
    start = page.index('id="body-heading"')
    return page[start : page.index("</section>", start)]


def test_the_body_section_shows_tolerance_in_words_never_as_a_percentage_or_multiplier(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, _recent_uses(40))
    section = _body_section(client.get("/").text)
    assert "Tolerance in the model is" in section
    assert re.search(r"is (low|moderate|high) and (rising|steady|falling)", section)
    for text in (section.split('<details class="evidence">')[0], section):
        assert "%" not in text
        assert "×" not in text
        assert not re.search(r"\b\d+(\.\d+)?\s*x\b|\d\.\d|ng·h/mL", text)


def test_after_a_break_the_body_section_says_a_usual_amount_is_now_more_dangerous(
    alice: Any, client: TestClient, db: Database
) -> None:
    uses = [
        parse_record(
            {
                "type": "use",
                "time": _noon_days_ago(day).isoformat(),
                "dose_mg": 300,
                "route": "intranasal",
            }
        )
        for day in range(20, 80)
    ]
    import_records(db, alice.person_name, uses)
    section = _body_section(client.get("/").text)
    assert "20 days since the last use" in section
    assert "more dangerous than before" in section
    assert "is low and falling" in section
    assert 'class="grade grade-C"' in section  # the claim's grade, with its sources


def test_it_never_shows_another_persons_data(
    alice: Any, charlie: Any, client: TestClient, db: Database
) -> None:
    log_record(
        db,
        charlie.person_name,
        parse_record(
            {
                "type": "symptom",
                "time": datetime.now(UTC).isoformat(),
                "symptom": "jaundice",
                "severity": 2,
            }
        ),
    )
    page = client.get("/").text
    assert "flag-jaundice" not in page
    assert "flag-jaundice" in charlie.client.get("/").text
