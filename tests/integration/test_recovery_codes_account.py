"""Recovery codes and the operator's reset, on SQLite and PostgreSQL (issue 12, point 8).

There was no way back from a forgotten password. Each account gets eight
one-time codes (only their SHA-256 stored); a code, with the email and a new
password, signs in once. ``ketpath user reset`` gives a new random password.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ketpath.services import accounts
from ketpath.services.accounts import AccountError, RecoveryRefused
from ketpath.store import Database
from ketpath.store.tables import recovery_codes

HASHER = accounts.password_hasher("CHEAPEST")
PASSWORD = "alice has a long passphrase"
NEW_PASSWORD = "a brand new passphrase"


@pytest.fixture
def alice(db: Database) -> accounts.User:
    return accounts.register(db, email="alice@example.org", password=PASSWORD, hasher=HASHER)


def _recover(db: Database, code: str, email: str = "alice@example.org") -> accounts.User:
    user, _token = accounts.recover_account(
        db, email=email, code=code, new_password=NEW_PASSWORD, hasher=HASHER
    )
    return user


def test_eight_codes_are_issued_and_only_their_hashes_are_stored(
    db: Database, alice: accounts.User
) -> None:
    codes = accounts.issue_recovery_codes(db, user_id=alice.id)
    assert len(codes) == 8 and len(set(codes)) == 8
    with db.engine.connect() as connection:
        stored = connection.execute(select(recovery_codes.c.code_hash)).scalars().all()
    assert len(stored) == 8
    for code in codes:
        assert all(code not in value and code.replace("-", "") not in value for value in stored)
    assert accounts.recovery_codes_left(db, user_id=alice.id) == 8


def test_a_code_sets_a_new_password_once(db: Database, alice: accounts.User) -> None:
    codes = accounts.issue_recovery_codes(db, user_id=alice.id)
    assert _recover(db, codes[3].upper().replace("-", " ")) == alice  # typed loosely
    assert accounts.authenticate(db, email=alice.email, password=NEW_PASSWORD, hasher=HASHER)
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(db, email=alice.email, password=PASSWORD, hasher=HASHER)
    with pytest.raises(RecoveryRefused):
        _recover(db, codes[3])
    assert accounts.recovery_codes_left(db, user_id=alice.id) == 7


def test_a_code_opens_only_its_own_account(db: Database, alice: accounts.User) -> None:
    bob = accounts.register(db, email="bob@example.org", password=PASSWORD, hasher=HASHER)
    codes = accounts.issue_recovery_codes(db, user_id=bob.id)
    with pytest.raises(RecoveryRefused):
        _recover(db, codes[0])
    with pytest.raises(RecoveryRefused):
        _recover(db, codes[0], email="nobody@example.org")
    assert accounts.recovery_codes_left(db, user_id=bob.id) == 8


def test_recovery_ends_every_session_and_api_token(db: Database, alice: accounts.User) -> None:
    codes = accounts.issue_recovery_codes(db, user_id=alice.id)
    old_session = accounts.start_session(db, user_id=alice.id)
    token = accounts.create_api_token(db, email=alice.email)
    _user, new_session = accounts.recover_account(
        db, email=alice.email, code=codes[0], new_password=NEW_PASSWORD, hasher=HASHER
    )
    policy = accounts.SessionPolicy()
    assert accounts.session_user(db, token=old_session, policy=policy) is None
    assert accounts.session_user(db, token=new_session, policy=policy) == alice
    assert accounts.token_user(db, token=token) is None


def test_a_weak_new_password_is_refused_and_the_code_kept(
    db: Database, alice: accounts.User
) -> None:
    codes = accounts.issue_recovery_codes(db, user_id=alice.id)
    with pytest.raises(AccountError):
        accounts.recover_account(
            db, email=alice.email, code=codes[0], new_password="password1", hasher=HASHER
        )
    assert accounts.recovery_codes_left(db, user_id=alice.id) == 8


def test_a_new_set_replaces_the_old_one(db: Database, alice: accounts.User) -> None:
    old = accounts.issue_recovery_codes(db, user_id=alice.id)
    new = accounts.issue_recovery_codes(db, user_id=alice.id)
    with pytest.raises(RecoveryRefused):
        _recover(db, old[0])
    assert _recover(db, new[0]) == alice


def test_codes_go_with_the_account(db: Database, alice: accounts.User) -> None:
    accounts.issue_recovery_codes(db, user_id=alice.id)
    accounts.delete_account(db, user_id=alice.id, password=PASSWORD, hasher=HASHER)
    with db.engine.connect() as connection:
        assert connection.execute(select(recovery_codes)).first() is None


def test_the_operators_reset_gives_a_working_random_password_and_ends_sessions(
    db: Database, alice: accounts.User
) -> None:
    session = accounts.start_session(db, user_id=alice.id)
    password = accounts.reset_password(db, email=alice.email, hasher=HASHER)
    assert len(password) >= 20
    assert accounts.authenticate(db, email=alice.email, password=password, hasher=HASHER) == alice
    assert accounts.session_user(db, token=session, policy=accounts.SessionPolicy()) is None
    with pytest.raises(AccountError):
        accounts.reset_password(db, email="nobody@example.org", hasher=HASHER)
