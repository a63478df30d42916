"""Which database, how to connect to it, and bringing its schema up to date.

The URL comes from, in order: an explicit value (the ``--db`` option), the
``KETPATH_DB`` environment variable, or an SQLite file in the user's data
directory. A bare filesystem path means an SQLite file; ``postgresql://`` URLs
use psycopg 3.

An SQLite file can be encrypted at rest with SQLCipher (the ``sqlcipher3``
package): give a passphrase in ``KETPATH_DB_PASSPHRASE`` (or to
:func:`open_database`), and name the file ``sqlite+sqlcipher:///path`` to
insist on it. The passphrase never goes into a URL, a log or a process
argument; a URL that carries one is refused. See :func:`_key_sqlcipher` for
how the key is derived.

SQLite is set up the way its documentation recommends for an application
file: foreign keys on (they are off by default), write-ahead logging (readers
do not block the writer), and real transactions. Python's ``sqlite3`` module
(before 3.12's ``autocommit``) only begins a transaction before DML, so DDL and
``SELECT`` would run outside one; we turn that off and emit ``BEGIN`` ourselves,
the recipe in SQLAlchemy's SQLite dialect documentation ("Serializable
isolation / Savepoints / Transactional DDL"). That also makes a migration on
SQLite all-or-nothing.

``synchronous`` is set to FULL explicitly (some builds default WAL databases
to NORMAL). With NORMAL a commit skips its fsync: a killed process loses
nothing, but a power cut or kernel crash can take back transactions that were
already acknowledged, and an acknowledged entry must never be lost. The fsync
this costs is shared between concurrent writers (``store.group_commit``)
rather than given up.

The file holds health data, so it is private to its owner: the default data
folder is created (or tightened to) 0700, and a database file is created 0600
before SQLite opens it, or tightened to 0600 if it exists, with its ``-wal``
and ``-shm`` companions. SQLite creates those companions with the database
file's own permissions (``findCreateFileMode`` in its unix VFS), so they stay
0600 whatever the process umask.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import platformdirs
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.pool import ConnectionPoolEntry

from ketpath.errors import BadInput
from ketpath.store.repository import HistoryCache
from ketpath.store.unit_of_work import NO_TRANSACTION_OPTION, WRITE_OPTION, UnitOfWork

ENVIRONMENT_VARIABLE = "KETPATH_DB"
PASSPHRASE_VARIABLE = "KETPATH_DB_PASSPHRASE"
ENCRYPTED_SCHEME = "sqlite+sqlcipher"
APP_NAME = "ketpath"
DATABASE_FILE = "ketpath.db"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("-wal", "-shm", "-journal")
_POSTGRES_SCHEMES = {"postgresql", "postgres"}


class PassphraseError(BadInput):
    """An encrypted database cannot be opened: wrong or missing passphrase, or no SQLCipher."""


def default_url() -> URL:
    """An SQLite file in the user's data directory (created when missing)."""
    directory = Path(platformdirs.user_data_dir(APP_NAME))
    directory.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(directory, PRIVATE_FOLDER)
    return _sqlite_url(directory / DATABASE_FILE)


def _tighten(path: Path, mode: int) -> None:
    """Take away group and other access.

    A file we do not own is left as it is, and so is one that is gone: SQLite
    deletes its rollback journal when another process's transaction ends.
    """
    try:
        if path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except (PermissionError, FileNotFoundError):
        pass


