"""Logging, reading back with filters, and deleting a person's records."""

from __future__ import annotations

from datetime import datetime

import pytest

from histories import without_id, without_ids
from ketpath.core.records import Record, parse_record
from ketpath.services import (
    OPERATOR,
    Database,
    PersonNotFound,
    RecordNotFound,
    delete_record,
    import_records,
    log_record,
    person_entries,
    person_records,
)


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def alice(db: Database, alice_records: list[Record]) -> str:
    import_records(db, "alice", alice_records, author=OPERATOR)
    return "alice"


def test_records_come_back_oldest_first_with_the_profile_leading(
    db: Database, alice: str, alice_records: list[Record]
) -> None:
    listed = person_records(db, alice)
    assert listed[0].type == "profile"
    times = [record.time for record in listed[1:] if hasattr(record, "time")]
    assert times == sorted(times)
    assert len(listed) == len(alice_records)


def test_since_is_inclusive_and_until_exclusive(db: Database, alice: str) -> None:
    # 2026-05-01T23:10+01:00 is the first use of May; 2026-05-04T11:00+01:00 a symptom.
    window = person_records(
        db, alice, since=_at("2026-05-01T22:10:00+00:00"), until=_at("2026-05-04T11:00:00+01:00")
    )
    assert [(record.type, str(getattr(record, "time", ""))) for record in window] == [
        ("use", "2026-05-01 23:10:00+01:00"),
        ("use", "2026-05-03 22:30:00+01:00"),
    ]


def test_it_filters_by_type(db: Database, alice: str) -> None:
    found = person_records(db, alice, types=["symptom", "questionnaire"])
    assert [record.type for record in found] == [
        "symptom",
        "symptom",
        "questionnaire",
        "questionnaire",
        "symptom",
    ]


def test_type_and_time_filters_combine(db: Database, alice: str) -> None:
    found = person_records(db, alice, since=_at("2026-05-01T00:00:00+01:00"), types={"use"})
    assert [getattr(record, "dose_mg", None) for record in found] == [60, None, 90, 100]


def test_a_time_filter_leaves_out_the_profile(
    db: Database, alice: str, alice_records: list[Record]
) -> None:
    found = person_records(db, alice, since=_at("2000-01-01T00:00:00+00:00"))
    assert all(record.type != "profile" for record in found)
    assert len(found) == len(alice_records) - 1


def test_logging_returns_an_id_that_deletes_that_record(
    db: Database, alice: str, alice_records: list[Record]
) -> None:
    craving = parse_record({"type": "craving", "time": "2026-05-14T21:00:00+01:00", "intensity": 9})
    record_id = log_record(db, alice, craving)
    stored = person_records(db, alice)[-1]
    assert stored.id is not None
    assert without_id(stored) == craving
    assert delete_record(db, alice, record_id) == stored
    assert craving not in without_ids(person_records(db, alice))
    assert len(person_records(db, alice)) == len(alice_records)


def test_entries_carry_ids_for_deleting(db: Database, alice: str) -> None:
    first_use = next(entry for entry in person_entries(db, alice) if entry.record.type == "use")
    delete_record(db, alice, first_use.id)
    remaining = person_entries(db, alice)
    assert first_use.id not in {entry.id for entry in remaining}
    assert first_use.record not in [entry.record for entry in remaining]


def test_deleting_a_missing_record_says_so(db: Database, alice: str) -> None:
    with pytest.raises(RecordNotFound, match="'alice' has no record with id 999999"):
        delete_record(db, alice, 999_999)


def test_logging_for_an_unknown_person_needs_create(db: Database) -> None:
    mood = parse_record({"type": "mood", "time": "2026-05-14T21:00:00+01:00", "score": 5})
    with pytest.raises(PersonNotFound):
        log_record(db, "dana", mood)
    log_record(db, "dana", mood, create=True)
    assert without_ids(person_records(db, "dana")) == [mood]


def test_reading_an_unknown_person_says_so(db: Database) -> None:
    with pytest.raises(PersonNotFound, match="no person named 'erin'"):
        person_records(db, "erin")
