"""Red flags on the person's pages: they stand until followed up, and say what to do.

Each test reads what a person would see (the flag's words, the numbers) and
what was stored, not only that a page rendered.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from ketpath.core.records import FollowUp, parse_record
from ketpath.services import log_record, person_records
from ketpath.store import Database


def _log(db: Database, person: str, **fields: Any) -> None:
    log_record(db, person, parse_record(fields), create=True)


def _symptom(db: Database, person: str, name: str, *, days_ago: int, severity: int) -> None:
    logged = datetime.now(UTC) - timedelta(days=days_ago)
    _log(db, person, type="symptom", time=logged.isoformat(), symptom=name, severity=severity)


def _flag_block(page: str, flag_id: str) -> str:
    match = re.search(
        rf'<article class="red-flag[^"]*" id="flag-{flag_id}">(.*?)</article>', page, re.S
    )
    assert match, f"no flag {flag_id} on the page"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_blood_in_urine_from_nine_days_ago_still_shows_until_followed_up(
    alice: Any, client: TestClient, db: Database
) -> None:
    _symptom(db, alice.person_name, "blood-in-urine", days_ago=9, severity=2)
    page = client.get("/").text
    text = _flag_block(page, "blood-in-urine")
    assert "See a doctor this week" in text  # stepped down from "today", not gone
    assert "9 days ago" in text and "no follow-up recorded yet" in text
    assert 'action="/log/follow-up"' in page

    response = client.post(
        "/log/follow-up",
        data={"flag": "blood-in-urine", "outcome": "seen-by-doctor"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/?followed-up=1"
    stored = [r for r in person_records(db, alice.person_name) if isinstance(r, FollowUp)]
    assert [(r.flag, r.outcome) for r in stored] == [("blood-in-urine", "seen-by-doctor")]
    page = client.get("/?followed-up=1").text
    assert 'id="flag-blood-in-urine"' not in page
    assert "Follow-up saved." in page


def test_an_emergency_offers_no_follow_up_inside_its_window(
    alice: Any, client: TestClient, db: Database
) -> None:
    _symptom(db, alice.person_name, "confusion", days_ago=0, severity=1)
    page = client.get("/").text
    text = _flag_block(page, "confusion")
    assert text.startswith("Emergency")
    assert "Call emergency services now" in text
    block = page[page.index('id="flag-confusion"') :]
    block = block[: block.index("</article>")]
    assert "/log/follow-up" not in block


def test_a_follow_up_for_an_unknown_flag_is_refused_and_stores_nothing(
    alice: Any, client: TestClient, db: Database
) -> None:
    response = client.post("/log/follow-up", data={"flag": "not-a-flag", "outcome": "resolved"})
    assert response.status_code == 422
    assert "unknown red flag" in response.text
    assert person_records(db, alice.person_name) == []


def test_suicidal_thoughts_show_a_crisis_line_first(
    alice: Any, client: TestClient, db: Database
) -> None:
    _log(db, alice.person_name, type="profile", timezone="Europe/London")
    _symptom(db, alice.person_name, "suicidal-thoughts", days_ago=0, severity=1)
    text = _flag_block(client.get("/").text, "suicidal-thoughts")
    assert text.index("116 123") < text.index("999")
    assert "You do not have to carry this alone" in text


def test_no_warning_signs_is_never_said_while_a_flag_stands(
    alice: Any, client: TestClient, db: Database
) -> None:
    logged = datetime.now(UTC) - timedelta(days=20)
    _log(db, alice.person_name, type="use", time=(logged - timedelta(days=1)).isoformat())
    _symptom(db, alice.person_name, "jaundice", days_ago=20, severity=2)
    page = client.get("/").text
    assert 'id="flag-jaundice"' in page
    assert "No warning signs in this history" not in page
    assert "No other warning signs at this time; the red flags above still need care." in page


def test_one_use_with_opioids_shows_harm_reduction_with_naloxone(
    alice: Any, client: TestClient, db: Database
) -> None:
    now = datetime.now(UTC) - timedelta(hours=2)
    _log(db, alice.person_name, type="use", time=now.isoformat(), co_use=["opioids"])
    text = _flag_block(client.get("/").text, "high-risk-co-use")
    assert "breathing slowly or cannot be woken" in text
    assert "naloxone" in text


def test_the_course_after_stopping_says_what_never_to_wait_out(
    alice: Any, client: TestClient, db: Database
) -> None:
    now = datetime.now(UTC)
    for days_ago in range(40, 5, -2):  # regular use that stopped five days ago
        when = (now - timedelta(days=days_ago)).isoformat()
        _log(db, alice.person_name, type="use", time=when)
    page = client.get("/").text
    text = " ".join(re.sub(r"<[^>]+>", " ", page).split())
    assert "After stopping" in text
    assert "Never wait these out; get help at once for any of:" in text
    listed = text[text.index("get help at once for any of:") :]
    assert "hallucinations" in listed.split(".")[0] and "confusion" in listed.split(".")[0]
    assert "benzodiazepines or GHB/GBL" in text
    expected = text[text.index("The article lists for this phase:") :].split(".")[0]
    assert "hallucinations" not in expected and "confusion" not in expected


def test_a_follow_up_through_the_api_clears_the_flag_in_the_assessment(
    alice: Any, client: TestClient, db: Database
) -> None:
    _symptom(db, alice.person_name, "jaundice", days_ago=10, severity=2)
    before = client.get("/api/v1/assessment", headers=alice.api).json()
    assert [(f["id"], f["standing"]) for f in before["red_flags"]] == [("jaundice", True)]
    follow_up = {
        "type": "follow-up",
        "time": datetime.now(UTC).isoformat(),
        "flag": "jaundice",
        "outcome": "seen-by-doctor",
    }
    created = client.post("/api/v1/records", json=follow_up, headers=alice.api)
    assert created.status_code == 201, created.text
    after = client.get("/api/v1/assessment", headers=alice.api).json()
    assert after["red_flags"] == []