def private_sqlite_file(database: str | None) -> None:
    """Create the SQLite file 0600 if missing; tighten it and its companions if they exist."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    if not path.parent.is_dir():
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, PRIVATE_FILE))
    except OSError:
        return
    for candidate in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_COMPANIONS)):
        _tighten(candidate, PRIVATE_FILE)


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


def make_engine(url: URL | str, *, passphrase: str | None = None) -> Engine:
    """An engine with ketpath's connection settings for the URL's dialect.

    ``passphrase`` (default: ``$KETPATH_DB_PASSPHRASE``) opens or creates an
    SQLite file encrypted with SQLCipher; ``sqlite+sqlcipher`` URLs require one.
    """
    resolved = make_url(url)
    key = _passphrase(resolved, passphrase)
    if resolved.get_backend_name() == "sqlite":
        private_sqlite_file(resolved.database)
        pool = _sqlite_pool(resolved)
        if key is None:
            engine = create_engine(resolved, **pool)
            _configure_sqlite(engine, keying=None)
            return engine
        engine = create_engine(resolved.set(drivername="sqlite"), module=_sqlcipher(), **pool)
        _configure_sqlite(engine, keying=_keying(key, resolved.database))
        return engine
    if key is not None:
        raise PassphraseError(
            f"{PASSPHRASE_VARIABLE} encrypts SQLite files only; "
            f"{resolved.get_backend_name()} encrypts its storage on the server side"
        )
    engine = create_engine(resolved)
    _ping_idle_connections(engine)
    return engine


#: A server's connection handed back to the pool this recently is used without a ping.
TRUSTED_SECONDS = 1.0
_RETURNED = "ketpath_returned"


def _ping_idle_connections(engine: Engine) -> None:
    """Ping a server's pooled connection before use, unless it was in use a moment ago.

    A connection that sat in the pool may have died meanwhile (the server
    restarted, a firewall dropped it); a ping (``SELECT 1``) finds that out
    and the pool opens a new one, instead of the request failing. That is
    SQLAlchemy's ``pool_pre_ping``, which pings on every checkout: a round
    trip more for each unit of work, two on every API write (issue 16.3).
    A connection handed back less than :data:`TRUSTED_SECONDS` ago was
    working then; a server restart takes longer than that, so one that died
    since would fail a request in flight anyway. Under load, connections
    come back within milliseconds, so the pings go; an idle pool still pings.
    """

    @event.listens_for(engine, "connect")
    def _new(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info.pop(_RETURNED, None)  # a new connection is live: no ping

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info[_RETURNED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED)
        if returned is None or time.monotonic() - returned < TRUSTED_SECONDS:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            # As pool_pre_ping: the pool drops its connections and this checkout opens a new one.
            raise InvalidatePoolError(str(error)) from error


#: Connections an SQLite file's pool keeps open: as many as it may open at once
#: (SQLAlchemy's default, 5 kept plus 10 more), so that none is opened only to be closed.
SQLITE_POOL_SIZE = 15


def _sqlite_pool(url: URL) -> dict[str, int]:
    """Pool settings for an SQLite file: keep every connection it opens (none in memory).

    With SQLAlchemy's default of 5 kept and 10 more opened when needed, the
    extra connections were closed as soon as they were handed back, and 32
    clients writing kept opening new ones, each with its PRAGMAs and its
    switch to WAL: a third of the checkouts of a run of API writes opened a
    connection (issue 16.3). The most open at once is unchanged; the pool
    just keeps them. An in-memory database has a pool of its own kind.
    """
    if not url.database or url.database == ":memory:" or "mode=memory" in str(url):
        return {}
    return {"pool_size": SQLITE_POOL_SIZE, "max_overflow": 0}


def _passphrase(url: URL, explicit: str | None) -> str | None:
    """The passphrase to key the database with, or None for an unencrypted one."""
    if url.get_backend_name() == "sqlite" and url.password:
        raise PassphraseError(
            f"put the passphrase in {PASSPHRASE_VARIABLE}, not in the database URL "
            "(URLs end up in shell history, process lists and logs)"
        )
    chosen = explicit if explicit is not None else os.environ.get(PASSPHRASE_VARIABLE, "")
    if not chosen:
        if url.drivername == ENCRYPTED_SCHEME:
            raise PassphraseError(
                f"{url.database or 'this database'} is opened encrypted "
                f"({ENCRYPTED_SCHEME}) but no passphrase was given: set {PASSPHRASE_VARIABLE}"
            )
        return None
    if "\x00" in chosen:
        raise PassphraseError("the passphrase cannot contain a NUL character")
    return chosen


def _sqlcipher() -> ModuleType:
    """SQLCipher's DB-API module (imported by name: the package ships no type hints)."""
    try:
        return importlib.import_module("sqlcipher3.dbapi2")
    except ImportError:
        raise PassphraseError(
            "an encrypted database needs SQLCipher: install the sqlcipher3-binary package "
            "(or sqlcipher3 built against your libsqlcipher), exactly one of them"
        ) from None


