"""Issue 11, point 15 through the web app: one import, and one person, hold a bounded number of records.

The app here allows 5 records per import and 8 per person (the defaults are
20,000 and 100,000). The import page, the API and the logging forms all
answer 413 with a message that says what the bound is, and store nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ketpath.services import person_entries
from ketpath.store import Database, RecordLimits
from ketpath.web.settings import Settings
from webtest import Account, settings_for


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return settings_for(tmp_path, max_records_per_import=5, max_records_per_person=8)


def _moods(count: int, *, day: int = 1) -> list[dict[str, object]]:
    return [
        {"type": "mood", "time": f"2026-05-{day:02d}T{hour:02d}:00:00+00:00", "score": 5}
        for hour in range(count)
    ]


def _jsonl(count: int) -> bytes:
    return "".join(
        f'{{"type":"mood","time":"2026-05-01T{hour:02d}:00:00+00:00","score":5}}\n'
        for hour in range(count)
    ).encode()


def _held(db: Database, alice: Account) -> int:
    return len(person_entries(db, alice.person_name or ""))


def test_the_settings_default_to_twenty_thousand_per_import_and_a_hundred_thousand_per_person() -> (
    None
):
    assert Settings().record_limits == RecordLimits(per_import=20_000, per_person=100_000)


def test_a_web_import_over_the_cap_is_answered_413_and_stores_nothing(
    alice: Account, db: Database
) -> None:
    response = alice.client.post("/import", files={"file": ("many.jsonl", _jsonl(6))})
    assert response.status_code == 413
    assert "Too many records" in response.text
    assert "(5)" in response.text
    assert _held(db, alice) == 0


def test_a_far_larger_upload_is_refused_for_its_size_before_it_is_read(
    alice: Account, db: Database
) -> None:
    lines = b"this line is not a record\n" * 70
    response = alice.client.post("/import", files={"file": ("many.jsonl", lines)})
    assert response.status_code == 413
    assert "one import may hold at most 5" in response.text
    assert "not valid JSON" not in response.text


def test_the_api_answers_413_when_her_quota_would_be_exceeded(alice: Account, db: Database) -> None:
    created = alice.client.post("/api/v1/records", json=_moods(5), headers=alice.api)
    assert created.status_code == 201
    too_many = alice.client.post("/api/v1/records", json=_moods(4, day=2), headers=alice.api)
    assert too_many.status_code == 413
    assert "more than one person may keep (8)" in too_many.json()["detail"]
    over_the_cap = alice.client.post("/api/v1/records", json=_moods(6, day=3), headers=alice.api)
    assert over_the_cap.status_code == 413
    assert _held(db, alice) == 5


def test_logging_from_the_page_at_the_quota_is_refused_with_413(
    alice: Account, db: Database
) -> None:
    alice.client.post("/api/v1/records", json=_moods(5), headers=alice.api)
    alice.client.post("/api/v1/records", json=_moods(3, day=2), headers=alice.api)
    response = alice.client.post("/log/mood", data={"score": "4"}, follow_redirects=False)
    assert response.status_code == 413
    assert "more than one person may keep" in response.text
    assert _held(db, alice) == 8
