"""Import stores a whole file or nothing; export gives back exactly what went in."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from ketpath.core.records import Record, RecordError, parse_record, with_content_ids
from ketpath.interop.jsonl import dumps_jsonl, parse_jsonl
from ketpath.services import (
    OPERATOR,
    Database,
    PersonNotFound,
    export_records,
    import_records,
    list_people,
    open_database,
)
from ketpath.store.repository import RecordRepository

FIVE_LINES_BAD_THIRD = """\
{"type":"use","time":"2026-05-01T23:10:00+01:00","dose_mg":60,"route":"intranasal"}
{"type":"craving","time":"2026-05-02T20:00:00+01:00","intensity":7}
{"type":"use","time":"2026-05-03T22:00:00+01:00","dose_mg":60,"route":"up-the-nose"}
{"type":"mood","time":"2026-05-04T09:00:00+01:00","score":4}
{"type":"use","time":"2026-05-05T23:00:00+01:00","dose_mg":70}
"""


def _stored_count(db: Database) -> int:
    return sum(person.records for person in list_people(db))


def test_export_gives_back_the_imported_file_in_canonical_form(
    db: Database, alice_records: list[Record]
) -> None:
    result = import_records(db, "alice", alice_records, author=OPERATOR)
    assert (result.person, result.count, result.created_person) == (
        "alice",
        len(alice_records),
        True,
    )
    # Each line without an id was given its content id, which the export now carries.
    assert dumps_jsonl(export_records(db, "alice")) == dumps_jsonl(with_content_ids(alice_records))


def test_export_import_export_is_byte_identical(db: Database, alice_records: list[Record]) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    first = dumps_jsonl(export_records(db, "alice"))
    import_records(db, "alice-copy", parse_jsonl(first.splitlines()), author=OPERATOR)
    second = dumps_jsonl(export_records(db, "alice-copy"))
    assert second.encode() == first.encode()


def test_a_history_moves_between_databases_unchanged(
    db: Database, alice_records: list[Record], tmp_path_factory: pytest.TempPathFactory
) -> None:
    import_records(db, "alice", alice_records, author=OPERATOR)
    exported = dumps_jsonl(export_records(db, "alice"))
    other_file = tmp_path_factory.mktemp("other") / "other.db"
    with open_database(str(other_file)) as other:
        import_records(other, "alice", parse_jsonl(exported.splitlines()), author=OPERATOR)
        assert dumps_jsonl(export_records(other, "alice")) == exported


def test_a_bad_third_line_of_five_stores_nothing(db: Database) -> None:
    with pytest.raises(RecordError, match=r"^line 3: route: unknown value 'up-the-nose'"):
        import_records(db, "alice", parse_jsonl(FIVE_LINES_BAD_THIRD.splitlines()))
    assert list_people(db) == []


def test_a_lazy_import_that_fails_part_way_stores_nothing(db: Database) -> None:
    def validated_lines() -> Iterator[Record]:
        for number, line in enumerate(FIVE_LINES_BAD_THIRD.splitlines(), start=1):
            try:
                yield parse_record(line)
            except RecordError as error:
                raise error.at_line(number) from None

    with pytest.raises(RecordError, match=r"^line 3: "):
        import_records(db, "alice", validated_lines())
    assert list_people(db) == []


def test_a_database_error_half_way_through_stores_nothing(
    db: Database, alice_records: list[Record], monkeypatch: pytest.MonkeyPatch
) -> None:
    import_records(db, "bob", alice_records[:3], author=OPERATOR)
    store_everything = RecordRepository.add_many

    def store_half_then_fail(
        self: RecordRepository, person_id: int, records: Sequence[Record], **kwargs: Any
    ) -> list[int]:
        records = list(records)
        store_everything(self, person_id, records[: len(records) // 2], **kwargs)
        raise OperationalError("INSERT INTO records", {}, OSError("disk full (injected)"))

    monkeypatch.setattr(RecordRepository, "add_many", store_half_then_fail)
    with pytest.raises(OperationalError, match="disk full"):
        import_records(db, "alice", alice_records, author=OPERATOR)
    with pytest.raises(OperationalError, match="disk full"):
        import_records(db, "bob", alice_records, author=OPERATOR)
    assert [(person.name, person.records) for person in list_people(db)] == [("bob", 3)]


def test_importing_different_records_adds_them_to_the_person(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", alice_records[:10], author=OPERATOR)
    again = import_records(db, "alice", alice_records[10:], author=OPERATOR)
    assert (again.count, again.already_present, again.created_person) == (
        len(alice_records) - 10,
        0,
        False,
    )
    assert dumps_jsonl(export_records(db, "alice")) == dumps_jsonl(with_content_ids(alice_records))


def test_importing_the_same_records_again_adds_nothing_and_says_they_are_present(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", alice_records[:10], author=OPERATOR)
    before = dumps_jsonl(export_records(db, "alice"))
    again = import_records(db, "alice", alice_records[:10], author=OPERATOR)
    assert (again.count, again.already_present, again.created_person) == (0, 10, False)
    assert dumps_jsonl(export_records(db, "alice")) == before
    whole = import_records(db, "alice", alice_records, author=OPERATOR)
    assert (whole.count, whole.already_present) == (len(alice_records) - 10, 10)
    assert _stored_count(db) == len(alice_records)


def test_it_refuses_an_unknown_person_without_create(
    db: Database, alice_records: list[Record]
) -> None:
    with pytest.raises(PersonNotFound, match="no person named 'alice'"):
        import_records(db, "alice", alice_records, create=False, author=OPERATOR)
    assert list_people(db) == []


def test_an_empty_import_still_creates_the_person(db: Database) -> None:
    result = import_records(db, "alice", [])
    assert (result.count, result.created_person) == (0, True)
    assert export_records(db, "alice") == []


def test_exporting_an_unknown_person_says_so(db: Database) -> None:
    with pytest.raises(PersonNotFound, match="no person named 'nobody'"):
        export_records(db, "nobody")
