"""API tokens on the Account page and on the command line (issue 11, point 7).

Tokens used to live for ever, could be neither listed nor revoked, and
survived a password change. The storage side is tested on both databases in
``tests/integration/test_api_token_lifetime.py``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.services import accounts, open_database
from ketpath.store import Database
from ketpath.store.tables import api_tokens
from webtest import Account

runner = CliRunner()


def _token_id(db: Database, account: Account) -> int:
    (token,) = accounts.list_api_tokens(db, email=account.email)
    return token.id


def test_the_account_page_lists_tokens_without_showing_them(alice: Account) -> None:
    page = alice.client.get("/account")
    assert page.status_code == 200
    assert "API tokens" in page.text
    assert "expires" in page.text.lower()
    assert alice.token not in page.text


def test_a_token_revoked_on_the_account_page_stops_working(alice: Account, db: Database) -> None:
    assert alice.client.get("/api/v1/records", headers=alice.api).status_code == 200
    response = alice.client.post(
        "/account/tokens/revoke", data={"token_id": _token_id(db, alice)}, follow_redirects=False
    )
    assert response.status_code == 303
    assert alice.client.get("/api/v1/records", headers=alice.api).status_code == 401


def test_nobody_else_can_revoke_alices_token(
    alice: Account, charlie: Account, db: Database
) -> None:
    response = charlie.client.post(
        "/account/tokens/revoke", data={"token_id": _token_id(db, alice)}, follow_redirects=False
    )
    assert response.status_code == 404
    assert alice.client.get("/api/v1/records", headers=alice.api).status_code == 200


def test_an_expired_token_is_refused(alice: Account, db: Database) -> None:
    with db.engine.begin() as connection:
        connection.execute(
            update(api_tokens).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert alice.client.get("/api/v1/records", headers=alice.api).status_code == 401


def test_changing_the_password_revokes_the_api_tokens(alice: Account) -> None:
    response = alice.client.post(
        "/account/password",
        data={"current_password": alice.password, "new_password": "a brand new passphrase"},
    )
    assert response.status_code == 200
    assert alice.client.get("/api/v1/records", headers=alice.api).status_code == 401


def test_tokens_can_be_created_listed_and_revoked_from_the_command_line(
    tmp_path: Path, client: TestClient
) -> None:
    database = str(tmp_path / "k.db")
    created = runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    assert created.exit_code == 0, created.output
    made = runner.invoke(
        cli,
        ["token", "create", "d@example.org", "--days", "7", "--label", "laptop", "--db", database],
    )
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    listed = runner.invoke(cli, ["token", "list", "d@example.org", "--db", database])
    assert listed.exit_code == 0, listed.output
    assert "laptop" in listed.output and token not in listed.output
    with open_database(database) as db:
        (row,) = accounts.list_api_tokens(db, email="d@example.org")
        assert timedelta(days=6) < row.expires_at - row.created_at <= timedelta(days=7)
    revoked = runner.invoke(
        cli, ["token", "revoke", "d@example.org", str(row.id), "--db", database]
    )
    assert revoked.exit_code == 0, revoked.output
    with open_database(database) as db:
        assert accounts.token_user(db, token=token) is None
    again = runner.invoke(cli, ["token", "revoke", "d@example.org", str(row.id), "--db", database])
    assert again.exit_code == 2


def test_token_revoke_all_ends_every_token_of_the_account(tmp_path: Path) -> None:
    database = str(tmp_path / "k.db")
    runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    for _ in range(2):
        runner.invoke(cli, ["token", "create", "d@example.org", "--db", database])
    result = runner.invoke(cli, ["token", "revoke", "d@example.org", "--all", "--db", database])
    assert result.exit_code == 0, result.output
    with open_database(database) as db:
        assert accounts.list_api_tokens(db, email="d@example.org") == []
