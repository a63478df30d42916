"""The web commands, run through a throwaway Typer app as ``ketpath`` will register them."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import httpx
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ketpath.cli.server import serve, token_create, user_create
from ketpath.services import open_database, person_records
from ketpath.services.accounts import find_user
from ketpath.web.app import create_app
from ketpath.web.demo import demo_history, ending_yesterday
from webtest import BASE_URL, free_port, login, settings_for, wait_until_up

cli = typer.Typer()
cli.command("serve")(serve)
users = typer.Typer()
users.command("create")(user_create)
tokens = typer.Typer()
tokens.command("create")(token_create)
cli.add_typer(users, name="user")
cli.add_typer(tokens, name="token")
runner = CliRunner()


def test_user_create_reads_the_password_from_stdin(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    result = runner.invoke(
        cli,
        ["user", "create", "Dora@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "dora's long passphrase" not in result.output
    with open_database(database) as db:
        user = find_user(db, email="dora@example.org")
    assert user is not None and user.role == "person" and user.person_name


def test_user_create_makes_clinicians(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    result = runner.invoke(
        cli,
        [
            "user",
            "create",
            "c@example.org",
            "--password-stdin",
            "--role",
            "clinician",
            "--db",
            database,
        ],
        input="clinician passphrase\n",
    )
    assert result.exit_code == 0, result.output
    with open_database(database) as db:
        user = find_user(db, email="c@example.org")
    assert user is not None and user.role == "clinician" and user.person_name is None


def test_user_create_refuses_bad_input_with_exit_code_2(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    no_stdin = runner.invoke(cli, ["user", "create", "d@example.org", "--db", database])
    assert no_stdin.exit_code == 2
    common = runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="password123\n",
    )
    assert common.exit_code == 2
    assert "most common" in common.output
    role = runner.invoke(
        cli,
        [
            "user",
            "create",
            "d@example.org",
            "--password-stdin",
            "--role",
            "admin",
            "--db",
            database,
        ],
        input="a long passphrase\n",
    )
    assert role.exit_code == 2


def test_token_create_prints_a_token_that_opens_the_api(tmp_path: Path) -> None:
    database = str(tmp_path / "ketpath.db")
    runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    result = runner.invoke(cli, ["token", "create", "d@example.org", "--db", database])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert token.startswith("kp_")
    app = create_app(settings_for(tmp_path))
    with TestClient(app, base_url=BASE_URL) as client:
        response = client.get("/api/v1/records", headers={"Authorization": f"Bearer {token}"})
    app.state.db.close()
    assert response.status_code == 200
    unknown = runner.invoke(cli, ["token", "create", "nobody@example.org", "--db", database])
    assert unknown.exit_code == 2


def test_demo_refuses_to_listen_beyond_loopback() -> None:
    result = runner.invoke(cli, ["serve", "--demo", "--host", "0.0.0.0"])
    assert result.exit_code == 2
    assert "127.0.0.1" in result.output


def test_the_demo_history_ends_yesterday() -> None:
    today = date(2026, 5, 20)
    shifted = ending_yesterday(demo_history(), today=today)
    times = [record.time for record in shifted if hasattr(record, "time")]
    assert max(time.date() for time in times) == today - timedelta(days=1)
    assert len(shifted) == len(demo_history())


def test_serve_demo_prints_a_login_that_opens_a_living_dashboard(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "ketpath",
            "serve",
            "--demo",
            "--port",
            str(port),
            "--db",
            str(tmp_path / "d.db"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().decode()
        assert first.startswith("Demo login: demo@ketpath.invalid")
        password = first.split("password:")[1].strip()
        url = f"http://127.0.0.1:{port}"
        wait_until_up(url, process)
        with httpx.Client(base_url=url) as client:
            assert login(client, "demo@ketpath.invalid", password).status_code == 303
            dashboard = client.get("/")
            assert dashboard.status_code == 200
            api_free = client.get("/api/v1/records")
            assert api_free.status_code == 401
        with open_database(str(tmp_path / "d.db")) as db:
            user = find_user(db, email="demo@ketpath.invalid")
            assert user is not None and user.person_name
            assert len(person_records(db, user.person_name)) == len(demo_history())
    finally:
        process.terminate()
        process.wait(timeout=10)
