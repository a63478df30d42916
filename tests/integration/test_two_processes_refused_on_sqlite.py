"""``ketpath serve --workers N`` refuses SQLite, naming the fix (issue 16, point 2).

SQLite takes one writer at a time, so more processes would only queue for its
lock; the message says to give a PostgreSQL URL or to serve with one worker,
and nothing is created.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_more_than_one_worker_on_sqlite_is_refused_naming_the_fix(tmp_path: Path) -> None:
    database = tmp_path / "one.db"
    environment = {key: value for key, value in os.environ.items() if key != "KETPATH_DB"}
    result = subprocess.run(
        [sys.executable, "-m", "ketpath", "serve", "--workers", "2", "--db", str(database)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --workers 2 needs PostgreSQL")
    assert "--db postgresql://USER@HOST/DATABASE" in result.stderr
    assert "--workers 1" in result.stderr
    assert result.stdout == ""
    assert not database.exists()


def test_the_default_database_is_sqlite_and_refused_too(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "KETPATH_DB"}
    environment["XDG_DATA_HOME"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "ketpath", "serve", "--workers", "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=environment,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("error: --workers 3 needs PostgreSQL")
