"""Migration 0010 adds the reminders table, and taking it back leaves everything else as it was.

A database at revision 0009 holds an account; upgrading adds ``reminders``
(empty), which then keeps a schedule for that account, one per account, and
is emptied with the account. Downgrading to 0009 drops the table and keeps
the account; upgrading again works. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, delete, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from ketpath.store import make_engine
from ketpath.store.database import current_revision, head_revision
from ketpath.store.tables import reminders, users
from migrating import migrate

NOW = datetime(2026, 11, 30, 9, tzinfo=UTC)


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def _account_at_0009(engine: Engine) -> int:
    migrate(engine, "0009")
    with engine.begin() as connection:
        user_id: int = connection.execute(
            insert(users)
            .values(email="sam@example.org", password_hash="x", role="person", created_at=NOW)
            .returning(users.c.id)
        ).scalar_one()
    return user_id


def _schedule(user_id: int) -> dict[str, object]:
    return {
        "user_id": user_id,
        "frequency": "weekly",
        "hour": 18,
        "minute": 30,
        "weekday": 2,
        "zone": "Europe/Paris",
        "email": True,
        "updated_at": NOW,
    }


def test_upgrading_adds_an_empty_reminders_table_that_keeps_one_schedule_per_account(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        user_id = _account_at_0009(engine)
        assert "reminders" not in _tables(engine)
        migrate(engine, "head")
        assert current_revision(engine) == head_revision()
        with engine.begin() as connection:
            assert connection.execute(select(reminders)).all() == []
            connection.execute(insert(reminders).values(**_schedule(user_id)))
        with pytest.raises(IntegrityError), engine.begin() as connection:
            connection.execute(insert(reminders).values(**_schedule(user_id)))
        with engine.begin() as connection:
            stored = connection.execute(select(reminders)).one()._mapping
            assert (stored["frequency"], stored["hour"], stored["minute"]) == ("weekly", 18, 30)
            assert (stored["weekday"], stored["zone"], stored["email"]) == (2, "Europe/Paris", True)
            assert stored["feed_token_hash"] is None
            assert stored["last_sent_for"] is None
            connection.execute(delete(users).where(users.c.id == user_id))
            assert connection.execute(select(reminders)).all() == []
    finally:
        engine.dispose()


def test_downgrading_drops_the_table_keeps_the_accounts_and_upgrading_again_works(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        user_id = _account_at_0009(engine)
        migrate(engine, "head")
        with engine.begin() as connection:
            connection.execute(insert(reminders).values(**_schedule(user_id)))
        migrate(engine, "0009", down=True)
        assert current_revision(engine) == "0009"
        assert "reminders" not in _tables(engine)
        with engine.connect() as connection:
            assert connection.execute(select(users.c.email)).scalars().all() == ["sam@example.org"]
        migrate(engine, "head")
        assert "reminders" in _tables(engine)
        with engine.connect() as connection:
            assert connection.execute(select(reminders)).all() == []
    finally:
        engine.dispose()
