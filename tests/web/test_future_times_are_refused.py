"""A time more than a few minutes ahead is refused on every write path (issue 12, point 3).

A use dated weeks ahead was once "Saved", then ignored by every view (the
assessment reads nothing after now). The services refuse it, so the log form,
the API and the import page all say so and store nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from ketpath.core.records import Record
from ketpath.services import person_records
from ketpath.store import Database
from webtest import Account

IN_THE_FUTURE = "is in the future; ketpath keeps what has happened"


def _tomorrow() -> datetime:
    return (datetime.now(UTC) + timedelta(days=1)).replace(second=0, microsecond=0)


def _stored(db: Database, account: Account) -> list[Record]:
    assert account.person_name is not None
    return person_records(db, account.person_name)


def test_the_log_form_refuses_a_use_a_day_ahead_and_stores_nothing(
    alice: Account, db: Database
) -> None:
    typed = _tomorrow().strftime("%Y-%m-%dT%H:%M")
    response = alice.client.post("/log/use", data={"time": typed})
    assert response.status_code == 422
    # The time as she typed it, on her own clock.
    assert f"{typed.replace('T', ' ')} {IN_THE_FUTURE}" in response.text
    assert _stored(db, alice) == []


def test_the_api_refuses_a_use_a_day_ahead_naming_the_field_and_stores_nothing(
    alice: Account, db: Database
) -> None:
    tomorrow = _tomorrow()
    good = {"type": "mood", "time": "2026-05-02T10:00:00+01:00", "score": 4}
    ahead = {"type": "use", "time": tomorrow.isoformat()}
    response = alice.client.post("/api/v1/records", json=[good, ahead], headers=alice.api)
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["loc"] == ["body", 1, "time"]
    assert problem["msg"] == f"{tomorrow:%Y-%m-%d %H:%M} {IN_THE_FUTURE}"
    assert _stored(db, alice) == []


def test_a_minute_ahead_is_forgiven_for_a_clock_that_runs_fast(
    alice: Account, db: Database
) -> None:
    soon = datetime.now(UTC) + timedelta(minutes=1)
    record = {"type": "mood", "time": soon.isoformat(), "score": 5}
    response = alice.client.post("/api/v1/records", json=record, headers=alice.api)
    assert response.status_code == 201
    assert len(_stored(db, alice)) == 1


def test_the_import_page_refuses_a_file_with_a_line_a_day_ahead_naming_the_line(
    alice: Account, client: TestClient, db: Database
) -> None:
    tomorrow = _tomorrow()
    lines = [
        '{"type":"mood","time":"2026-05-01T10:00:00+01:00","score":4}',
        "",
        f'{{"type":"use","time":"{tomorrow.isoformat()}"}}',
    ]
    upload = ("history.jsonl", "\n".join(lines).encode())
    response = client.post("/import", files={"file": upload})
    assert response.status_code == 422
    expected = f"Nothing was imported. Line 3: time: {tomorrow:%Y-%m-%d %H:%M} {IN_THE_FUTURE}"
    assert expected in response.text
    assert _stored(db, alice) == []
