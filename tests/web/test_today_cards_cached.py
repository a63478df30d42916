"""The dashboard's Today cards are kept between views, and every write renews them (issue 16.3).

``services.today_cache`` keeps the cards per stored history (the person's
``records_version``), local day and language. These tests read the cards the
page shows, change the records through the API and from another process
(another server process keeps its own cache), and check the next view shows
the change.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from ketpath.core.records import Profile, Use
from ketpath.services import import_records, log_record
from ketpath.store import Database, open_database

ZONE = ZoneInfo("Asia/Hong_Kong")


def _local_noon(days_ago: int) -> datetime:
    day = datetime.now(ZONE).date() - timedelta(days=days_ago)
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=ZONE)
    return min(moment, datetime.now(UTC) - timedelta(minutes=1))


def _counter(client: TestClient) -> str:
    page = client.get("/").text
    start = page.index('id="counter-heading"')
    end = page.index("</section>", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page[start:end])).strip()


def test_a_write_through_the_api_shows_on_the_next_view(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, [Profile(timezone="Asia/Hong_Kong")])
    import_records(db, alice.person_name, [Use(time=_local_noon(8))])
    assert "8 days since your last use." in _counter(client)
    assert "8 days since your last use." in _counter(client)  # from the kept cards
    body = {"type": "use", "time": _local_noon(3).isoformat()}
    stored = client.post("/api/v1/records", json=body, headers=alice.api)
    assert stored.status_code == 201, stored.text
    assert "3 days since your last use." in _counter(client)


def test_a_write_by_another_process_shows_on_the_next_view(
    alice: Any, client: TestClient, db: Database
) -> None:
    import_records(db, alice.person_name, [Profile(timezone="Asia/Hong_Kong")])
    import_records(db, alice.person_name, [Use(time=_local_noon(8))])
    assert "8 days since your last use." in _counter(client)
    with open_database(db.url.render_as_string(hide_password=False)) as other:
        log_record(other, alice.person_name, Use(time=_local_noon(2)))
    assert "2 days since your last use." in _counter(client)
