"""Migration 0012 adds ``users.onboarded_at``; accounts that existed before count as onboarded.

A database at revision 0011 holds an account. Upgrading marks it onboarded at
the time it was created (it is past its first run, so it is never sent to the
onboarding); a new account then starts without the mark, and finishing the
onboarding stores it. Downgrading to 0011 drops the column and keeps the
accounts and their sessions; upgrading again works. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import insert, select

from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision, open_database
from ketpath.store.tables import users
from migrating import account_with_a_session, columns, emails_and_session_tokens, migrate

CREATED = datetime(2026, 11, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_upgrading_marks_existing_accounts_onboarded_and_new_ones_start_without(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        old_id = account_with_a_session(engine, "0011", created=CREATED, seen=NOW)
        assert "onboarded_at" not in columns(engine, "users")
        migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        with engine.begin() as connection:
            assert connection.execute(select(users.c.onboarded_at)).scalar_one() == CREATED
            new_id: int = connection.execute(
                insert(users)
                .values(email="new@example.org", password_hash="x", role="person", created_at=NOW)
                .returning(users.c.id)
            ).scalar_one()
        db = open_database(database_url)
        try:
            with db.unit_of_work() as uow:
                new = uow.users.get(new_id)
                old = uow.users.get(old_id)
            assert new is not None and new.onboarded_at is None
            assert old is not None and old.onboarded_at == CREATED
            with db.unit_of_work(write=True) as uow:
                uow.users.set_onboarded(new_id, NOW)
                uow.commit()
            with db.unit_of_work() as uow:
                finished = uow.users.get(new_id)
            assert finished is not None and finished.onboarded_at == NOW
        finally:
            db.engine.dispose()
    finally:
        engine.dispose()


def test_downgrading_drops_the_column_keeps_accounts_and_sessions_and_upgrading_again_works(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        account_with_a_session(engine, "0011", created=CREATED, seen=NOW)
        migrate(engine, "head")
        migrate(engine, "0011", down=True)
        assert current_revision(engine) == "0011"
        assert "onboarded_at" not in columns(engine, "users")
        assert emails_and_session_tokens(engine) == (["sam@example.org"], ["old-session"])
        migrate(engine, "head")
        with engine.connect() as connection:
            assert connection.execute(select(users.c.onboarded_at)).scalar_one() == CREATED
    finally:
        engine.dispose()
