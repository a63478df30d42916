"""Which database a command uses, and how an SQLite connection is set up.

Only the last test here touches a database; the rest check URL resolution.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from ketpath.store import make_engine, resolve_url


def test_an_explicit_url_beats_the_environment() -> None:
    url = resolve_url("sqlite:///explicit.db", environ={"KETPATH_DB": "sqlite:///env.db"})
    assert url.database == "explicit.db"


def test_the_environment_beats_the_default() -> None:
    url = resolve_url(None, environ={"KETPATH_DB": "postgresql://me@db.example/ketpath"})
    assert url.render_as_string() == "postgresql+psycopg://me@db.example/ketpath"


def test_the_default_is_an_sqlite_file_in_the_user_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    url = resolve_url(None, environ={"KETPATH_DB": "  "})
    assert url.drivername == "sqlite"
    assert url.database == str(tmp_path / "ketpath" / "ketpath.db")
    assert (tmp_path / "ketpath").is_dir()


def test_a_bare_path_means_an_sqlite_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    url = resolve_url("records/alice.db", environ={})
    assert url.drivername == "sqlite"
    assert url.database == str(tmp_path / "records" / "alice.db")


def test_a_home_relative_path_is_expanded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve_url("~/k.db", environ={}).database == str(tmp_path / "k.db")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:secret@h:5433/k", "postgresql+psycopg://u:***@h:5433/k"),
        ("postgres://u@h/k", "postgresql+psycopg://u@h/k"),
        ("postgresql+psycopg://u@h/k", "postgresql+psycopg://u@h/k"),
        ("sqlite:////var/lib/ketpath.db", "sqlite:////var/lib/ketpath.db"),
        (":memory:", "sqlite://"),
    ],
)
def test_urls_get_the_right_driver(given: str, expected: str) -> None:
    assert resolve_url(given, environ={}).render_as_string(hide_password=True) == expected


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(resolve_url(str(tmp_path / "k.db"), environ={}))
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert connection.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
    finally:
        engine.dispose()
