"""Which database, how to connect to it, and bringing its schema up to date.

The URL comes from, in order: an explicit value (the ``--db`` option), the
``KETPATH_DB`` environment variable, or an SQLite file in the user's data
directory. A bare filesystem path means an SQLite file; ``postgresql://`` URLs
use psycopg 3.

SQLite is set up the way its documentation recommends for an application
file: foreign keys on (they are off by default), write-ahead logging (readers
do not block the writer), and real transactions. Python's ``sqlite3`` module
(before 3.12's ``autocommit``) only begins a transaction before DML, so DDL and
``SELECT`` would run outside one; we turn that off and emit ``BEGIN`` ourselves,
the recipe in SQLAlchemy's SQLite dialect documentation ("Serializable
isolation / Savepoints / Transactional DDL"). That also makes a migration on
SQLite all-or-nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from ketpath.store.unit_of_work import WRITE_OPTION, UnitOfWork

ENVIRONMENT_VARIABLE = "KETPATH_DB"
APP_NAME = "ketpath"
DATABASE_FILE = "ketpath.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_POSTGRES_SCHEMES = {"postgresql", "postgres"}


def default_url() -> URL:
    """An SQLite file in the user's data directory (created when missing)."""
    directory = Path(platformdirs.user_data_dir(APP_NAME))
    directory.mkdir(parents=True, exist_ok=True)
    return _sqlite_url(directory / DATABASE_FILE)


def resolve_url(explicit: str | None = None, *, environ: Mapping[str, str] | None = None) -> URL:
    """The database URL: ``explicit`` > ``$KETPATH_DB`` > the default SQLite file."""
    env = os.environ if environ is None else environ
    chosen = (explicit or "").strip() or env.get(ENVIRONMENT_VARIABLE, "").strip()
    if not chosen:
        return default_url()
    return normalise_url(chosen)


def normalise_url(value: str) -> URL:
    """A URL for SQLAlchemy: bare paths become SQLite, ``postgresql`` gets psycopg 3."""
    if value == ":memory:":
        return make_url("sqlite://")
    if "://" not in value:
        return _sqlite_url(Path(value).expanduser())
    url = make_url(value)
    if url.drivername in _POSTGRES_SCHEMES:
        url = url.set(drivername="postgresql+psycopg")
    return url


def _sqlite_url(path: Path) -> URL:
    return URL.create("sqlite", database=str(path.resolve()))


def make_engine(url: URL | str) -> Engine:
    """An engine with ketpath's connection settings for the URL's dialect."""
    resolved = make_url(url)
    if resolved.get_backend_name() == "sqlite":
        engine = create_engine(resolved)
        _configure_sqlite(engine)
        return engine
    return create_engine(resolved, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout = 5000")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def alembic_config(*, connection: Connection | None = None) -> Config:
    """Alembic configured in code, so it works from an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def migrate(engine: Engine) -> None:
    """Upgrade the schema to the newest revision; doing it twice changes nothing.

    On SQLite, foreign keys are switched off for the duration, as SQLite's
    ALTER TABLE documentation requires: Alembic's batch mode rebuilds a table by
    copying it and dropping the old one, and with foreign keys on, that drop
    would cascade into the rows that reference it. They are checked before
    commit and switched back on afterwards.
    """
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            _driver_execute(connection, "PRAGMA foreign_keys = OFF")
            # Take the write lock before reading the current revision, so that a
            # second process migrating at the same time waits, then finds nothing to do.
            connection.execution_options(**{WRITE_OPTION: True})
        try:
            with connection.begin():
                if not sqlite:
                    # One migrator at a time when several workers start together.
                    connection.execute(text("SELECT pg_advisory_xact_lock(4271337)"))
                command.upgrade(alembic_config(connection=connection), "head")
                if sqlite:
                    _check_foreign_keys(connection)
        finally:
            if sqlite:
                _driver_execute(connection, "PRAGMA foreign_keys = ON")


def _driver_execute(connection: Connection, statement: str) -> None:
    """Run a statement on the raw driver connection, outside any transaction."""
    raw = connection.connection.dbapi_connection
    assert raw is not None
    cursor = raw.cursor()
    try:
        cursor.execute(statement)
    finally:
        cursor.close()


def _check_foreign_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"migration left rows with broken foreign keys: {broken[:5]}")


@dataclass(frozen=True, kw_only=True)
class Database:
    """An engine and a session factory; hand it to the services."""

    url: URL
    engine: Engine
    session_factory: sessionmaker[Session] = field(repr=False)

    def unit_of_work(self, *, write: bool = False) -> UnitOfWork:
        """A unit of work; pass ``write=True`` when it will write (see ``unit_of_work``)."""
        return UnitOfWork(self.session_factory, write=write)

    def display_url(self) -> str:
        """The URL with any password hidden, fit for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_database(url: str | None = None, *, upgrade: bool = True) -> Database:
    """Connect to the database ``url`` names (see :func:`resolve_url`).

    The schema is migrated to the newest revision unless it already is there;
    ``upgrade=False`` skips that (for tools that inspect a database as found).
    """
    resolved = resolve_url(url)
    engine = make_engine(resolved)
    if upgrade and current_revision(engine) != head_revision():
        migrate(engine)
    return Database(
        url=resolved,
        engine=engine,
        session_factory=sessionmaker(bind=engine, expire_on_commit=False),
    )
