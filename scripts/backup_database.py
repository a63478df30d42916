"""The parts of ``scripts/backup.sh`` and ``scripts/restore.sh`` that need ketpath's own view.

The shell scripts call the standard tools (``pg_dump``, ``pg_restore``,
``psql``, ``sha256sum``); this helper answers what only ketpath knows, so that
the scripts find the database exactly as ``ketpath serve`` does:

``where``
    Shell assignments for the database ``KETPATH_DB`` names (``resolve_url``):
    ``KIND`` (``postgresql`` or ``sqlite``), ``ENCRYPTED`` (``yes`` for an
    SQLCipher file), ``SQLITE_FILE``, and for PostgreSQL libpq's own
    variables (``PGHOST``, ``PGPORT``, ``PGUSER``, ``PGDATABASE``,
    ``PGPASSWORD``, ``PGSSLMODE``), exported, so that a password reaches
    ``pg_dump`` through its environment and never through its arguments
    (which any local user can read in the process list).
    With ``--describe`` also ``REVISION``, the schema revision of the
    database (Alembic's), and ``VERSION``, ketpath's, for the manifest.
``sqlite-backup DEST``
    A consistent copy of the SQLite database while the server may be running:
    SQLite's online backup API for a plain file (it copies a snapshot and
    restarts if a writer changes a page meanwhile), and SQLCipher's
    ``sqlcipher_export`` for an encrypted one, so the copy stays encrypted
    with the same passphrase (SQLCipher documents that the backup API cannot
    copy between keyed databases; ``sqlcipher_export`` is its answer).
``sqlite-restore SOURCE [--force]``
    Put a backed-up file in the database's place. An existing database that
    holds tables (or any encrypted one, which cannot be looked into without
    the key) is refused unless ``--force``; then it and its ``-wal``/``-shm``
    are moved aside, not deleted, to ``NAME.before-restore-STAMP``.

Exit 1 with one line on standard error when something is refused.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sqlite3
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

from sqlalchemy.engine import URL

from ketpath.errors import BadInput
from ketpath.store.database import (
    ENCRYPTED_SCHEME,
    PASSPHRASE_VARIABLE,
    PRIVATE_FILE,
    SQLITE_COMPANIONS,
    current_revision,
    make_engine,
    resolve_url,
)

REFUSED = 1


class RefusedError(Exception):
    """Something the operator must decide or fix; the message says what."""


def _encrypted(url: URL) -> bool:
    return url.drivername == ENCRYPTED_SCHEME or bool(os.environ.get(PASSPHRASE_VARIABLE))


def where(url: URL) -> list[str]:
    """``NAME=value`` lines for the shell, each value quoted."""
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            raise RefusedError("an in-memory database cannot be backed up")
        return [
            "KIND=sqlite",
            f"ENCRYPTED={'yes' if _encrypted(url) else 'no'}",
            f"SQLITE_FILE={shlex.quote(url.database)}",
        ]
    if url.get_backend_name() != "postgresql":
        raise RefusedError(f"{url.get_backend_name()} databases are not supported; use PostgreSQL")
    query_host = url.query.get("host")
    host = url.host or (query_host if isinstance(query_host, str) else None)
    sslmode = url.query.get("sslmode")
    libpq = {
        "PGHOST": host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGDATABASE": url.database,
        "PGPASSWORD": url.password if isinstance(url.password, str) else None,
        "PGSSLMODE": sslmode if isinstance(sslmode, str) else None,
    }
    if not url.database:
        raise RefusedError("the PostgreSQL URL in KETPATH_DB names no database")
    lines = ["KIND=postgresql", "ENCRYPTED=no", "SQLITE_FILE=''"]
    for name, value in libpq.items():
        if value:
            lines.append(f"{name}={shlex.quote(value)}; export {name}")
    return lines


def revision(url: URL) -> str:
    if url.get_backend_name() == "sqlite":
        stored = Path(url.database or "")
        if not stored.is_file() or stored.stat().st_size == 0:
            raise RefusedError(f"there is no SQLite database at {stored}")
    engine = make_engine(url)
    try:
        return current_revision(engine) or "none"
    finally:
        engine.dispose()


def _private_new_file(path: Path) -> None:
    """Create ``path`` empty and owner-only; refuse to touch one that exists."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    except FileExistsError:
        raise RefusedError(f"{path} exists already") from None


