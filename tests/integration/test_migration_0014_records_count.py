"""Migration 0014 adds ``people.records_count``, counts what people hold, and keeps it by triggers.

A database at revision 0013 holds two people, one with three records. Upgrading
fills in their counts; records inserted, moved to another person, edited and
deleted afterwards, in plain SQL as any path might, keep them exact. Downgrading to
0013 drops the column and its triggers and keeps every record (a record can
still be inserted); upgrading again counts afresh. Both databases.
"""

from __future__ import annotations

from sqlalchemy import Engine, text

from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision
from migrating import columns, migrate

INSERT_RECORD = (
    "INSERT INTO records (person_id, type, time_utc, data, created_at, created_role, uid)"
    " VALUES (:person, 'mood', '2026-11-01 09:00:00', '{}', '2026-11-01 09:00:00', 'person', :uid)"
)


def two_people_at_0013(engine: Engine) -> tuple[int, int]:
    """Ann with three records and Bo with none, written in plain SQL at revision 0013."""
    migrate(engine, "0013")
    with engine.begin() as connection:
        ids = [
            connection.execute(
                text(
                    "INSERT INTO people (name, created_at) VALUES (:name, '2026-11-01 09:00:00')"
                    " RETURNING id"
                ),
                {"name": name},
            ).scalar_one()
            for name in ("ann", "bo")
        ]
        for n in range(3):
            connection.execute(text(INSERT_RECORD), {"person": ids[0], "uid": f"r{n}"})
    return ids[0], ids[1]


def kept(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT name, records_count FROM people ORDER BY name"))
        return {name: int(count) for name, count in rows}


def test_upgrading_counts_each_persons_records_and_the_triggers_keep_the_count(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        ann, bo = two_people_at_0013(engine)
        assert "records_count" not in columns(engine, "people")
        migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        assert kept(engine) == {"ann": 3, "bo": 0}

        with engine.begin() as connection:
            connection.execute(text(INSERT_RECORD), {"person": bo, "uid": "b1"})
            connection.execute(text(INSERT_RECORD), {"person": bo, "uid": "b2"})
            connection.execute(
                text("UPDATE records SET person_id = :bo WHERE uid = 'r0'"), {"bo": bo}
            )
            connection.execute(text("DELETE FROM records WHERE uid = 'r1'"))
        assert kept(engine) == {"ann": 1, "bo": 3}
        with engine.begin() as connection:  # an edit that keeps the person changes no count
            connection.execute(text("UPDATE records SET uid = uid || '-edited'"))
        assert kept(engine) == {"ann": 1, "bo": 3}
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM records WHERE person_id = :ann"), {"ann": ann})
        assert kept(engine) == {"ann": 0, "bo": 3}
    finally:
        engine.dispose()


def test_downgrading_drops_the_count_and_its_triggers_keeps_records_and_upgrading_recounts(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        ann, _bo = two_people_at_0013(engine)
        migrate(engine, "head")
        migrate(engine, "0013", down=True)
        assert current_revision(engine) == "0013"
        assert "records_count" not in columns(engine, "people")
        with engine.begin() as connection:  # no trigger is left to name the dropped column
            connection.execute(text(INSERT_RECORD), {"person": ann, "uid": "r3"})
            assert connection.execute(text("SELECT count(*) FROM records")).scalar_one() == 4
        migrate(engine, "head")
        assert kept(engine) == {"ann": 4, "bo": 0}
    finally:
        engine.dispose()
