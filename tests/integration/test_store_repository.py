"""The repositories store records whole and read them back in time order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from histories import without_ids
from ketpath.core.records import Record, parse_record
from ketpath.store import Database
from ketpath.store.tables import people, records


def _use(time: str) -> Record:
    return parse_record({"type": "use", "time": time, "dose_mg": 50})


def test_records_come_back_equal_with_their_own_offsets(
    db: Database, alice_records: list[Record]
) -> None:
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        ids = uow.records.add_many(person.id, alice_records)
        uow.commit()
    with db.unit_of_work() as uow:
        stored = [uow.records.get(record_id) for record_id in ids]
    assert all(entry.record.id for entry in stored if entry)  # each given its own id
    assert without_ids(entry.record for entry in stored if entry) == alice_records


def test_records_are_listed_by_instant_not_by_local_clock(db: Database) -> None:
    later_in_new_york = _use("2026-05-01T20:00:00-04:00")  # 00:00 UTC on the 2nd
    earlier_in_london = _use("2026-05-01T23:30:00+01:00")  # 22:30 UTC on the 1st
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        uow.records.add_many(person.id, [later_in_new_york, earlier_in_london])
        uow.commit()
    with db.unit_of_work() as uow:
        listed = [entry.record for entry in uow.records.for_person(person.id)]
    assert without_ids(listed) == [earlier_in_london, later_in_new_york]


def test_time_utc_is_stored_in_utc(db: Database) -> None:
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        uow.records.add(person.id, _use("2026-05-01T23:30:00+01:00"))
        uow.commit()
    with db.engine.connect() as connection:
        time_utc = connection.execute(select(records.c.time_utc)).scalar_one()
    assert time_utc == datetime(2026, 5, 1, 22, 30, tzinfo=UTC)
    assert time_utc.utcoffset() is not None


def test_a_record_for_a_missing_person_is_refused(db: Database) -> None:
    with db.engine.connect() as connection, pytest.raises(IntegrityError):
        connection.execute(
            insert(records).values(
                person_id=999,
                type="mood",
                time_utc=datetime(2026, 5, 1, tzinfo=UTC),
                data={"type": "mood", "time": "2026-05-01T00:00:00+00:00", "score": 5},
                created_at=datetime.now(UTC),
            )
        )


def test_deleting_a_person_deletes_their_records(db: Database, alice_records: list[Record]) -> None:
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        uow.records.add_many(person.id, alice_records)
        uow.commit()
    with db.engine.begin() as connection:
        connection.execute(people.delete().where(people.c.id == person.id))
    with db.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(records)).scalar_one() == 0


def test_person_names_are_unique(db: Database) -> None:
    with db.unit_of_work() as uow:
        uow.people.create("alice")
        with pytest.raises(IntegrityError):
            uow.people.create("alice")


def test_a_naive_filter_time_is_refused(db: Database) -> None:
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        with pytest.raises(ValueError, match="UTC offset"):
            uow.records.for_person(person.id, since=datetime(2026, 5, 1))


def test_an_unknown_type_filter_is_refused(db: Database) -> None:
    with db.unit_of_work() as uow:
        person = uow.people.create("alice")
        with pytest.raises(ValueError, match="unknown record type"):
            uow.records.for_person(person.id, types=["dose"])
