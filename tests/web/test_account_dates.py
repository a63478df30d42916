"""The Account page shows token dates in the person's zone, as her other pages do (issue 12, point 11).

It showed ISO dates ("2026-09-01") in UTC beside "Sun 29 Nov" everywhere else.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from ketpath.core.records import Profile
from ketpath.services import Author, log_record
from ketpath.store import Database
from ketpath.store.tables import api_tokens
from webtest import Account

CREATED = datetime(2026, 9, 1, 2, 30, tzinfo=UTC)
EXPIRES = datetime(2026, 12, 1, 3, 15, tzinfo=UTC)


def _token_made_at(db: Database, created: datetime, expires: datetime) -> None:
    with db.engine.begin() as connection:
        connection.execute(update(api_tokens).values(created_at=created, expires_at=expires))


def test_token_dates_are_in_her_zone_in_words(alice: Account, db: Database) -> None:
    assert alice.person_name is not None
    log_record(
        db,
        alice.person_name,
        Profile(timezone="America/New_York"),
        create=True,
        author=Author(user_id=alice.user_id, role="person"),
    )
    _token_made_at(db, CREATED, EXPIRES)
    page = alice.client.get("/account").text
    # 02:30 UTC on 1 September is the evening before in New York (EDT, UTC-4);
    # 03:15 UTC on 1 December is 22:15 the day before (EST, UTC-5).
    assert "Mon 31 Aug 2026, 22:30" in page
    assert "Mon 30 Nov 2026, 22:15" in page
    assert "2026-09-01" not in page.replace('datetime="2026-09-01', "")


def test_without_a_zone_the_dates_are_in_utc(alice: Account, db: Database) -> None:
    _token_made_at(db, CREATED, EXPIRES)
    page = alice.client.get("/account").text
    assert "Tue 01 Sep 2026, 02:30" in page
    assert "Tue 01 Dec 2026, 03:15" in page


def test_an_expired_token_says_so_before_its_date(alice: Account, db: Database) -> None:
    _token_made_at(
        db, datetime(2025, 1, 1, 12, 0, tzinfo=UTC), datetime(2025, 4, 1, 12, 0, tzinfo=UTC)
    )
    page = alice.client.get("/account").text
    assert "Expired <time" in page
    assert "Tue 01 Apr 2025, 12:00" in page
