"""API tokens expire, can be listed and revoked, and end with a password change (issue 11, point 7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketpath.services import accounts
from ketpath.services.accounts import AccountError
from ketpath.store import Database

HASHER = accounts.password_hasher("CHEAPEST")
PASSWORD = "alice has a long passphrase"


@pytest.fixture
def alice(db: Database) -> accounts.User:
    return accounts.register(db, email="alice@example.org", password=PASSWORD, hasher=HASHER)


def test_a_token_expires_after_its_lifetime(db: Database, alice: accounts.User) -> None:
    token = accounts.create_api_token(db, email=alice.email, days=30)
    assert accounts.token_user(db, token=token) == alice
    later = datetime.now(UTC) + timedelta(days=30, minutes=1)
    assert accounts.token_user(db, token=token, now=later) is None


def test_tokens_last_ninety_days_unless_told_otherwise(db: Database, alice: accounts.User) -> None:
    accounts.create_api_token(db, email=alice.email)
    (listed,) = accounts.list_api_tokens(db, email=alice.email)
    assert timedelta(days=89, hours=23) < listed.expires_at - listed.created_at
    assert listed.expires_at - listed.created_at <= timedelta(days=90)


def test_tokens_can_be_listed_without_revealing_them(db: Database, alice: accounts.User) -> None:
    first = accounts.create_api_token(db, email=alice.email, label="laptop")
    second = accounts.create_api_token(db, email=alice.email, label="phone")
    listed = accounts.list_api_tokens(db, email=alice.email)
    assert [token.label for token in listed] == ["laptop", "phone"]
    assert first not in repr(listed) and second not in repr(listed)


def test_a_revoked_token_stops_working_and_others_keep_working(
    db: Database, alice: accounts.User
) -> None:
    first = accounts.create_api_token(db, email=alice.email, label="laptop")
    second = accounts.create_api_token(db, email=alice.email, label="phone")
    laptop = next(t for t in accounts.list_api_tokens(db, email=alice.email) if t.label == "laptop")
    accounts.revoke_api_token(db, user_id=alice.id, token_id=laptop.id)
    assert accounts.token_user(db, token=first) is None
    assert accounts.token_user(db, token=second) == alice


def test_nobody_can_revoke_another_accounts_token(db: Database, alice: accounts.User) -> None:
    accounts.create_api_token(db, email=alice.email)
    (token,) = accounts.list_api_tokens(db, email=alice.email)
    bob = accounts.register(
        db, email="bob@example.org", password="bob's long passphrase", hasher=HASHER
    )
    with pytest.raises(AccountError):
        accounts.revoke_api_token(db, user_id=bob.id, token_id=token.id)
    assert len(accounts.list_api_tokens(db, email=alice.email)) == 1


def test_changing_the_password_revokes_every_token(db: Database, alice: accounts.User) -> None:
    token = accounts.create_api_token(db, email=alice.email)
    accounts.change_password(
        db,
        user_id=alice.id,
        current_password=PASSWORD,
        new_password="a brand new long passphrase",
        hasher=HASHER,
    )
    assert accounts.token_user(db, token=token) is None
    assert accounts.list_api_tokens(db, email=alice.email) == []
