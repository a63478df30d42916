"""The SQLite database and its data folder are private to their owner (issue 11, point 13).

They held health data readable by every local account (0644 in 0755). The
folder is now 0700 and the file, with its -wal and -shm companions, 0600,
whatever the umask; an existing database is tightened when opened.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import platformdirs
import pytest

from ketpath.core.records import parse_record
from ketpath.services import import_records
from ketpath.store import open_database
from ketpath.store.database import private_sqlite_file


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _write_something(url: str | None) -> None:
    with open_database(url) as db:
        import_records(
            db,
            "alice",
            [parse_record({"type": "mood", "time": "2026-05-01T10:00:00+00:00", "score": 5})],
        )
        # Keep the WAL and shared-memory files while we look at them.
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM records").fetchall()


def test_the_default_data_folder_and_database_are_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    folder = tmp_path / "data" / "ketpath"
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda _name: str(folder))
    monkeypatch.delenv("KETPATH_DB", raising=False)
    _write_something(None)
    assert _mode(folder) == 0o700
    assert _mode(folder / "ketpath.db") == 0o600


def test_an_existing_world_readable_folder_is_tightened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, open_umask: None
) -> None:
    folder = tmp_path / "ketpath"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    monkeypatch.setattr(platformdirs, "user_data_dir", lambda _name: str(folder))
    monkeypatch.delenv("KETPATH_DB", raising=False)
    _write_something(None)
    assert _mode(folder) == 0o700


def test_a_new_database_file_and_its_wal_and_shm_are_owner_only(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "k.db"
    with open_database(str(path)) as db:
        import_records(
            db,
            "alice",
            [parse_record({"type": "mood", "time": "2026-05-01T10:00:00+00:00", "score": 5})],
        )
        with db.engine.connect() as connection:
            connection.exec_driver_sql("SELECT count(*) FROM records").fetchall()
            companions = [Path(f"{path}-wal"), Path(f"{path}-shm")]
            assert all(companion.exists() for companion in companions)
            assert [_mode(p) for p in [path, *companions]] == [0o600, 0o600, 0o600]


def test_an_existing_world_readable_database_is_tightened_when_opened(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "k.db"
    _write_something(str(path))
    for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
        if name.exists():
            name.chmod(0o644)
    with open_database(str(path)) as db, db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT count(*) FROM records").fetchall()
        for name in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            if name.exists():
                assert _mode(name) == 0o600, name


def test_a_companion_file_that_vanishes_while_it_is_tightened_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite deletes its rollback journal when a transaction ends, so another
    # worker's journal can be seen and be gone before its mode is read (CI at
    # 3dad028: FileNotFoundError for ketpath.db-journal while four workers
    # opened a fresh database). Every companion here "exists" and none does.
    path = tmp_path / "k.db"
    monkeypatch.setattr(Path, "exists", lambda _self: True)
    private_sqlite_file(str(path))
    assert _mode(path) == 0o600
    assert not Path(f"{path}-journal").is_file()
