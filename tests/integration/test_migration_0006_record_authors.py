"""Migration 0006: who created each record, and rows with impossible times set aside.

A database is built at revision 0005 with rows as the old code could store
them (a use in year 0001 and one in 9999, which no longer parse; a mood whose
own time is in 1900 but whose UTC time is in 1899, which still does), plus a
drug screen and notes by both sides. After the upgrade the impossible rows
are in ``set_aside_records``, whole; the person's history reads and assesses
again; and every row says who created it. Both databases.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from alembic import command
from sqlalchemy import Engine, Integer, String, column, insert, select, table

from ketpath.services import assess_person, open_database, person_entries
from ketpath.store import make_engine, migrate
from ketpath.store.database import alembic_config, current_revision, head_revision
from ketpath.store.tables import JSON_DOCUMENT, UTCDateTime, people, set_aside_records

RECORDS_AT_0005 = table(
    "records",
    column("id", Integer()),
    column("person_id", Integer()),
    column("type", String()),
    column("time_utc", UTCDateTime()),
    column("data", JSON_DOCUMENT),
    column("created_at", UTCDateTime()),
)
PLUS_ONE = timezone(timedelta(hours=1))
ROWS: list[dict[str, Any]] = [
    {"type": "use", "time": datetime(1, 1, 1, tzinfo=UTC)},
    {"type": "use", "time": datetime(9999, 6, 1, tzinfo=UTC)},
    {"type": "mood", "time": datetime(1900, 1, 1, 0, 30, tzinfo=PLUS_ONE), "score": 4},
    {"type": "mood", "time": datetime(2026, 5, 1, 9, tzinfo=UTC), "score": 6},
    {
        "type": "drug-screen",
        "time": datetime(2026, 5, 2, 9, tzinfo=UTC),
        "result": "positive",
        "method": "urine",
    },
    {
        "type": "note",
        "time": datetime(2026, 5, 2, 9, 5, tzinfo=UTC),
        "text": "seen",
        "author_role": "clinician",
    },
    {
        "type": "note",
        "time": datetime(2026, 5, 3, 9, tzinfo=UTC),
        "text": "mine",
        "author_role": "person",
    },
]


def _upgrade_to(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection=connection), revision)


def _database_at_0005(database_url: str) -> list[int]:
    """A 0005 database with Sam's rows (as the old code stored them); their ids in ROWS order."""
    now = datetime.now(UTC)
    engine = make_engine(database_url)
    try:
        _upgrade_to(engine, "0005")
        with engine.begin() as connection:
            sam = connection.execute(
                insert(people).values(name="sam", created_at=now).returning(people.c.id)
            ).scalar_one()
            ids = []
            for row in ROWS:
                data = {**row, "time": row["time"].isoformat()}
                ids.append(
                    connection.execute(
                        insert(RECORDS_AT_0005)
                        .values(
                            person_id=sam,
                            type=row["type"],
                            time_utc=row["time"],
                            data=data,
                            created_at=now,
                        )
                        .returning(RECORDS_AT_0005.c.id)
                    ).scalar_one()
                )
        return ids
    finally:
        engine.dispose()


def test_rows_with_impossible_times_are_set_aside_whole_and_the_history_reads_again(
    database_url: str,
) -> None:
    ids = _database_at_0005(database_url)
    with open_database(database_url) as db:
        assert current_revision(db.engine) == head_revision()
        entries = person_entries(db, "sam")
        assert [entry.id for entry in entries] == ids[2:]
        assess_person(db, "sam", as_of=datetime(2026, 5, 10, tzinfo=UTC))
        with db.engine.connect() as connection:
            set_aside = connection.execute(
                select(set_aside_records).order_by(set_aside_records.c.id)
            ).all()
        with db.unit_of_work() as uow:
            sam = uow.people.get("sam")
    assert sam is not None
    assert [row.id for row in set_aside] == ids[:2]
    assert {row.person_id for row in set_aside} == {sam.id}
    data = [row.data if isinstance(row.data, dict) else json.loads(row.data) for row in set_aside]
    assert [item["time"] for item in data] == [
        "0001-01-01T00:00:00+00:00",
        "9999-06-01T00:00:00+00:00",
    ]
    assert set_aside[0].reason == ("time: the year must be between 1900 and 2200 (it was 1)")
    assert all(row.set_aside_at is not None for row in set_aside)


def test_older_rows_get_the_creator_their_kind_implies(database_url: str) -> None:
    _database_at_0005(database_url)
    with open_database(database_url) as db:
        roles = [(e.record.type, e.created_by, e.created_role) for e in person_entries(db, "sam")]
    assert roles == [
        ("mood", None, "person"),
        ("mood", None, "person"),
        ("drug-screen", None, "clinician"),
        ("note", None, "clinician"),
        ("note", None, "person"),
    ]


def test_migrating_again_changes_nothing(database_url: str) -> None:
    _database_at_0005(database_url)
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)
        with engine.connect() as connection:
            assert len(connection.execute(select(set_aside_records)).all()) == 2
    finally:
        engine.dispose()
