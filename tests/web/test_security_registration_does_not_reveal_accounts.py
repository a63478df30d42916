"""Registering says the same thing, at the same cost, whether or not the address has an account.

In an addiction app the existence of an account is itself sensitive (issue 11,
point 6). Both paths hash the password, set no session, and answer with the
same page: "If this address can be used, your account is ready — log in".
"""

from __future__ import annotations

import httpx2
import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from webtest import BASE_URL, Account, login


def _register(client: TestClient, email: str, password: str) -> httpx2.Response:
    response: httpx2.Response = client.post(
        "/register", data={"email": email, "password": password}, follow_redirects=False
    )
    return response


def test_registering_a_taken_address_looks_exactly_like_registering_a_new_one(
    client: TestClient, alice: Account
) -> None:
    with TestClient(client.app, base_url=BASE_URL) as stranger:
        taken = _register(stranger, alice.email, "another long passphrase")
        new = _register(stranger, "newcomer@example.org", "another long passphrase")
    assert taken.status_code == new.status_code == 200
    assert "set-cookie" not in taken.headers and "set-cookie" not in new.headers
    assert taken.text.replace(alice.email, "EMAIL") == new.text.replace(
        "newcomer@example.org", "EMAIL"
    )
    assert "already exists" not in taken.text


def test_both_paths_hash_the_password_once(
    client: TestClient, alice: Account, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    original = PasswordHasher.hash

    def counting(self: PasswordHasher, password: str | bytes, *, salt: bytes | None = None) -> str:
        calls.append("hash")
        return original(self, password, salt=salt)

    monkeypatch.setattr(PasswordHasher, "hash", counting)
    with TestClient(client.app, base_url=BASE_URL) as stranger:
        _register(stranger, alice.email, "another long passphrase")
        taken = len(calls)
        _register(stranger, "newcomer@example.org", "another long passphrase")
    assert taken == 1
    assert len(calls) == 2


def test_the_answer_tells_an_existing_owner_how_to_proceed(client: TestClient) -> None:
    page = _register(client, "dora@example.org", "correct horse battery").text
    assert "If this address can be used, your account is ready" in page
    assert "If you already had an account with this address" in page


def test_a_new_account_logs_in_with_the_password_it_chose(client: TestClient) -> None:
    _register(client, "dora@example.org", "correct horse battery")
    assert login(client, "dora@example.org", "correct horse battery").status_code == 303


def test_registering_a_taken_address_leaves_its_owners_password_alone(
    client: TestClient, alice: Account
) -> None:
    with TestClient(client.app, base_url=BASE_URL) as stranger:
        _register(stranger, alice.email, "an intruder's passphrase")
        assert login(stranger, alice.email, "an intruder's passphrase").status_code == 400
        assert login(stranger, alice.email, alice.password).status_code == 303
