"""Several people share a database and never see each other's records."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ketpath.core.records import Record, parse_record, with_content_ids
from ketpath.interop.jsonl import dumps_jsonl
from ketpath.services import (
    OPERATOR,
    Database,
    PersonNotFound,
    PersonSummary,
    delete_record,
    export_records,
    import_records,
    list_people,
    log_record,
    person_entries,
)


def _mood(time: str, score: int) -> Record:
    return parse_record({"type": "mood", "time": time, "score": score})


def test_it_keeps_people_apart(db: Database, alice_records: list[Record]) -> None:
    charlie_records = [_mood("2026-06-01T09:00:00+02:00", 7), _mood("2026-06-02T09:00:00+02:00", 6)]
    import_records(db, "alice", alice_records, author=OPERATOR)
    import_records(db, "charlie", charlie_records)
    assert dumps_jsonl(export_records(db, "alice")) == dumps_jsonl(with_content_ids(alice_records))
    assert dumps_jsonl(export_records(db, "charlie")) == dumps_jsonl(
        with_content_ids(charlie_records)
    )


def test_it_lists_people_by_name_with_counts_and_latest_entry(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "charlie", [_mood("2026-06-02T09:00:00+02:00", 6)])
    import_records(db, "alice", alice_records, author=OPERATOR)
    import_records(db, "bob", [])
    assert list_people(db) == [
        PersonSummary(
            name="alice",
            records=len(alice_records),
            last_entry=datetime(2026, 5, 13, 20, 0, tzinfo=UTC),
        ),
        PersonSummary(name="bob", records=0, last_entry=None),
        PersonSummary(name="charlie", records=1, last_entry=datetime(2026, 6, 2, 7, 0, tzinfo=UTC)),
    ]


def test_it_refuses_to_delete_another_persons_record(db: Database) -> None:
    import_records(db, "alice", [])
    charlies = log_record(db, "charlie", _mood("2026-06-01T09:00:00+02:00", 7), create=True)
    with pytest.raises(ValueError, match=f"'alice' has no record with id {charlies}"):
        delete_record(db, "alice", charlies)
    assert len(person_entries(db, "charlie")) == 1


def test_names_are_trimmed_and_case_sensitive(db: Database) -> None:
    import_records(db, "  alice ", [_mood("2026-06-01T09:00:00+02:00", 7)])
    assert [person.name for person in list_people(db)] == ["alice"]
    assert len(export_records(db, "alice")) == 1
    with pytest.raises(PersonNotFound, match="case-sensitive"):
        export_records(db, "Alice")


def test_an_empty_name_is_refused(db: Database) -> None:
    with pytest.raises(ValueError, match="cannot be empty"):
        import_records(db, "   ", [])
