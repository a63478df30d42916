"""The private calendar feed: fetched over HTTP, parsed by ``icalendar``, secret and revocable.

Alice sets her zone to Europe/Paris, asks for weekly check-ins on Wednesdays
at 18:30 and makes a feed address; a real ``ketpath serve`` answers it, and
the ``icalendar`` library reads one repeating event that says only "ketpath
check-in", at 18:30 Paris time with the zone's VTIMEZONE. A replaced or
turned-off address, or a wrong one, is 404; Charlie's feed never shows
Alice's schedule; the address never reaches an access log line.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from datetime import time, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar, Component, vRecur

from ketpath.services import accounts, open_database
from ketpath.services.reminders import FEED_TOKEN_BYTES
from ketpath.store import Database
from mailtest import local_mail_server
from webtest import TEST_HASHING, Account, LiveServer, free_port, login

FEED_ADDRESS = re.compile(r'id="feed-url" class="feed-url" type="text" readonly value="([^"]+)"')
HEALTH_WORDS = ("ketamine", "craving", "dose", "bladder", "mood", "flag", "alice", "charlie")


def _feed_address(page: str) -> str:
    found = FEED_ADDRESS.search(page)
    assert found is not None, "the new feed address is shown on the page"
    return found.group(1)


def _weekly_on_wednesdays(client: TestClient | httpx.Client) -> str:
    """Alice's zone, schedule and a new feed; the feed's address as the page shows it."""
    client.post("/account/zone", data={"timezone": "Europe/Paris"})
    client.post("/log/craving", data={"intensity": "8", "trigger": "a party"})
    saved = client.post(
        "/account/reminders",
        data={"frequency": "weekly", "time": "18:30", "weekday": "2"},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    made = client.post("/account/calendar-feed")
    assert made.status_code == 200
    return _feed_address(made.text)


def _events(body: bytes) -> list[Component]:
    calendar = Calendar.from_ical(body)
    return list(calendar.walk("VEVENT"))


@pytest.fixture
def served(tmp_path: Path) -> Iterator[LiveServer]:
    """``ketpath serve`` with Alice's account, sending mail through a local SMTP server."""
    database = tmp_path / "live.db"
    with open_database(str(database)) as db:
        _register(db, "alice")
    with local_mail_server() as (_inbox, port):
        smtp = ("--smtp-host", "127.0.0.1", "--smtp-port", str(port))
        live = LiveServer(
            database=database,
            port=free_port(),
            arguments=(*smtp, "--smtp-from", "reminders@ketpath.example.org"),
        )
        live.start()
        yield live
        live.stop()


def _register(db: Database, name: str) -> None:
    accounts.register(
        db,
        email=f"{name}@example.org",
        password=f"{name} keeps a long passphrase",
        role="person",
        hasher=accounts.password_hasher(TEST_HASHING),
    )


def test_the_feed_read_over_http_is_one_weekly_check_in_in_the_persons_zone(
    served: LiveServer,
) -> None:
    with httpx.Client(base_url=served.url) as browser:
        assert login(browser, "alice@example.org", "alice keeps a long passphrase").is_redirect
        address = _weekly_on_wednesdays(browser)
        assert "Also e-mail me at alice@example.org" in browser.get("/account").text
    assert address.startswith(f"{served.url}/calendar/")
    assert address.endswith(".ics")
    secret = address.removeprefix(f"{served.url}/calendar/").removesuffix(".ics")
    assert len(secret) >= FEED_TOKEN_BYTES * 4 // 3  # 256 bits in URL-safe base64

    response = httpx.get(address)  # a calendar app: no cookie, no login
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "no-store"
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == "ketpath check-in"
    assert "DESCRIPTION" not in event
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["WEEKLY"]
    assert rule["BYDAY"] == ["WE"]
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None
    assert str(start.tzinfo) == "Europe/Paris"
    assert start.time() == time(18, 30)
    assert start.weekday() == 2
    assert event.decoded("DTEND") - start == timedelta(minutes=15)
    assert [zone["TZID"] for zone in calendar.walk("VTIMEZONE")] == ["Europe/Paris"]
    (alarm,) = event.walk("VALARM")
    assert str(alarm["DESCRIPTION"]) == "ketpath check-in"
    text = response.text.lower()
    assert [word for word in HEALTH_WORDS if word in text] == []


def test_a_replaced_or_turned_off_feed_address_is_not_found(
    client: TestClient, alice: Account
) -> None:
    first = _weekly_on_wednesdays(client)
    path = first.removeprefix(str(client.base_url))
    assert client.get(path).status_code == 200
    second = _feed_address(client.post("/account/calendar-feed").text)
    assert second != first
    assert client.get(path).status_code == 404
    new_path = second.removeprefix(str(client.base_url))
    assert client.get(new_path).status_code == 200
    page = client.get("/account").text
    assert "You have a calendar feed, made" in page
    assert new_path not in page  # shown once, never again

    client.post("/account/calendar-feed/revoke")
    assert client.get(new_path).status_code == 404
    assert "You have no calendar feed." in client.get("/account").text


