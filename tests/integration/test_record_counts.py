"""How many records a person holds is kept on their row, exact on every path (issue 16.3).

Every write checks the quota, and used to count the person's records (their
whole index), or reuse a count its own process had left, which under
concurrent writers or several processes was usually out of date. Now
triggers on ``records`` keep ``people.records_count`` (migration 0014), and
the write reads it with its ``records_version`` bump. These tests hold the
count and the quota exact whatever changed the records: this process,
another one (a second ``Database`` on the same file or server), a deletion,
a clinician's write, a refused write, a record moved or a person deleted; and
no write counts the person's index. Each runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, text

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


def test_no_write_counts_the_persons_records_and_the_quota_holds(
    opened: Callable[[], Database],
) -> None:
    db = opened()
    import_records(db, "alice", moods(1, offset=0))
    counted = counts_sent(db)

    store_records(db, "alice", moods(2, offset=10))
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
    store_records(server, "alice", moods(2, offset=10))
    import_records(other, "alice", moods(2, offset=20))  # 6 now

    with pytest.raises(TooManyRecords, match=r"7 records, more than one person may keep \(6\)"):
        store_records(server, "alice", moods(1, offset=30))

    assert len(person_entries(other, "alice")) == PER_PERSON


def test_a_deletion_is_counted(opened: Callable[[], Database]) -> None:
    db = opened()
    _person(db)
    ids = store_records(db, "alice", moods(5, offset=10))
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


def test_the_kept_count_is_the_number_of_records_after_every_kind_of_change(
    opened: Callable[[], Database],
) -> None:
    db, other = opened(), opened()
    import_records(db, "alice", moods(3, offset=0))
    import_records(db, "bob", [], create=True)
    assert kept_and_counted(db) == {"alice": (3, 3), "bob": (0, 0)}

    ids = store_records(other, "alice", moods(2, offset=10))
    delete_record(db, "alice", ids[0])
    with pytest.raises(TooManyRecords):
        store_records(db, "alice", moods(3, offset=20))  # 7: refused, nothing stored
    assert kept_and_counted(db) == {"alice": (4, 4), "bob": (0, 0)}

    with db.engine.begin() as connection:  # a record moved to another person, in plain SQL
        connection.execute(
            text(
                "UPDATE records SET person_id = (SELECT id FROM people WHERE name = 'bob')"
                " WHERE id = :id"
            ),
            {"id": ids[1]},
        )
    assert kept_and_counted(db) == {"alice": (3, 3), "bob": (1, 1)}

    with db.engine.begin() as connection:  # a person deleted: their records go with them
        connection.execute(text("DELETE FROM people WHERE name = 'alice'"))
    assert kept_and_counted(db) == {"bob": (1, 1)}


def kept_and_counted(db: Database) -> dict[str, tuple[int, int]]:
    """Each person's kept ``records_count`` beside a count of their records, in plain SQL."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT name, records_count,"
                " (SELECT count(*) FROM records WHERE records.person_id = people.id)"
                " FROM people ORDER BY name"
            )
        ).all()
    return {name: (int(kept), int(counted)) for name, kept, counted in rows}


def _person(db: Database) -> None:
    """Alice exists with no records (``store_records`` writes for existing people only)."""
    import_records(db, "alice", [], create=True)
