"""Migrations bring a fresh database to the newest schema, and doing it again changes nothing."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from ketpath.core.records import Record
from ketpath.services import OPERATOR, export_records, import_records
from ketpath.store import make_engine, migrate, open_database
from ketpath.store.database import current_revision, head_revision
from ketpath.store.tables import metadata


def test_it_migrates_a_fresh_database_to_the_newest_revision(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"people", "records", "alembic_version"} <= tables
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_tables_module(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        with engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_migrating_twice_changes_nothing_and_keeps_the_data(
    database_url: str, alice_records: list[Record]
) -> None:
    with open_database(database_url) as db:
        import_records(db, "alice", alice_records, author=OPERATOR)
        before = export_records(db, "alice")
        migrate(db.engine)
        migrate(db.engine)
        assert current_revision(db.engine) == head_revision()
        assert export_records(db, "alice") == before


def test_opening_an_existing_database_again_keeps_its_records(
    database_url: str, alice_records: list[Record]
) -> None:
    with open_database(database_url) as db:
        import_records(db, "alice", alice_records, author=OPERATOR)
    with open_database(database_url) as reopened:
        assert len(export_records(reopened, "alice")) == len(alice_records)


def test_the_records_index_covers_person_and_time(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        indexes = inspect(engine).get_indexes("records")
        assert {"name": "ix_records_person_id_time_utc"}.items() <= indexes[0].items()
        assert indexes[0]["column_names"] == ["person_id", "time_utc"]
    finally:
        engine.dispose()


def test_several_workers_opening_a_fresh_database_at_once_all_succeed(database_url: str) -> None:
    def open_and_close(_worker: int) -> str | None:
        with open_database(database_url) as db:
            return current_revision(db.engine)

    with ThreadPoolExecutor(max_workers=4) as pool:
        revisions = list(pool.map(open_and_close, range(4)))
    assert revisions == [head_revision()] * 4
