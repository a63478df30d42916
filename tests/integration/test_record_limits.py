"""Issue 11, point 15: records per import and per person are bounded on every write path.

The bounds live on the database (``store.RecordLimits``) and the services
enforce them, so the web import, the API, the logging forms, the command line
and the clinician's writes share one rule. Each test runs on SQLite and
PostgreSQL with small limits.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ketpath.core.records import Mood, Record, parse_record
from ketpath.services import (
    Database,
    TooManyRecords,
    accounts,
    import_records,
    log_record,
    open_database,
    person_entries,
)
from ketpath.services.consent import add_patient_records, create_share, redeem_code
from ketpath.services.writes import store_records
from ketpath.store import RecordLimits

PER_IMPORT = 5
PER_PERSON = 8
START = datetime(2026, 5, 1, 9, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = open_database(
        database_url, limits=RecordLimits(per_import=PER_IMPORT, per_person=PER_PERSON)
    )
    try:
        yield database
    finally:
        database.close()


def moods(count: int, *, offset: int = 0) -> list[Record]:
    return [Mood(time=START + timedelta(hours=offset + n), score=5) for n in range(count)]


def test_the_defaults_allow_a_decade_of_daily_logging() -> None:
    assert RecordLimits() == RecordLimits(per_import=20_000, per_person=100_000)


def test_an_import_of_more_than_the_cap_stores_nothing_and_says_why(db: Database) -> None:
    with pytest.raises(TooManyRecords, match=r"more than one import may hold \(5\)"):
        import_records(db, "alice", moods(PER_IMPORT + 1))
    with pytest.raises(TooManyRecords):
        import_records(db, "alice", iter(moods(1000)))  # a lazy file is not read to its end
    with db.unit_of_work() as uow:
        assert uow.people.get("alice") is None
    assert import_records(db, "alice", moods(PER_IMPORT)).count == PER_IMPORT


def test_a_person_cannot_go_over_the_quota_on_any_write_path(db: Database) -> None:
    import_records(db, "alice", moods(5))
    import_records(db, "alice", moods(2, offset=10))
    with pytest.raises(TooManyRecords, match=r"9 records, more than one person may keep \(8\)"):
        import_records(db, "alice", moods(2, offset=20))
    with pytest.raises(TooManyRecords):
        store_records(db, "alice", moods(2, offset=20))
    log_record(db, "alice", moods(1, offset=30)[0])  # the eighth fits
    with pytest.raises(TooManyRecords):
        log_record(db, "alice", moods(1, offset=40)[0])
    with pytest.raises(TooManyRecords):
        log_record(db, "alice", moods(1, offset=40)[0], create=True)
    assert len(person_entries(db, "alice")) == PER_PERSON


def test_the_quota_is_per_person(db: Database) -> None:
    import_records(db, "alice", moods(5))
    import_records(db, "alice", moods(3, offset=10))
    assert import_records(db, "charlie", moods(5)).count == 5


def test_the_clinicians_writes_keep_to_the_quota_too(db: Database) -> None:
    alice = accounts.register(
        db,
        email="alice@example.org",
        password="alice keeps a long passphrase",
        hasher=accounts.password_hasher("CHEAPEST"),
    )
    bob = accounts.register(
        db,
        email="bob@example.org",
        password="bob keeps a long passphrase",
        role="clinician",
        hasher=accounts.password_hasher("CHEAPEST"),
    )
    patient_id = redeem_code(db, clinician=bob, code=create_share(db, user=alice).code)
    assert alice.person_name is not None
    import_records(db, alice.person_name, moods(5))
    import_records(db, alice.person_name, moods(3, offset=10))
    screen = parse_record(
        {
            "type": "drug-screen",
            "time": "2026-05-20T10:00:00+00:00",
            "result": "negative",
            "method": "urine",
        }
    )
    with pytest.raises(TooManyRecords):
        add_patient_records(db, clinician=bob, patient_id=patient_id, records=[screen])
    assert len(person_entries(db, alice.person_name)) == PER_PERSON


def test_concurrent_writers_never_take_a_person_over_the_quota(db: Database) -> None:
    import_records(db, "alice", moods(4))
    outcomes: list[object] = []
    gate = threading.Barrier(6)

    def write(number: int) -> None:
        gate.wait()
        try:
            outcomes.append(store_records(db, "alice", moods(1, offset=100 + number)))
        except TooManyRecords as refused:
            outcomes.append(refused)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(isinstance(outcome, list) for outcome in outcomes) == PER_PERSON - 4
    assert sum(isinstance(outcome, TooManyRecords) for outcome in outcomes) == 2
    assert len(person_entries(db, "alice")) == PER_PERSON


def test_locking_a_person_for_adding_counts_what_they_hold_and_bumps_their_version(
    db: Database,
) -> None:
    import_records(db, "alice", moods(3))
    import_records(db, "bob", moods(5))
    with db.unit_of_work(write=True) as uow:
        before = uow.people.get("alice")
        locked = uow.people.lock_for_adding("alice")
        assert uow.people.lock_for_adding("nobody") is None
        uow.commit()
    assert before is not None and locked is not None
    assert (locked.person.id, locked.records_held) == (before.id, 3)
    assert locked.person.records_version == before.records_version + 1
    with db.unit_of_work() as uow:
        stored = uow.people.get("alice")
    assert stored is not None and stored.records_version == before.records_version + 1


def test_the_api_write_path_refuses_at_the_limit_having_counted_with_the_lock(
    db: Database,
) -> None:
    import_records(db, "alice", moods(PER_IMPORT))
    store_records(db, "alice", moods(PER_PERSON - PER_IMPORT, offset=50))
    with pytest.raises(TooManyRecords, match=r"more than one person may keep \(8\)"):
        store_records(db, "alice", moods(1, offset=60))
    assert len(person_entries(db, "alice")) == PER_PERSON
