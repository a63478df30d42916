"""A way back from a forgotten password: recovery codes and ``ketpath user reset`` (issue 12, point 8).

Codes are shown once, on the welcome step after the first login (registration
itself must look the same whether or not the address had an account); the
login page links to "Forgot your password?", where email + one code + a new
password signs in and spends the code; the path is rate-limited like login.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from ketpath.cli import app as cli
from ketpath.services import accounts
from ketpath.store import Database
from ketpath.store.tables import recovery_codes
from webtest import BASE_URL, Account, login

CODE = re.compile(r"<code>([a-z2-9]{4}(?:-[a-z2-9]{4}){3})</code>")
NEW_PASSWORD = "a fresh and long passphrase"


def _codes_from_welcome(client: TestClient) -> list[str]:
    page = client.post("/welcome", data={"timezone": "Europe/London", "locale": "UK"})
    assert page.status_code == 200
    return CODE.findall(page.text)


def _register_and_log_in(client: TestClient, email: str, password: str) -> str:
    client.post("/register", data={"email": email, "password": password})
    response = login(client, email, password)
    assert response.status_code == 303
    return response.headers["location"]


def test_the_first_login_leads_to_the_welcome_step_and_the_codes_are_shown_once(
    client: TestClient, db: Database
) -> None:
    assert _register_and_log_in(client, "dora@example.org", "dora's long passphrase") == "/welcome"
    codes = _codes_from_welcome(client)
    assert len(codes) == 8 and len(set(codes)) == 8
    again = client.post("/welcome", data={"timezone": "Europe/London", "locale": "UK"})
    assert CODE.findall(again.text) == []
    assert "already have recovery codes" in again.text
    with db.engine.connect() as connection:
        stored = connection.execute(select(recovery_codes.c.code_hash)).scalars().all()
    assert len(stored) == 8 and not set(codes) & set(stored)
    # Later logins go straight home.
    assert login(client, "dora@example.org", "dora's long passphrase").headers["location"] == "/"


def test_the_login_page_offers_a_way_back(client: TestClient) -> None:
    page = client.get("/login")
    assert 'href="/login/recover"' in page.text and "Forgot your password?" in page.text
    assert "Recovery code" in client.get("/login/recover").text


def test_a_recovery_code_signs_in_with_a_new_password_and_then_stops_working(
    app: FastAPI, client: TestClient
) -> None:
    _register_and_log_in(client, "dora@example.org", "dora's long passphrase")
    codes = _codes_from_welcome(client)
    with TestClient(app, base_url=BASE_URL) as other:
        form = {"email": "dora@example.org", "code": codes[0], "new_password": NEW_PASSWORD}
        response = other.post("/login/recover", data=form, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/account?recovered=1"
        account = other.get(response.headers["location"])
        assert "Your new password is set" in account.text
        assert "You have 7 unused recovery codes." in account.text
        again = other.post("/login/recover", data=form)
        assert again.status_code == 400
        assert "already been used" in again.text
    # The old session is over; the new password works, the old one does not.
    assert client.get("/account", follow_redirects=False).status_code == 303
    assert login(client, "dora@example.org", NEW_PASSWORD).status_code == 303
    assert login(client, "dora@example.org", "dora's long passphrase").status_code == 400


def test_a_wrong_code_and_an_unknown_email_get_the_same_answer(
    client: TestClient, alice: Account
) -> None:
    answers = []
    for email in (alice.email, "nobody@example.org"):
        form = {"email": email, "code": "abcd-efgh-jkmn-pqrs", "new_password": NEW_PASSWORD}
        response = client.post("/login/recover", data=form)
        answers.append((response.status_code, response.text.replace(email, "EMAIL")))
    assert answers[0] == answers[1]
    assert answers[0][0] == 400


def test_recovery_is_rate_limited_like_login(client: TestClient, alice: Account) -> None:
    form = {"email": alice.email, "code": "abcd-efgh-jkmn-pqrs", "new_password": NEW_PASSWORD}
    statuses = [client.post("/login/recover", data=form).status_code for _ in range(6)]
    assert statuses == [400] * 5 + [429]


def test_a_new_set_on_the_account_page_needs_the_password_and_replaces_the_old(
    alice: Account, db: Database
) -> None:
    old = accounts.issue_recovery_codes(db, user_id=alice.user_id)
    refused = alice.client.post("/account/recovery-codes", data={"password": "not it at all"})
    assert refused.status_code == 400 and CODE.findall(refused.text) == []
    page = alice.client.post("/account/recovery-codes", data={"password": alice.password})
    new = CODE.findall(page.text)
    assert len(new) == 8 and not set(new) & set(old)
    form = {"email": alice.email, "code": old[0], "new_password": NEW_PASSWORD}
    with TestClient(alice.client.app, base_url=BASE_URL) as other:
        assert other.post("/login/recover", data=form).status_code == 400


def test_ketpath_user_reset_prints_a_new_password_once_and_nothing_else(
    tmp_path: Path, alice_history: str
) -> None:
    database = str(tmp_path / "cli.db")
    runner = CliRunner()
    runner.invoke(
        cli,
        ["user", "create", "d@example.org", "--password-stdin", "--db", database],
        input="dora's long passphrase\n",
    )
    result = runner.invoke(cli, ["user", "reset", "D@example.org", "--db", database])
    assert result.exit_code == 0, result.output
    (line,) = [text for text in result.stdout.splitlines() if text]
    password = line.removeprefix("new password: ")
    from ketpath.services import open_database

    with open_database(database) as db:
        assert accounts.authenticate(db, email="d@example.org", password=password)
    unknown = runner.invoke(cli, ["user", "reset", "nobody@example.org", "--db", database])
    assert unknown.exit_code == 2
