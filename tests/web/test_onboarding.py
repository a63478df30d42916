"""First-run onboarding (issue 14, point 2): sent once after the first sign-in, stores zone and goal.

Each test goes through the forms and reads what was stored (the person's
records, the account's ``onboarded_at``) and what the pages say.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from ketpath.core.records import Goal, Profile
from ketpath.knowledge.load import today
from ketpath.services import own_entries
from ketpath.store import Database
from ketpath.store.tables import users
from webtest import login

EMAIL, PASSWORD = "erin@example.org", "erin keeps a long passphrase"
CONTINUE = re.compile(r'<a class="button-link" href="([^"]+)">I have saved them, continue</a>')


def _first_sign_in(client: TestClient) -> str:
    """Register with the browser's zone, log in, confirm the welcome step; where it leads."""
    client.post(
        "/register", data={"email": EMAIL, "password": PASSWORD, "timezone": "Asia/Hong_Kong"}
    )
    assert login(client, EMAIL, PASSWORD).headers["location"] == "/welcome"
    codes = client.post("/welcome", data={"timezone": "Asia/Hong_Kong", "locale": "HK"})
    found = CONTINUE.search(codes.text)
    assert found is not None
    return found.group(1)


def _person(db: Database) -> str:
    with db.engine.connect() as connection:
        user = connection.execute(select(users).where(users.c.email == EMAIL)).one()
    with db.unit_of_work() as uow:
        row = uow.users.get(user.id)
    assert row is not None and row.person_name is not None
    return row.person_name


def _onboarded_at(db: Database) -> Any:
    with db.engine.connect() as connection:
        return connection.execute(
            select(users.c.onboarded_at).where(users.c.email == EMAIL)
        ).scalar_one()


def test_a_new_person_is_sent_from_the_welcome_step_to_the_onboarding(
    client: TestClient, db: Database
) -> None:
    assert _first_sign_in(client) == "/onboarding"
    page = client.get("/onboarding").text
    assert "Step 1 of 5" in page
    assert "Saved from your browser: Asia/Hong_Kong." in page
    assert '<option value="Asia/Hong_Kong" selected>' in page
    assert 'href="/onboarding/goal">Skip this step</a>' in page


def test_the_onboarding_stores_the_confirmed_zone_and_the_chosen_goal(
    client: TestClient, db: Database
) -> None:
    _first_sign_in(client)
    saved = client.post(
        "/onboarding/zone",
        data={"timezone": "Europe/London", "locale": "UK"},
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/onboarding/goal"
    assert saved.cookies.get("ketpath_locale") == "UK"
    # The 30th of June next year: a goal still ahead whenever the test runs
    # (a fixed 2027-06-30 would be a goal already over from July 2027).
    year = datetime.now(UTC).year + 1
    chosen = client.post(
        "/onboarding/goal", data={"goal": "stop", "until": f"{year}-06-30"}, follow_redirects=False
    )
    assert chosen.headers["location"] == "/onboarding/plan"
    records = [entry.record for entry in own_entries(db, _person(db))]
    profiles = [r for r in records if isinstance(r, Profile)]
    assert profiles[-1].timezone == "Europe/London"
    goals = [r for r in records if isinstance(r, Goal)]
    assert [(g.goal, g.until.isoformat() if g.until else None) for g in goals] == [
        ("stop", f"{year}-06-30")
    ]
    # Today then counts toward that goal.
    assert f"Your goal: stop until 30 Jun {year}" in client.get("/").text


def test_not_sure_yet_stores_no_goal_and_an_unchanged_zone_no_new_profile(
    client: TestClient, db: Database
) -> None:
    _first_sign_in(client)
    before = len(own_entries(db, _person(db)))
    client.post("/onboarding/zone", data={"timezone": "Asia/Hong_Kong", "locale": "HK"})
    client.post("/onboarding/goal", data={"goal": "not-sure"})
    assert len(own_entries(db, _person(db))) == before


def test_a_bad_zone_is_refused_in_words(client: TestClient, db: Database) -> None:
    _first_sign_in(client)
    refused = client.post("/onboarding/zone", data={"timezone": "Mars/Olympus"})
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text and "Mars/Olympus" in refused.text


def test_the_later_steps_say_what_ketpath_is_and_is_not_and_privacy_in_three_lines(
    client: TestClient, db: Database
) -> None:
    _first_sign_in(client)
    plan = client.get("/onboarding/plan").text
    assert (
        'href="/plan?next=onboarding">Write my plan now</a>' in plan
        and 'href="/onboarding/about">Later</a>' in plan
    )
    about = client.get("/onboarding/about").text
    for line in (*today().about.is_, *today().about.is_not):
        assert f"<li>{line}</li>" in about
    assert "It never tells anyone how much to take." in about
    privacy = client.get("/onboarding/privacy").text
    lines = re.findall(r"<li>([^<]+)</li>", privacy.split('class="onboarding-privacy"')[1])
    assert lines[:3] == list(today().about.privacy) and len(today().about.privacy) == 3
    assert "Skip this step" not in privacy  # the confirmation is the one step not skipped


def test_finishing_is_stored_and_the_onboarding_is_never_offered_again(
    client: TestClient, db: Database
) -> None:
    _first_sign_in(client)
    assert _onboarded_at(db) is None
    done = client.post("/onboarding/done", follow_redirects=False)
    assert done.headers["location"] == "/"
    first = _onboarded_at(db)
    assert first is not None
    client.post("/onboarding/done")
    assert _onboarded_at(db) == first  # the first finish is kept
    again = client.post("/welcome", data={"timezone": "Asia/Hong_Kong", "locale": "HK"})
    assert '<a class="button-link" href="/">Continue</a>' in again.text
    # It stays reachable from More.
    assert 'href="/onboarding">Getting started</a>' in client.get("/more").text


def test_a_person_who_has_logged_something_is_not_sent(client: TestClient, db: Database) -> None:
    client.post("/register", data={"email": EMAIL, "password": PASSWORD})
    login(client, EMAIL, PASSWORD)
    client.post("/log/use", data={})
    page = client.post("/welcome", data={"timezone": "Europe/London", "locale": "UK"}).text
    found = CONTINUE.search(page)
    assert found is not None and found.group(1) == "/"


def test_a_clinician_has_no_onboarding(bob: Any) -> None:
    assert bob.client.get("/onboarding").status_code == 403
    assert bob.client.post("/onboarding/done").status_code == 403


def test_writing_the_plan_from_onboarding_saves_it_and_goes_on_to_the_next_step(
    client: TestClient, db: Database
) -> None:
    _first_sign_in(client)
    form = client.get("/plan?next=onboarding").text
    assert '<input type="hidden" name="next" value="onboarding">' in form
    assert "Save plan and go on" in form
    assert 'href="/onboarding/about">Back to getting started without saving</a>' in form
    saved = client.post(
        "/plan",
        data={
            "next": "onboarding",
            "coping_steps": "Walk round the block",
            "reasons": "My bladder",
        },
        follow_redirects=False,
    )
    assert saved.headers["location"] == "/onboarding/about"
    shown = client.get("/plan").text
    assert "<li>Walk round the block</li>" in shown and "<li>My bladder</li>" in shown
    # Any other "next" is ignored: the plan page never redirects to a place the request names.
    elsewhere = client.post(
        "/plan",
        data={"next": "https://example.org/", "coping_steps": "Walk"},
        follow_redirects=False,
    )
    assert elsewhere.headers["location"] == "/plan?saved=1"
    assert 'name="next"' not in client.get("/plan?next=https://example.org/").text
