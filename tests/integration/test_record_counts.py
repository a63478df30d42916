"""The quota's count of a person's records is reused only while nothing changed it (issue 16.3).

Every API write used to count the person's records (their whole index) for
the quota. A write now leaves the count it found plus what it stored for the
next write of the same process (``store.repository.RecordCounts``), which
uses it only when the person's ``records_version`` moved by exactly its own
bump since. These tests hold the quota exact when something else changed
the records in between: another process (a second ``Database`` on the same
file or server), a deletion, a write that was refused. Each runs on SQLite
and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from ketpath.core.records import Mood, Record
from ketpath.services import (
    Database,
    TooManyRecords,
    delete_record,
    import_records,
    open_database,
    person_entries,
)
from ketpath.services.writes import store_records
from ketpath.store import RecordLimits

PER_PERSON = 6
START = datetime(2026, 5, 1, 9, tzinfo=UTC)
LIMITS = RecordLimits(per_import=5, per_person=PER_PERSON)


@pytest.fixture
def opened(database_url: str) -> Iterator[Callable[[], Database]]:
    """Opens the test's database as a process would (each with its own in-memory state)."""
    databases: list[Database] = []

    def open_one() -> Database:
        databases.append(open_database(database_url, limits=LIMITS))
        return databases[-1]

    try:
        yield open_one
    finally:
        for database in databases:
            database.close()


def moods(count: int, *, offset: int) -> list[Record]:
    return [Mood(time=START + timedelta(hours=offset + n), score=5) for n in range(count)]


def counts_sent(db: Database) -> list[str]:
    """A list that grows by one for each statement sent that counts records."""
    sent: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if "count(" in statement.lower():
            sent.append(statement)

    event.listen(db.engine, "before_cursor_execute", seen)
    return sent


def test_a_write_after_this_process_wrote_takes_its_count_without_counting(
    opened: Callable[[], Database],
) -> None:
    db = opened()
    import_records(db, "alice", moods(1, offset=0))
    store_records(db, "alice", moods(2, offset=10))  # counts: nothing known yet
    counted = counts_sent(db)

    store_records(db, "alice", moods(2, offset=20))
    store_records(db, "alice", moods(1, offset=30))  # the sixth fits

    assert counted == []
    with pytest.raises(TooManyRecords, match=r"7 records, more than one person may keep \(6\)"):
        store_records(db, "alice", moods(1, offset=40))
    assert len(person_entries(db, "alice")) == PER_PERSON


def test_records_another_process_added_are_counted(opened: Callable[[], Database]) -> None:
    server, other = opened(), opened()
    _person(server)
    store_records(server, "alice", moods(2, offset=0))
    store_records(server, "alice", moods(2, offset=10))  # this process knows of 4
    import_records(other, "alice", moods(2, offset=20))  # 6 now

    with pytest.raises(TooManyRecords, match=r"7 records, more than one person may keep \(6\)"):
        store_records(server, "alice", moods(1, offset=30))

    assert len(person_entries(other, "alice")) == PER_PERSON


def test_a_deletion_is_counted(opened: Callable[[], Database]) -> None:
    db = opened()
    _person(db)
    ids = store_records(db, "alice", moods(5, offset=10))  # this process knows of 5
    delete_record(db, "alice", ids[0])
    delete_record(db, "alice", ids[1])

    assert len(store_records(db, "alice", moods(3, offset=20))) == 3  # 3 + 3 = 6 fits

    assert len(person_entries(db, "alice")) == PER_PERSON


def test_a_refused_write_leaves_the_count_exact(opened: Callable[[], Database]) -> None:
    db = opened()
    _person(db)
    store_records(db, "alice", moods(4, offset=10))
    with pytest.raises(TooManyRecords):
        store_records(db, "alice", moods(3, offset=20))  # 7: refused, nothing stored
    store_records(db, "alice", moods(2, offset=30))  # 6 fits
    with pytest.raises(TooManyRecords):
        store_records(db, "alice", moods(1, offset=40))

    assert len(person_entries(db, "alice")) == PER_PERSON


def _person(db: Database) -> None:
    """Alice exists with no records (``store_records`` writes for existing people only)."""
    import_records(db, "alice", [], create=True)
