"""Untrusted text cannot drive the operator's terminal (issue 11, point 11).

Emails with control characters or Rich markup used to register, and ``ketpath
audit list`` then printed them to the operator's terminal as escape sequences
and markup. Registration and ``user create`` refuse them now, and every
command that prints stored text shows it inertly: markup escaped, control
characters written as visible ``\\xNN`` escapes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.core.records import parse_record
from ketpath.services import accounts, import_records, open_database
from ketpath.services.audit import Actor, append

runner = CliRunner()
HOSTILE_EMAILS = [
    "[bold red]admin[/bold red]@example.org",
    "[blink]admin[/blink]@example.org",
    "a\x1b[2J@example.org",
    "a\x1b]0;owned\x07@example.org",
    "a\u202eb@example.org",
    "a@exam\nple.org",
    "a\x00@example.org",
]
HOSTILE = "[blink]x[/blink]\x1b[2J\x1b]0;owned\x07\u202e\x9b"


@pytest.mark.parametrize("email", HOSTILE_EMAILS)
def test_registration_refuses_emails_with_control_characters_or_markup(
    client: TestClient, email: str
) -> None:
    response = client.post("/register", data={"email": email, "password": "a long passphrase"})
    assert response.status_code == 400
    assert "email" in response.text.lower()


@pytest.mark.parametrize("email", HOSTILE_EMAILS)
def test_user_create_refuses_them_too(tmp_path: Path, email: str) -> None:
    result = runner.invoke(
        cli,
        ["user", "create", email, "--password-stdin", "--db", str(tmp_path / "k.db")],
        input="a long passphrase\n",
    )
    assert result.exit_code == 2


def test_ordinary_international_addresses_still_register() -> None:
    for email in ["o'brien+ketpath@example.org", "jürgen@bücher.example", "a_b-c.d@sub.example.co"]:
        assert accounts.normalise_email(email) == email.lower()


def _hostile_audit_row(database: str) -> None:
    with open_database(database) as db, db.unit_of_work(write=True) as uow:
        append(uow, action="login", actor=Actor(id=1, email=HOSTILE, role="person"))
        uow.commit()


def _assert_inert(output: str) -> None:
    assert "[blink]x[/blink]" in output
    assert "\x1b" not in output and "\x07" not in output
    assert "\u202e" not in output and "\x9b" not in output


def test_audit_list_prints_stored_text_inertly(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    _hostile_audit_row(database)
    result = runner.invoke(cli, ["audit", "list", "--db", database])
    assert result.exit_code == 0, result.output
    _assert_inert(result.output)


def test_audit_list_json_escapes_control_characters(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    _hostile_audit_row(database)
    result = runner.invoke(cli, ["audit", "list", "--json", "--db", database])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\u202e" not in result.output
    assert "\x9b" not in result.output
    row = json.loads(result.output.splitlines()[0])
    assert row["actor_email"] == HOSTILE


def test_people_prints_names_inertly(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    with open_database(database) as db:
        mood = parse_record({"type": "mood", "time": "2026-05-01T10:00:00+00:00", "score": 5})
        import_records(db, HOSTILE, [mood])
    result = runner.invoke(cli, ["people", "--db", database])
    assert result.exit_code == 0, result.output
    _assert_inert(result.output)


def test_token_list_prints_labels_inertly(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    with open_database(database) as db:
        accounts.register(
            db,
            email="d@example.org",
            password="dora's long passphrase",
            hasher=accounts.password_hasher("CHEAPEST"),
        )
        accounts.create_api_token(db, email="d@example.org", label=HOSTILE)
    result = runner.invoke(cli, ["token", "list", "d@example.org", "--db", database])
    assert result.exit_code == 0, result.output
    _assert_inert(result.output)