def test_a_wrong_feed_address_is_not_found_like_any_missing_page(
    client: TestClient, alice: Account
) -> None:
    real = _weekly_on_wednesdays(client).removeprefix(str(client.base_url))
    secret = real.removeprefix("/calendar/").removesuffix(".ics")
    wrong = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for path in (f"/calendar/{wrong}.ics", "/calendar/.ics", f"/calendar/{'x' * 500}.ics"):
        response = client.get(path)
        assert response.status_code == 404
        assert "BEGIN:VCALENDAR" not in response.text
    assert (
        client.get("/calendar/nothing-here.ics").text == client.get(f"/calendar/{wrong}.ics").text
    )


def test_each_feed_shows_only_its_owners_schedule(
    client: TestClient, alice: Account, charlie: Account
) -> None:
    alices = _weekly_on_wednesdays(client).removeprefix(str(client.base_url))
    made = charlie.client.post("/account/calendar-feed")
    charlies = _feed_address(made.text).removeprefix(str(client.base_url))
    assert _events(charlie.client.get(charlies).content) == []  # Charlie set no schedule
    (event,) = _events(client.get(alices).content)
    rule = event["RRULE"]
    assert isinstance(rule, vRecur) and rule["BYDAY"] == ["WE"]


def test_a_daily_schedule_in_utc_repeats_daily_at_that_utc_time(
    client: TestClient, alice: Account
) -> None:
    client.post("/account/reminders", data={"frequency": "daily", "time": "07:15", "weekday": "0"})
    made = client.post("/account/calendar-feed")
    body = client.get(_feed_address(made.text).removeprefix(str(client.base_url))).content
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    rule = event["RRULE"]
    assert isinstance(rule, vRecur)
    assert rule["FREQ"] == ["DAILY"]
    assert "BYDAY" not in rule
    start = event.decoded("DTSTART")
    assert start.utcoffset() == timedelta(0)
    assert start.time() == time(7, 15)
    assert calendar.walk("VTIMEZONE") == []


def test_turning_reminders_off_empties_the_feed_but_keeps_its_address(
    client: TestClient, alice: Account
) -> None:
    path = _weekly_on_wednesdays(client).removeprefix(str(client.base_url))
    client.post("/account/reminders", data={"frequency": "off", "time": "18:30", "weekday": "2"})
    response = client.get(path)
    assert response.status_code == 200
    assert _events(response.content) == []


def test_a_clinician_has_no_reminders_section(client: TestClient, bob: Account) -> None:
    page = bob.client.get("/account").text
    assert "Check-in reminders" not in page
    response = bob.client.post("/account/calendar-feed", follow_redirects=False)
    assert response.status_code == 303
    assert 'id="feed-url"' not in bob.client.get("/account").text


def test_a_bad_time_is_refused_on_the_page(client: TestClient, alice: Account) -> None:
    response = client.post(
        "/account/reminders", data={"frequency": "daily", "time": "25:99", "weekday": "0"}
    )
    assert response.status_code == 400
    assert "Give a time of day such as 09:00" in response.text


def test_an_access_log_line_for_the_feed_names_no_secret(
    client: TestClient, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    path = _weekly_on_wednesdays(client).removeprefix(str(client.base_url))
    secret = path.removeprefix("/calendar/").removesuffix(".ics")
    access = logging.getLogger("uvicorn.access")
    with caplog.at_level(logging.INFO, logger="uvicorn.access"):
        # The format and arguments uvicorn's access logger uses for each request.
        access.info('%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", path, "1.1", 200)
    assert secret not in caplog.text
    assert '"GET /calendar/[redacted].ics HTTP/1.1" 200' in caplog.text


def test_deleting_the_account_ends_its_feed_and_its_schedule(
    client: TestClient, alice: Account, db: Database
) -> None:
    from ketpath.store.tables import reminders

    path = _weekly_on_wednesdays(client).removeprefix(str(client.base_url))
    deleted = client.post("/account/delete", data={"password": alice.password})
    assert "Your account and every record in it have been deleted." in deleted.text
    assert client.get(path).status_code == 404
    with db.engine.connect() as connection:
        assert connection.execute(reminders.select()).all() == []


def test_the_feed_address_is_under_the_public_address_when_one_is_set(tmp_path: Path) -> None:
    from ketpath.web.app import create_app
    from webtest import BASE_URL, settings_for

    app = create_app(settings_for(tmp_path, base_url="https://ketpath.example.org/"))
    with TestClient(app, base_url=BASE_URL) as client:
        _register(app.state.db, "alice")
        login(client, "alice@example.org", "alice keeps a long passphrase")
        address = _feed_address(client.post("/account/calendar-feed").text)
        assert address.startswith("https://ketpath.example.org/calendar/")
        path = address.removeprefix("https://ketpath.example.org")
        assert client.get(path).status_code == 200
        assert client.head(path).status_code == 200