def _keying(passphrase: str, database: str | None) -> Callable[[Any], None]:
    """A function that keys a new SQLCipher connection and checks the key is right."""
    where = database or "the database"
    keys = _DerivedKeys(passphrase)

    def key(dbapi_connection: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            _key_sqlcipher(cursor, keys.pragma_value(_salt_of(database)))
            cursor.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except dbapi_connection.DatabaseError:
            raise PassphraseError(
                f"cannot open {where}: wrong passphrase, "
                "or the file is not a database encrypted by ketpath"
            ) from None
        finally:
            cursor.close()

    return key


SALT_BYTES = 16
KDF_ITERATIONS = 256_000
KEY_BYTES = 32
"""SQLCipher 4's defaults (``cipher_compatibility = 4``): PBKDF2-HMAC-SHA512, 256,000 rounds."""


class _DerivedKeys:
    """The passphrase, and the key SQLCipher would derive from it, computed once per salt.

    SQLCipher runs its PBKDF2 on every new connection (~100 ms here), and a
    busy server opens connections as its thread pool grows. Once the file
    exists its salt is readable (the first 16 bytes, left in the clear for
    exactly this), so we derive the same key SQLCipher would, once, and key
    later connections with it as a raw key (``x'...'``), which SQLCipher uses
    without running the KDF. A new file is keyed with the passphrase, so that
    SQLCipher draws its random salt.
    """

    def __init__(self, passphrase: str) -> None:
        self._passphrase = passphrase
        self._by_salt: dict[bytes, str] = {}
        self._guard = threading.Lock()

    def pragma_value(self, salt: bytes | None) -> str:
        if salt is None:
            return "'" + self._passphrase.replace("'", "''") + "'"
        with self._guard:
            found = self._by_salt.get(salt)
            if found is None:
                derived = hashlib.pbkdf2_hmac(
                    "sha512", self._passphrase.encode(), salt, KDF_ITERATIONS, KEY_BYTES
                )
                found = self._by_salt[salt] = f"\"x'{derived.hex()}'\""
        return found


def _salt_of(database: str | None) -> bytes | None:
    """An existing SQLCipher file's salt (its first 16 bytes); None for a new or empty one."""
    if not database or database == ":memory:":
        return None
    try:
        with Path(database).open("rb") as file:
            salt = file.read(SALT_BYTES)
    except FileNotFoundError:
        return None
    return salt if len(salt) == SALT_BYTES else None


def _key_sqlcipher(cursor: Any, key: str) -> None:
    """Key the connection with SQLCipher 4's own key derivation.

    SQLCipher derives the key with PBKDF2-HMAC-SHA512, 256,000 iterations, and
    a random 16-byte salt per database that it keeps in the file's first 16
    bytes (the rest of the file, the SQLite header included, is encrypted and
    authenticated per page with HMAC-SHA512). ``cipher_compatibility = 4``
    pins those settings, so a later SQLCipher whose defaults change still opens
    today's files. We use it rather than argon2id with a raw key: argon2id is
    harder on GPUs, but the file could then be opened only by ketpath. With
    SQLCipher's own derivation a person can recover their data with the stock
    ``sqlcipher`` shell and the passphrase alone (a test checks this).
    (SQLCipher API, "PRAGMA key", "PRAGMA cipher_compatibility"; OWASP's
    password storage cheat sheet asks 210,000 iterations of PBKDF2-HMAC-SHA512.)
    ``key`` is the quoted passphrase, or the same derived key as a raw key
    (:class:`_DerivedKeys`).
    """
    # A wrong key is reported by PassphraseError; SQLCipher's own log would add
    # "hmac check failed" lines to the person's terminal.
    cursor.execute("PRAGMA cipher_log_level = NONE")
    cursor.execute(f"PRAGMA key = {key}")
    cursor.execute("PRAGMA cipher_compatibility = 4")


#: How long a new connection keeps asking for WAL mode while another holds the file.
WAL_SWITCH_SECONDS = 5.0


def _into_wal(cursor: sqlite3.Cursor) -> None:
    """``PRAGMA journal_mode = WAL``, retried while another connection holds the file.

    Switching a fresh file to WAL takes an exclusive lock, and SQLite answers
    "database is locked" at once instead of calling the busy handler, so
    several processes opening a new database together (``serve --workers``, a
    test's threads) could fail on the first connection; the switch is retried
    for up to :data:`WAL_SWITCH_SECONDS`, as the busy timeout would wait.
    """
    deadline = time.monotonic() + WAL_SWITCH_SECONDS
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _configure_sqlite(engine: Engine, *, keying: Callable[[Any], None] | None) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        if keying is not None:
            keying(dbapi_connection)
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA busy_timeout = 5000")
            cursor.execute("PRAGMA foreign_keys = ON")
            _into_wal(cursor)
            cursor.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as error:
            if keying is None and "not a database" in str(error):
                raise PassphraseError(
                    f"cannot open {engine.url.database}: it is not an SQLite database; "
                    f"if it is encrypted, set {PASSPHRASE_VARIABLE}"
                ) from None
            raise
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get(NO_TRANSACTION_OPTION, False):
            return  # each statement commits as it runs (``UnitOfWork(transaction=False)``)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def alembic_config(*, connection: Connection | None = None) -> Config:
    """Alembic configured in code, so it works from an installed package."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@functools.cache
def head_revision() -> str | None:
    """The newest revision among the migration scripts shipped with the package.

    Kept after the first call: finding it reads and imports every script
    (about 0.15 s), every ``open_database`` asks, and the scripts cannot
    change while the process runs.
    """
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
class RecordLimits:
    """How many records one import may bring, and one person may hold (issue 11, point 15).

    A decade of daily logging is some 15,000 records, so neither bound should
    meet an honest history; they stop one upload (or a script) from filling the
    database or making every page of a person take seconds. ``services``
    enforces them on every write path.
    """

    per_import: int = 20_000
    per_person: int = 100_000


@dataclass(frozen=True, kw_only=True)
class Database:
    """An engine, and units of work on its connections; hand it to the services."""

    url: URL
    engine: Engine
    histories: HistoryCache = field(default_factory=HistoryCache, repr=False)
    """Parsed histories kept between reads (``services.records.person_entries``)."""
    limits: RecordLimits = field(default_factory=RecordLimits)
    """Records per import and per person (``services.quota``)."""

    def unit_of_work(self, *, write: bool = False, transaction: bool = True) -> UnitOfWork:
        """A unit of work; pass ``write=True`` when it will write (see ``unit_of_work``).

        ``transaction=False``: no transaction, each statement sees what was
        committed when it ran; for a read of one row that every request makes
        (a token's owner), where ``BEGIN`` and ``ROLLBACK`` cost more than the
        read: two of three round trips on PostgreSQL.
        """
        return UnitOfWork(self.engine, write=write, transaction=transaction)

    def display_url(self) -> str:
        """The URL with any password hidden, fit for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_database(
    url: str | None = None,
    *,
    upgrade: bool = True,
    passphrase: str | None = None,
    limits: RecordLimits | None = None,
) -> Database:
    """Connect to the database ``url`` names (see :func:`resolve_url`).

    The schema is migrated to the newest revision unless it already is there;
    ``upgrade=False`` skips that (for tools that inspect a database as found).
    ``passphrase`` (default: ``$KETPATH_DB_PASSPHRASE``) opens an encrypted
    SQLite file, or creates one; a wrong one raises :class:`PassphraseError`.
    ``limits`` bound records per import and per person (default :class:`RecordLimits`).
    """
    resolved = resolve_url(url)
    engine = make_engine(resolved, passphrase=passphrase)
    try:
        if upgrade and current_revision(engine) != head_revision():
            migrate(engine)
    except BaseException:
        engine.dispose()
        raise
    return Database(
        url=resolved,
        engine=engine,
        limits=limits or RecordLimits(),
    )
