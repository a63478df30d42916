"""``ketpath serve`` binds first, says which database it opened, and cleans up after --demo (issue 12, point 9).

It printed its URL before binding (then "address already in use"), never said
which database it had opened, ignored ``KETPATH_DB`` with ``--demo`` and left
the temporary demo folder behind. Each test runs the real command in a
subprocess on a free port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
from sqlalchemy.engine import make_url

from ketpath.cli.server import _database_words
from ketpath.services import open_database
from ketpath.services.accounts import find_user
from webtest import free_port

START_SECONDS = 60


def _serve(*arguments: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    base = {key: value for key, value in os.environ.items() if key != "KETPATH_DB"}
    return subprocess.Popen(
        [sys.executable, "-m", "ketpath", "serve", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**base, "PYTHONUNBUFFERED": "1", **(env or {})},
    )


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)


def _line_starting(process: subprocess.Popen[str], prefix: str) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(prefix):
            return line.rstrip("\n")
    errors = process.stderr.read() if process.stderr else ""
    raise AssertionError(f"no line starting {prefix!r}; stderr: {errors}")


def test_the_url_is_printed_once_listening_and_names_the_database(tmp_path: Path) -> None:
    port = free_port()
    database = tmp_path / "mine.db"
    process = _serve("--port", str(port), "--db", str(database))
    try:
        line = _line_starting(process, "ketpath on")
        # No waiting loop: the moment the line is printed, the server answers.
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    finally:
        _stop(process)
    assert line.startswith(f"ketpath on http://127.0.0.1:{port}/ (database: {database.resolve()})")


def test_a_port_in_use_is_one_clear_line_and_exit_2_with_no_url(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        process = _serve("--port", str(port), "--db", str(tmp_path / "d.db"))
        out, err = process.communicate(timeout=START_SECONDS)
    assert process.returncode == 2
    assert "ketpath on" not in out
    assert f"cannot listen on 127.0.0.1:{port}" in err
    assert "Traceback" not in err


def test_demo_uses_ketpath_db_when_it_is_set(tmp_path: Path) -> None:
    database = tmp_path / "kept.db"
    port = free_port()
    process = _serve("--demo", "--port", str(port), env={"KETPATH_DB": str(database)})
    try:
        assert _line_starting(process, "Demo login:").startswith("Demo login: demo@ketpath.invalid")
        assert f"(database: {database.resolve()})" in _line_starting(process, "ketpath on")
    finally:
        _stop(process)
    with open_database(str(database)) as db:
        assert find_user(db, email="demo@ketpath.invalid") is not None
    # A second run on the kept database gives the demo account a fresh password.
    again = _serve("--demo", "--port", str(free_port()), env={"KETPATH_DB": str(database)})
    try:
        assert _line_starting(again, "Demo login:").startswith("Demo login: demo@ketpath.invalid")
    finally:
        _stop(again)


def test_the_temporary_demo_folder_is_removed_when_the_server_stops(tmp_path: Path) -> None:
    port = free_port()
    process = _serve("--demo", "--port", str(port), env={"TMPDIR": str(tmp_path)})
    try:
        line = _line_starting(process, "ketpath on")
        folder = Path(line.split("(database: ")[1].split(")")[0]).parent
        assert folder.parent == tmp_path.resolve() and folder.is_dir()
    finally:
        _stop(process)
    assert process.returncode in {0, 128 + signal.SIGTERM}  # uvicorn re-raises the signal it caught
    assert not folder.exists()


def test_a_postgresql_url_is_shown_without_its_password() -> None:
    words = _database_words(make_url("postgresql+psycopg://kp:s3cret@db.local:5432/ketpath"))
    assert words == "postgresql+psycopg://kp@db.local:5432/ketpath"
    assert "s3cret" not in words
