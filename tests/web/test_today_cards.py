"""Today (issue 14, point 2): the counter, milestones, a lapse, this week against last, the next questionnaire.

Each test stores records and reads the words the page shows.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketpath.core.records import Goal, Profile, Questionnaire, Record, Use
from ketpath.services import import_records
from ketpath.store import Database

ZONE = ZoneInfo("Asia/Hong_Kong")


def _local_noon(days_ago: int) -> datetime:
    """Noon in Hong Kong ``days_ago`` local days ago (never in the future)."""
    day = datetime.now(ZONE).date() - timedelta(days=days_ago)
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZONE)
    return min(moment, datetime.now(UTC) - timedelta(minutes=1))


def _store(db: Database, person: str, records: list[Record]) -> None:
    import_records(db, person, [Profile(timezone="Asia/Hong_Kong"), *records])


def _card(page: str, heading_id: str) -> str:
    """The text of the card whose heading has ``heading_id``, tags removed."""
    start = page.index(f'id="{heading_id}"')
    end = page.index("</section>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:end])).strip()


def test_the_counter_and_a_milestone_reached(alice: Any, client: TestClient, db: Database) -> None:
    goal = Goal(time=_local_noon(20), goal="stop")
    _store(db, alice.person_name, [goal, Use(time=_local_noon(8))])
    page = client.get("/").text
    card = _card(page, "counter-heading")
    assert "8 days since your last use." in card
    assert "Your goal: stop." in card
    assert "Milestone reached: 7 days: A whole week." in card
    assert "Next milestone: 14 days, in 6 days." in card
    assert "About the milestones: grade C" in card
    # The Today cards come first: above the stage.
    assert page.index('id="counter-heading"') < page.index('id="stage-heading"')


def test_a_lapse_is_worded_without_shame(alice: Any, client: TestClient, db: Database) -> None:
    records: list[Record] = [
        Goal(time=_local_noon(30), goal="stop"),
        Use(time=_local_noon(12)),
        Use(time=_local_noon(2)),
    ]
    _store(db, alice.person_name, records)
    card = _card(client.get("/").text, "counter-heading")
    assert "2 days since your last use." in card
    assert (
        "A use starts the count again. The days before it still count:"
        " your longest run so far is 10 days." in card
    )
    assert "fail" not in card.lower()


def test_without_a_goal_the_counter_offers_one(
    alice: Any, client: TestClient, db: Database
) -> None:
    _store(db, alice.person_name, [Use(time=_local_noon(3))])
    card = _card(client.get("/").text, "counter-heading")
    assert "3 days since your last use." in card
    assert "Milestone" not in card
    assert "With a goal, this card also shows milestones. Set a goal" in card


def test_this_week_against_last(alice: Any, client: TestClient, db: Database) -> None:
    today = datetime.now(ZONE).date()
    monday = today - timedelta(days=today.weekday())
    this_week = [Use(time=_local_noon((today - monday).days))]  # Monday of this week
    last_week = [Use(time=_local_noon((today - monday).days + back)) for back in (1, 1, 3, 7)]
    _store(db, alice.person_name, [*this_week, *last_week])
    card = _card(client.get("/").text, "week-heading")
    assert "1 use-day this week, 3 last week." in card
    assert "1 use this week, 4 last week." in card
    assert "Weeks start on Monday, in your time zone." in card


def test_the_next_questionnaire_due(alice: Any, client: TestClient, db: Database) -> None:
    page = client.get("/").text
    assert "Due now: PHQ-9 , GAD-7 ," in _card(page, "next-q-heading")
    assert 'href="/questionnaires/phq9">PHQ-9</a>' in page
    answered: list[Record] = [
        Questionnaire(time=_local_noon(10), instrument="phq9", answers=(0,) * 9),
        Questionnaire(time=_local_noon(1), instrument="gad7", answers=(0,) * 7),
        Questionnaire(time=_local_noon(2), instrument="icsi", answers=(0,) * 4),
        Questionnaire(time=_local_noon(2), instrument="icpi", answers=(0,) * 4),
    ]
    _store(db, alice.person_name, answered)
    due_on: date = datetime.now(ZONE).date() + timedelta(days=4)
    card = _card(client.get("/").text, "next-q-heading")
    assert f"PHQ-9 , due {due_on.strftime('%a %d %b')} (in 4 days)." in card
    assert "Due now" not in card


def test_the_time_since_the_last_use_is_said_once(
    alice: Any, client: TestClient, db: Database
) -> None:
    """The counter card carries the last use's time; the frequency card no longer repeats it."""
    _store(db, alice.person_name, [Use(time=_local_noon(3))])
    page = client.get("/").text
    counter = _card(page, "counter-heading")
    assert "3 days since your last use." in counter
    assert re.search(r"Last use logged: .+ \(3 days ago\)\.", counter), counter
    assert page.count("Last use logged:") == 1
    assert "Time since last use" not in page
    assert "How often Last 30 days: 1 use-day" in _card(page, "time-heading")
