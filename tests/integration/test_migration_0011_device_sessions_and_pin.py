"""Migration 0011 adds kept sessions and the PIN, and taking it back leaves the rest as it was.

A database at revision 0010 holds an account, its PIN-less user row and a
session. Upgrading keeps both: the session becomes an ordinary one (not
kept, not locked, no wrong PINs, no label) and the account has no PIN; a
kept, locked session and a PIN can then be stored, and go with the account.
Downgrading to 0010 drops the new columns and keeps the account and its
sessions; upgrading again works. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, insert, select, text, update

from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision
from ketpath.store.tables import sessions, users
from migrating import account_with_a_session, columns, migrate

NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)
NEW_SESSION_COLUMNS = {"kept", "label", "locked", "pin_failures"}


def test_upgrading_keeps_sessions_as_ordinary_ones_and_stores_kept_locked_ones_and_a_pin(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        user_id = account_with_a_session(engine, "0010", created=NOW, seen=NOW)
        assert not NEW_SESSION_COLUMNS & columns(engine, "sessions")
        assert "pin_hash" not in columns(engine, "users")
        migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        with engine.begin() as connection:
            old = connection.execute(select(sessions)).one()._mapping
            assert old["token_hash"] == "old-session"
            assert (old["kept"], old["label"], old["locked"], old["pin_failures"]) == (
                False,
                None,
                False,
                0,
            )
            assert connection.execute(select(users.c.pin_hash)).scalar_one() is None
            connection.execute(
                insert(sessions).values(
                    token_hash="kept-session",
                    user_id=user_id,
                    created_at=NOW,
                    last_seen=NOW,
                    kept=True,
                    label="Firefox on Android",
                    locked=True,
                    pin_failures=2,
                )
            )
            connection.execute(
                update(users).where(users.c.id == user_id).values(pin_hash="$argon2id$...")
            )
        with engine.begin() as connection:
            kept = (
                connection.execute(select(sessions).where(sessions.c.token_hash == "kept-session"))
                .one()
                ._mapping
            )
            assert (kept["kept"], kept["label"], kept["locked"], kept["pin_failures"]) == (
                True,
                "Firefox on Android",
                True,
                2,
            )
            assert connection.execute(select(users.c.pin_hash)).scalar_one() == "$argon2id$..."
            connection.execute(delete(users).where(users.c.id == user_id))
            assert connection.execute(select(sessions)).all() == []
    finally:
        engine.dispose()


def test_downgrading_drops_the_columns_keeps_accounts_and_sessions_and_upgrading_again_works(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        account_with_a_session(engine, "0010", created=NOW, seen=NOW)
        migrate(engine, "head")
        with engine.begin() as connection:
            connection.execute(update(sessions).values(kept=True, label="Safari on iPhone"))
            connection.execute(update(users).values(pin_hash="$argon2id$..."))
        migrate(engine, "0010", down=True)
        assert current_revision(engine) == "0010"
        assert not NEW_SESSION_COLUMNS & columns(engine, "sessions")
        assert "pin_hash" not in columns(engine, "users")
        with engine.connect() as connection:
            assert connection.execute(select(users.c.email)).scalars().all() == ["sam@example.org"]
            tokens = connection.execute(text("SELECT token_hash FROM sessions")).scalars().all()
            assert tokens == ["old-session"]
        migrate(engine, "head")
        with engine.connect() as connection:
            row = connection.execute(select(sessions)).one()._mapping
            assert (row["kept"], row["label"]) == (False, None)
            assert connection.execute(select(users.c.pin_hash)).scalar_one() is None
    finally:
        engine.dispose()
