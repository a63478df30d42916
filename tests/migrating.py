"""Helpers the migration tests share: move a database to a revision, list a table's columns."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, inspect

from ketpath.store.database import alembic_config


def migrate(engine: Engine, revision: str, *, down: bool = False) -> None:
    """Upgrade (or with ``down``, downgrade) the database behind ``engine`` to ``revision``."""
    with engine.begin() as connection:
        config = alembic_config(connection=connection)
        (command.downgrade if down else command.upgrade)(config, revision)


def columns(engine: Engine, table: str) -> set[str]:
    """The names of ``table``'s columns as the database has them now."""
    return {column["name"] for column in inspect(engine).get_columns(table)}
