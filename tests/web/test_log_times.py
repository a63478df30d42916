"""Times on the log page mean what the person meant (issue 12, point 3).

A new account ran in UTC whatever the browser said: the zone now comes from
the browser at registration (and is confirmed on the welcome step), and while
no zone is set, typed times are read with the browser's UTC offset, so they do
not shift when a zone is set. "Last night" is one button beside "Log a use
now"; a time in the future is refused where the person is looking.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketpath.core.records import Use, latest_profile, record_time
from ketpath.services import person_records
from ketpath.services.accounts import find_user
from ketpath.store import Database
from webtest import Account, login


def _uses(db: Database, name: str | None) -> list[Use]:
    assert name is not None
    return [record for record in person_records(db, name) if isinstance(record, Use)]


def test_registration_keeps_the_browsers_zone_and_the_welcome_step_shows_it(
    client: TestClient, db: Database
) -> None:
    form = {"email": "dora@example.org", "password": "dora's long passphrase"}
    client.post("/register", data={**form, "timezone": "Europe/Berlin"})
    user = find_user(db, email="dora@example.org")
    assert user is not None and user.person_name is not None
    profile = latest_profile(person_records(db, user.person_name))
    assert profile is not None and profile.timezone == "Europe/Berlin"
    assert login(client, *form.values()).headers["location"] == "/welcome"
    welcome = client.get("/welcome").text
    assert '<option value="Europe/Berlin" selected>' in welcome
    assert "Your browser said Europe/Berlin" in welcome
    client.post("/welcome", data={"timezone": "Europe/Paris", "locale": "UK"})
    profile = latest_profile(person_records(db, user.person_name))
    assert profile is not None and profile.timezone == "Europe/Paris"


def test_a_nonsense_zone_from_the_browser_is_ignored(client: TestClient, db: Database) -> None:
    form = {"email": "dora@example.org", "password": "dora's long passphrase"}
    client.post("/register", data={**form, "timezone": "Mars/Olympus"})
    user = find_user(db, email="dora@example.org")
    assert user is not None and user.person_name is not None
    assert latest_profile(person_records(db, user.person_name)) is None


def test_without_a_zone_typed_times_are_read_with_the_browsers_offset_and_do_not_shift(
    alice: Account, db: Database
) -> None:
    page = alice.client.get("/log").text
    assert 'name="utc_offset"' in page and "/static/browser-zone.js" in page
    response = alice.client.post(
        "/log/use", data={"time": "2026-05-01T23:10", "utc_offset": "120"}, follow_redirects=False
    )
    assert response.status_code == 303
    (use,) = _uses(db, alice.person_name)
    assert record_time(use) == datetime(2026, 5, 1, 21, 10, tzinfo=UTC)
    alice.client.post("/account/zone", data={"timezone": "Europe/Berlin", "locale": "UK"})
    (same,) = _uses(db, alice.person_name)
    assert record_time(same) == datetime(2026, 5, 1, 21, 10, tzinfo=UTC)
    assert "Fri 01 May 2026, 23:10" in alice.client.get("/history").text
    assert 'name="utc_offset"' not in alice.client.get("/log").text  # the zone rules now


def test_last_night_is_one_button_beside_log_a_use_now(alice: Account, db: Database) -> None:
    alice.client.post("/account/zone", data={"timezone": "America/New_York", "locale": "US"})
    page = alice.client.get("/log").text
    now_button = page.index("Log a use now")
    last_night = page.index("Last night (yesterday 22:00)")
    assert 0 < last_night - now_button < 300
    assert "<details" not in page[now_button:last_night]
    before = datetime.now(UTC)
    response = alice.client.post(
        "/log/use", data={"when": "last-night", "route": "intranasal"}, follow_redirects=False
    )
    assert response.status_code == 303
    (use,) = _uses(db, alice.person_name)
    stored = record_time(use)
    assert stored is not None
    local = stored.astimezone(ZoneInfo("America/New_York"))
    expected_day = before.astimezone(ZoneInfo("America/New_York")).date() - timedelta(days=1)
    assert (local.date(), local.hour, local.minute) == (expected_day, 22, 0)
    assert use.route == "intranasal"


def test_a_time_in_the_future_is_refused_at_the_top_of_the_page(
    alice: Account, db: Database
) -> None:
    ahead = (datetime.now(UTC) + timedelta(weeks=5)).strftime("%Y-%m-%dT%H:%M")
    response = alice.client.post("/log/use", data={"time": ahead})
    assert response.status_code == 422
    text = response.text
    box = text.index('id="form-error"')
    assert box < text.index("I used")  # above the forms, where the page opens
    assert "Not saved." in text[box : box + 400] and "in the future" in text[box : box + 400]
    assert "line 1" not in text[box : box + 400]
    assert _uses(db, alice.person_name) == []
