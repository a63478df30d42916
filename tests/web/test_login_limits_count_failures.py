"""The login limit counts failures, not successes (issue 12, point 8).

The sixth correct login within a minute was refused: every attempt spent a
token. An attempt still spends its token before the password is checked (so
many guesses at once cannot all pass a full bucket), and a correct password
gives it back.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from ketpath.web.app import create_app
from webtest import BASE_URL, Account, login, settings_for


def test_ten_correct_logins_in_a_minute_are_all_let_in(client: TestClient, alice: Account) -> None:
    statuses = [login(client, alice.email, alice.password).status_code for _ in range(10)]
    assert statuses == [303] * 10


def test_ten_correct_logins_from_new_browsers_are_all_let_in(app: FastAPI, alice: Account) -> None:
    statuses = []
    for _ in range(10):
        with TestClient(app, base_url=BASE_URL) as fresh:
            statuses.append(login(fresh, alice.email, alice.password).status_code)
    assert statuses == [303] * 10


def test_wrong_passwords_still_empty_the_bucket(client: TestClient, alice: Account) -> None:
    wrong = [login(client, alice.email, "a wrong guess").status_code for _ in range(5)]
    assert wrong == [400] * 5
    assert login(client, alice.email, alice.password).status_code == 429


def test_correct_logins_between_failures_cost_nothing(client: TestClient, alice: Account) -> None:
    for _ in range(4):
        assert login(client, alice.email, "a wrong guess").status_code == 400
    for _ in range(6):
        assert login(client, alice.email, alice.password).status_code == 303
    assert login(client, alice.email, "a wrong guess").status_code == 400
    assert login(client, alice.email, alice.password).status_code == 429


def test_the_address_limit_counts_failures_only_too(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, address_attempts=3, address_refill_seconds=600))
    with TestClient(app, base_url=BASE_URL) as client:
        client.post("/register", data={"email": "d@example.org", "password": "dora's passphrase"})
        statuses = [
            login(client, "d@example.org", "dora's passphrase").status_code for _ in range(6)
        ]
    app.state.db.close()
    assert statuses == [303] * 6
