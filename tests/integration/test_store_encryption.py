"""An SQLite file encrypted at rest with SQLCipher (``KETPATH_DB_PASSPHRASE``).

Skipped, saying why, where no sqlcipher3 package is installed: encryption is
optional (DESIGN, "Running it").
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from ketpath.core.records import Craving, Record, Use, with_content_ids
from ketpath.services import import_records, person_records
from ketpath.store import open_database
from ketpath.store.database import PASSPHRASE_VARIABLE, PassphraseError, current_revision
from ketpath.store.database import head_revision as newest_revision

pytest.importorskip(
    "sqlcipher3",
    reason="encryption at rest needs SQLCipher: pip install sqlcipher3-binary (exactly one "
    "of the sqlcipher3 packages)",
)

PASSPHRASE = "correct horse battery staple"
SQLITE_HEADER = b"SQLite format 3\x00"
RECORDS: list[Record] = [
    Use(time=datetime(2026, 5, 1, 22, 10, tzinfo=UTC), dose_mg=60, route="intranasal"),
    Craving(time=datetime(2026, 5, 2, 9, 0, tzinfo=UTC), intensity=6, trigger="it's late"),
]


@pytest.fixture(autouse=True)
def _no_passphrase_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(PASSPHRASE_VARIABLE, raising=False)


def _encrypted(path: Path, passphrase: str = PASSPHRASE) -> None:
    with open_database(str(path), passphrase=passphrase) as db:
        import_records(db, "alice", RECORDS)


def test_an_encrypted_file_does_not_start_with_the_sqlite_header(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    assert path.read_bytes()[: len(SQLITE_HEADER)] != SQLITE_HEADER
    assert b"intranasal" not in path.read_bytes()


def test_plain_sqlite_cannot_read_an_encrypted_file(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    plain = sqlite3.connect(path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="not a database"):
            plain.execute("SELECT count(*) FROM sqlite_master").fetchall()
    finally:
        plain.close()


def test_it_round_trips_with_the_right_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    with open_database(str(path), passphrase=PASSPHRASE) as db:
        assert person_records(db, "alice") == with_content_ids(RECORDS)


def test_the_passphrase_can_come_from_the_environment_and_the_url_can_insist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    monkeypatch.setenv(PASSPHRASE_VARIABLE, PASSPHRASE)
    with open_database(f"sqlite+sqlcipher:///{path}") as db:
        assert person_records(db, "alice") == with_content_ids(RECORDS)
        assert PASSPHRASE not in db.display_url()


def test_wal_foreign_keys_and_migrations_work_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    with open_database(str(path), passphrase=PASSPHRASE) as db:
        assert current_revision(db.engine) == newest_revision()
        with db.engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA kdf_iter")).scalar() == "256000"


def test_a_wrong_passphrase_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    with pytest.raises(PassphraseError, match="wrong passphrase"):
        open_database(str(path), passphrase="not the passphrase")


def test_an_encrypted_file_opened_without_a_passphrase_says_to_give_one(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path)
    with pytest.raises(PassphraseError, match=PASSPHRASE_VARIABLE):
        open_database(str(path))


def test_an_encrypted_url_without_a_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PassphraseError, match="no passphrase"):
        open_database(f"sqlite+sqlcipher:///{tmp_path / 'new.db'}")
    assert not (tmp_path / "new.db").exists()


def test_a_passphrase_in_the_url_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PassphraseError, match="not in the database URL"):
        open_database(f"sqlite+sqlcipher://:{PASSPHRASE.replace(' ', '')}@/{tmp_path / 'x.db'}")


def test_a_passphrase_with_quotes_works(tmp_path: Path) -> None:
    path = tmp_path / "secret.db"
    _encrypted(path, passphrase="it's a 'quoted' one")
    with open_database(str(path), passphrase="it's a 'quoted' one") as db:
        assert person_records(db, "alice") == with_content_ids(RECORDS)


def test_the_cli_reports_a_wrong_passphrase_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ketpath.cli import run

    path = tmp_path / "secret.db"
    _encrypted(path)
    monkeypatch.setenv(PASSPHRASE_VARIABLE, "not the passphrase")
    code = run(["people", "--db", str(path)])
    captured = capsys.readouterr()
    assert code != 0
    assert "wrong passphrase" in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_the_file_opens_with_sqlcipher_and_the_passphrase_alone(tmp_path: Path) -> None:
    """Recovery without ketpath: SQLCipher 4's defaults and the passphrase are enough.

    Later connections are keyed with a key ketpath derives itself; this checks
    that it is the key SQLCipher derives, so nothing but the passphrase is needed.
    """
    import sqlcipher3

    path = tmp_path / "secret.db"
    _encrypted(path)
    with open_database(str(path), passphrase=PASSPHRASE) as db:  # keyed by the derived key
        import_records(db, "alice", [Craving(time=datetime(2026, 5, 3, tzinfo=UTC), intensity=2)])
    stock = sqlcipher3.connect(str(path))
    try:
        stock.execute(f"PRAGMA key = '{PASSPHRASE}'")
        stock.execute("PRAGMA cipher_compatibility = 4")
        assert stock.execute("SELECT count(*) FROM records").fetchone() == (3,)
    finally:
        stock.close()
