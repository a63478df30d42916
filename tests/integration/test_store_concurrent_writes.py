"""Writers in several threads at once all get their records stored."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from ketpath.core.records import parse_record
from ketpath.services import Database, import_records, log_record, person_records
from ketpath.store import Person
from ketpath.store.repository import PeopleRepository

WRITERS = 4
RECORDS_EACH = 15


def test_concurrent_writers_all_succeed(db: Database) -> None:
    import_records(db, "alice", [])

    def write(writer: int) -> None:
        for n in range(RECORDS_EACH):
            mood = parse_record(
                {
                    "type": "mood",
                    "time": f"2026-05-{writer + 1:02d}T10:{n:02d}:00+00:00",
                    "score": 5,
                }
            )
            log_record(db, "alice", mood)

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    assert len(person_records(db, "alice")) == WRITERS * RECORDS_EACH


def test_concurrent_imports_for_a_new_person_create_them_once(db: Database) -> None:
    def import_one(writer: int) -> bool:
        mood = parse_record(
            {"type": "mood", "time": f"2026-05-0{writer + 1}T10:00:00Z", "score": 5}
        )
        return import_records(db, "zed", [mood]).created_person

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        created = list(pool.map(import_one, range(WRITERS)))
    assert created.count(True) == 1
    assert len(person_records(db, "zed")) == WRITERS


def test_a_lost_race_to_create_a_person_uses_the_winners_row(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    if db.engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE, so both cannot miss the name")
    both_looked = threading.Barrier(2, timeout=10)
    look_up = PeopleRepository.get
    first_look = threading.local()

    def look_up_then_wait(self: PeopleRepository, name: str) -> Person | None:
        found = look_up(self, name)
        if not getattr(first_look, "done", False):
            first_look.done = True
            both_looked.wait()
        return found

    monkeypatch.setattr(PeopleRepository, "get", look_up_then_wait)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: import_records(db, "zed", []), range(2)))
    assert sorted(result.created_person for result in results) == [False, True]