def sqlite_backup(url: URL, destination: Path) -> None:
    source = Path(url.database or "")
    if not source.is_file() or source.stat().st_size == 0:
        raise RefusedError(f"there is no SQLite database at {source}")
    _private_new_file(destination)
    engine = make_engine(url)
    try:
        raw = engine.raw_connection()
        try:
            connection = raw.driver_connection
            assert connection is not None
            if _encrypted(url):
                destination.unlink()  # SQLCipher creates the attached file itself
                passphrase = os.environ.get(PASSPHRASE_VARIABLE, "")
                connection.execute(
                    "ATTACH DATABASE ? AS backup KEY ?", (str(destination), passphrase)
                )
                connection.execute("SELECT sqlcipher_export('backup')")
                connection.execute("DETACH DATABASE backup")
                destination.chmod(PRIVATE_FILE)
            else:
                with sqlite3.connect(destination) as copy:
                    connection.backup(copy)
                    copy.execute("PRAGMA journal_mode = DELETE")
                copy.close()
        finally:
            raw.close()
    finally:
        engine.dispose()
    if not _encrypted(url):
        _check_plain_copy(destination)


def _check_plain_copy(path: Path) -> None:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as copy:
        verdict = copy.execute("PRAGMA integrity_check").fetchone()
    copy.close()
    if verdict is None or verdict[0] != "ok":
        raise RefusedError(f"the copy at {path} failed SQLite's integrity check: {verdict}")


def _table_count(path: Path) -> int | None:
    """Tables in a plain SQLite file (0 when missing or empty); None when it cannot be read."""
    if not path.exists() or path.stat().st_size == 0:
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as database:
            found = database.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
            ).fetchone()
        database.close()
    except sqlite3.DatabaseError:
        return None
    return int(found[0])


def sqlite_restore(url: URL, source: Path, *, force: bool) -> str:
    """Put ``source`` where the database lives; what was there is moved aside (``force``)."""
    target = Path(url.database or "")
    if not source.is_file():
        raise RefusedError(f"{source} is not a file")
    tables = None if _encrypted(url) and target.exists() else _table_count(target)
    occupied = tables is None or tables > 0
    if occupied and not force:
        held = "an encrypted database" if tables is None else f"{tables} tables"
        raise RefusedError(
            f"{target} already holds {held}; restore into an empty or missing file, "
            "or pass --force to move it aside and replace it"
        )
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.restoring")
    _remove_with_companions(partial)
    _private_new_file(partial)
    with source.open("rb") as reading, partial.open("wb") as writing:
        shutil.copyfileobj(reading, writing)
        writing.flush()
        os.fsync(writing.fileno())
    try:
        _check_opens(url.set(database=str(partial)))
    except RefusedError:
        _remove_with_companions(partial)
        raise
    moved = ""
    if target.exists() and target.stat().st_size > 0:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        aside = target.with_name(f"{target.name}.before-restore-{stamp}")
        for suffix in ("", *SQLITE_COMPANIONS):
            companion = Path(f"{target}{suffix}")
            if companion.exists():
                companion.rename(Path(f"{aside}{suffix}"))
        moved = f"; the database that was there is now {aside}"
    else:
        _remove_with_companions(target)
    partial.replace(target)
    return f"restored {source} to {target}{moved}"


def _remove_with_companions(path: Path) -> None:
    for suffix in ("", *SQLITE_COMPANIONS):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _check_opens(url: URL) -> None:
    """Open the restored copy as ketpath will (keyed when encrypted) before it replaces anything."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM sqlite_master").scalar_one()
    except BadInput as problem:
        raise RefusedError(
            f"the backup cannot be opened: {problem}; nothing was replaced"
        ) from None
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    located = commands.add_parser("where")
    located.add_argument(
        "--describe",
        action="store_true",
        help="also REVISION (the schema's) and VERSION (ketpath's), for a backup's manifest",
    )
    backup = commands.add_parser("sqlite-backup")
    backup.add_argument("destination", type=Path)
    restore = commands.add_parser("sqlite-restore")
    restore.add_argument("source", type=Path)
    restore.add_argument("--force", action="store_true")
    options = parser.parse_args(argv)
    try:
        url = resolve_url()
        if options.command == "where":
            lines = where(url)
            if options.describe:
                lines += [
                    f"REVISION={shlex.quote(revision(url))}",
                    f"VERSION={shlex.quote(version('ketpath'))}",
                ]
            print("\n".join(lines))
        elif options.command == "sqlite-backup":
            sqlite_backup(url, options.destination)
        else:
            print(sqlite_restore(url, options.source, force=options.force))
    except RefusedError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return REFUSED
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
