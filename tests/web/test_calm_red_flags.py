"""Red flags that stay calm (issue 14, point 1): one "needs care" card away from Today.

Alice has four flags at once: a seizure today (an emergency), blood in her
urine two days ago, jaundice three weeks ago and a use with opioids. Each test
reads what she would see: the words, the count, the phone numbers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from ketpath.core.records import parse_record
from ketpath.services import log_record
from ketpath.store import Database


def _log(db: Database, person: str, **fields: Any) -> None:
    log_record(db, person, parse_record(fields), create=True)


def _ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


@pytest.fixture
def four_flags(alice: Any, db: Database) -> None:
    name = alice.person_name
    _log(db, name, type="profile", timezone="Europe/London")
    _log(db, name, type="use", time=_ago(days=22))
    _log(db, name, type="symptom", time=_ago(days=20), symptom="jaundice", severity=2)
    _log(db, name, type="symptom", time=_ago(days=2), symptom="blood-in-urine", severity=2)
    _log(db, name, type="use", time=_ago(hours=3), co_use=["opioids"])
    _log(db, name, type="symptom", time=_ago(hours=1), symptom="seizure", severity=3)


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _flags_section(page: str) -> str:
    start = page.index('<section class="red-flags')
    return page[start : page.index("</section>", start)]


def _levels(page: str) -> list[tuple[str, str]]:
    return re.findall(r'<article class="red-flag level-(\w+)" id="flag-([\w-]+)">', page)


def test_away_from_today_the_other_flags_fold_into_one_needs_care_card(
    four_flags: None, client: TestClient
) -> None:
    page = client.get("/history").text
    flags = _flags_section(page)
    assert flags.count('<details class="needs-care">') == 1
    card = flags[flags.index('<details class="needs-care">') :]
    assert _text(card).startswith("Needs care: 3 red flags")
    folded = sorted(flag for _, flag in re.findall(r'level-(\w+)" id="flag-([\w-]+)"', card))
    assert folded == ["blood-in-urine", "high-risk-co-use", "jaundice"]
    # each folded flag can still be acknowledged with the follow-up buttons
    assert card.count('action="/log/follow-up"') >= 1
    assert 'value="blood-in-urine"' in card or 'value="jaundice"' in card


def test_an_emergency_is_never_folded_and_says_what_to_do_in_full(
    four_flags: None, client: TestClient
) -> None:
    for path in ("/log", "/history", "/plan", "/more", "/help"):
        page = client.get(path).text
        flags = _flags_section(page)
        before_card = flags[: flags.index('<details class="needs-care">')]
        assert 'id="flag-seizure"' in before_card, path
        assert "Call emergency services now" in _text(before_card), path
        assert 'href="tel:999"' in before_card, path
        assert "<details" not in before_card.split('id="flag-seizure"')[0], path


def test_today_shows_every_flag_in_full_with_its_follow_up(
    four_flags: None, client: TestClient
) -> None:
    page = client.get("/").text
    assert "needs-care" not in page
    assert next(flag for _, flag in _levels(page)) == "seizure"
    assert {flag for _, flag in _levels(page)} == {
        "seizure",
        "blood-in-urine",
        "jaundice",
        "high-risk-co-use",
    }
    assert _text(page).count("What to do:") == 4


@pytest.mark.parametrize(
    "path", ["/", "/log", "/history", "/plan", "/questionnaires", "/more", "/help"]
)
def test_each_phone_number_is_shown_once_on_a_page(
    four_flags: None, client: TestClient, path: str
) -> None:
    page = client.get(path).text
    numbers = re.findall(r'href="tel:([^"]+)"', page)
    assert numbers, "the flags list numbers"
    assert "999" in numbers
    assert sorted(numbers) == sorted(set(numbers))


def test_one_flag_away_from_today_is_counted_in_the_singular(
    alice: Any, client: TestClient, db: Database
) -> None:
    _log(
        db,
        alice.person_name,
        type="symptom",
        time=_ago(days=2),
        symptom="blood-in-urine",
        severity=2,
    )
    text = _text(_flags_section(client.get("/log").text))
    assert text.startswith("Needs attention Needs care: 1 red flag ")


def test_the_help_page_lists_only_the_numbers_the_emergency_does_not(
    four_flags: None, client: TestClient
) -> None:
    page = client.get("/help").text
    numbers = page[page.index('<section class="card help-numbers"') :]
    numbers = numbers[: numbers.index("</section>")]
    flags = _flags_section(page)
    in_flags = set(re.findall(r'href="tel:([^"]+)"', flags))
    in_help = set(re.findall(r'href="tel:([^"]+)"', numbers))
    assert in_flags and in_help and in_help.isdisjoint(in_flags)  # each number once per page
    assert "The numbers listed with the emergency above are not repeated here." in numbers


def test_a_number_is_never_left_only_inside_a_folded_card_on_the_help_page(
    alice: Any, db: Database, client: TestClient
) -> None:
    """With an urgent flag folded away, the Help list still shows the emergency number.

    The e2e journey found 112/999 missing from Help: it sat only inside the
    closed "needs care" card.
    """
    _log(
        db,
        alice.person_name,
        type="symptom",
        time=_ago(days=2),
        symptom="blood-in-urine",
        severity=2,
    )
    page = client.get("/help").text
    numbers = page[page.index('<section class="card help-numbers"') :]
    numbers = numbers[: numbers.index("</section>")]
    in_help = set(re.findall(r'href="tel:([^"]+)"', numbers))
    in_flags = set(re.findall(r'href="tel:([^"]+)"', _flags_section(page)))
    assert "112" in in_help
    assert in_help.isdisjoint(in_flags)
    assert "not repeated here" not in numbers


def test_without_flags_the_help_page_lists_every_number(alice: Any, client: TestClient) -> None:
    page = client.get("/help").text
    assert "not repeated here" not in page
    assert 'href="tel:112"' in page
