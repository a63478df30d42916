"""Migration 0013 adds ``users.language``; accounts that existed before have no choice stored.

A database at revision 0012 holds an account and its session. Upgrading
leaves its language empty (its pages keep following the device and the
browser); a choice is then stored and read back. Downgrading to 0012 drops
the column and keeps the accounts and their sessions; upgrading again works.
Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision, open_database
from ketpath.store.tables import users
from migrating import account_with_a_session, columns, emails_and_session_tokens, migrate

CREATED = datetime(2026, 11, 1, 9, tzinfo=UTC)
NOW = datetime(2026, 11, 30, 10, tzinfo=UTC)


def test_upgrading_leaves_existing_accounts_without_a_language_and_a_choice_is_stored(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        user_id = account_with_a_session(engine, "0012", created=CREATED, seen=NOW, onboarded=True)
        assert "language" not in columns(engine, "users")
        migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        with engine.connect() as connection:
            assert connection.execute(select(users.c.language)).scalar_one() is None
        db = open_database(database_url)
        try:
            with db.unit_of_work() as uow:
                before = uow.users.get(user_id)
            assert before is not None and before.language is None
            assert before.onboarded_at == CREATED
            with db.unit_of_work(write=True) as uow:
                uow.users.set_language(user_id, "zh-Hant-HK")
                uow.commit()
            with db.unit_of_work() as uow:
                chosen = uow.users.get(user_id)
            assert chosen is not None and chosen.language == "zh-Hant-HK"
        finally:
            db.engine.dispose()
    finally:
        engine.dispose()


def test_downgrading_drops_the_column_keeps_accounts_and_sessions_and_upgrading_again_works(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        user_id = account_with_a_session(engine, "0012", created=CREATED, seen=NOW, onboarded=True)
        migrate(engine, "head")
        with engine.begin() as connection:
            connection.execute(
                users.update().where(users.c.id == user_id).values(language="zh-Hans")
            )
        migrate(engine, "0012", down=True)
        assert current_revision(engine) == "0012"
        assert "language" not in columns(engine, "users")
        assert emails_and_session_tokens(engine) == (["sam@example.org"], ["old-session"])
        migrate(engine, "head")
        with engine.connect() as connection:
            assert connection.execute(select(users.c.language)).scalar_one() is None
    finally:
        engine.dispose()
