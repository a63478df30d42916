"""Concurrent API writes share transactions on SQLite, and each still stands or falls alone.

``services.writes.store_records`` commits whatever is queued when it takes the
write lock; these tests check that nothing is lost or mixed up, that every
write bumps ``records_version`` once, and that one caller's failure is its own.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest

from ketpath.core.records import Record, parse_record
from ketpath.services import PersonNotFound, import_records, person_records
from ketpath.services import writes as writes_module
from ketpath.services.identity import Added
from ketpath.services.writes import store_records
from ketpath.store import Database, UnitOfWork

THREADS = 8
WRITES_PER_THREAD = 15


def _craving(intensity: int, minute: int = 0) -> Record:
    return parse_record(
        {"type": "craving", "time": f"2026-05-01T20:{minute:02d}:00+01:00", "intensity": intensity}
    )


def _version(db: Database) -> int:
    with db.unit_of_work() as uow:
        person = uow.people.get("alice")
        assert person is not None
        return person.records_version


def _in_threads(count: int, work: object) -> None:
    assert callable(work)
    threads = [threading.Thread(target=work, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_concurrent_writes_are_all_stored_each_with_its_own_ids(db: Database) -> None:
    import_records(db, "alice", [])
    before = _version(db)
    answers: dict[tuple[int, int], list[int]] = {}

    def client(number: int) -> None:
        for sequence in range(WRITES_PER_THREAD):
            records = [_craving(number % 11, sequence), _craving(sequence % 11, number)]
            answers[(number, sequence)] = store_records(db, "alice", records)

    _in_threads(THREADS, client)
    ids = [record_id for answer in answers.values() for record_id in answer]
    assert len(answers) == THREADS * WRITES_PER_THREAD
    assert len(set(ids)) == len(ids) == 2 * THREADS * WRITES_PER_THREAD
    assert all(first < second for first, second in answers.values())
    assert len(person_records(db, "alice")) == len(ids)
    assert _version(db) == before + THREADS * WRITES_PER_THREAD


def test_a_write_for_a_missing_person_is_refused_and_the_others_commit(db: Database) -> None:
    import_records(db, "alice", [])
    outcomes: dict[int, object] = {}

    def client(number: int) -> None:
        name = "nobody" if number == 0 else "alice"
        try:
            outcomes[number] = store_records(db, name, [_craving(number)])
        except PersonNotFound as refused:
            outcomes[number] = refused

    _in_threads(THREADS, client)
    assert isinstance(outcomes[0], PersonNotFound)
    assert all(isinstance(outcomes[number], list) for number in range(1, THREADS))
    assert len(person_records(db, "alice")) == THREADS - 1


def test_an_unexpected_error_fails_only_its_own_write(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is rolled back and each write is retried alone; only the bad one fails."""
    import_records(db, "alice", [])
    real_store = writes_module._store

    def store_then_fail_on_intensity_9(uow: UnitOfWork, job: Any) -> Added:
        ids = real_store(uow, job)
        if any(getattr(record, "intensity", None) == 9 for record in job.records):
            raise RuntimeError("disk on fire")
        return ids

    monkeypatch.setattr(writes_module, "_store", store_then_fail_on_intensity_9)
    gate = threading.Barrier(THREADS)
    outcomes: dict[int, object] = {}

    def client(number: int) -> None:
        gate.wait()
        try:
            outcomes[number] = store_records(db, "alice", [_craving(9 if number == 3 else 1)])
        except RuntimeError as error:
            outcomes[number] = error

    _in_threads(THREADS, client)
    assert isinstance(outcomes[3], RuntimeError)
    assert all(isinstance(outcomes[n], list) for n in range(THREADS) if n != 3)
    stored = person_records(db, "alice")
    assert len(stored) == THREADS - 1
    assert all(getattr(record, "intensity", None) == 1 for record in stored)
