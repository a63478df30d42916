"""Helpers the migration tests share: move a database to a revision, list a table's columns,
write an account with a session at an old revision."""

from __future__ import annotations

from datetime import datetime

from alembic import command
from sqlalchemy import Engine, inspect, text

from ketpath.store.database import alembic_config


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the database behind ``engine`` to ``revision``."""
    with engine.begin() as connection:
        config = alembic_config(connection=connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def columns(engine: Engine, table: str) -> set[str]:
    """The names of ``table``'s columns as the database has them now."""
    return {column["name"] for column in inspect(engine).get_columns(table)}


def account_with_a_session(
    engine: Engine,
    revision: str,
    *,
    created: datetime,
    seen: datetime,
    email: str = "sam@example.org",
    onboarded: bool = False,
) -> int:
    """Move to ``revision`` and write a person's account and one session there, in plain SQL.

    Plain SQL, because the tables' definitions in ``ketpath.store.tables`` are
    the newest ones and name columns an old revision does not have yet.
    ``onboarded`` fills ``onboarded_at`` (revision 0012 on) with ``created``.
    """
    migrate(engine, revision)
    extra = ", onboarded_at" if onboarded else ""
    with engine.begin() as connection:
        user_id: int = connection.execute(
            text(
                f"INSERT INTO users (email, password_hash, role, created_at{extra}) "
                f"VALUES (:email, 'x', 'person', :created{extra and ', :created'}) RETURNING id"
            ),
            {"email": email, "created": created},
        ).scalar_one()
        connection.execute(
            text(
                "INSERT INTO sessions (token_hash, user_id, created_at, last_seen) "
                "VALUES ('old-session', :user_id, :seen, :seen)"
            ),
            {"user_id": user_id, "seen": seen},
        )
    return user_id


def emails_and_session_tokens(engine: Engine) -> tuple[list[str], list[str]]:
    """Every account's e-mail and every session's token hash, read in plain SQL (any revision)."""
    with engine.connect() as connection:
        emails = connection.execute(text("SELECT email FROM users")).scalars().all()
        tokens = connection.execute(text("SELECT token_hash FROM sessions")).scalars().all()
    return list(emails), list(tokens)
