"""The database schema as SQLAlchemy Core tables.

The domain never sees these: the repositories turn rows into plain records
(``core.records``) and back. A record is stored whole, as its canonical mapping
(``record_to_dict``) in ``data``; ``type`` and ``time_utc`` are copies kept only
so that the database can filter and order, and ``data`` stays the truth. The
record's own UTC offset lives in ``data``, so export reproduces it exactly.

Later schema changes (users, sessions, audit) arrive as new tables in this
``metadata`` plus a new migration in ``migrations/versions``; the naming
convention gives every constraint a stable name, which Alembic's batch mode
needs to alter SQLite tables.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
)
from sqlalchemy.dialects.postgresql import JSONB

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_N_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

PERSON_NAME_LENGTH = 200


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC and always read back as aware UTC.

    PostgreSQL keeps ``timestamptz``; SQLite has no time zones, so the value is
    written as naive UTC text, whose fixed-width format sorts chronologically.
    A naive datetime is refused rather than guessed.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"a stored time needs a UTC offset, got {value.isoformat()}")
        in_utc = value.astimezone(UTC)
        return in_utc.replace(tzinfo=None) if dialect.name == "sqlite" else in_utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSON_DOCUMENT: Any = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(naming_convention=NAMING_CONVENTION)

people = Table(
    "people",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(PERSON_NAME_LENGTH), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("people.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("type", String(32), nullable=False),
    Column("time_utc", UTCDateTime(), nullable=True),
    Column("data", JSON_DOCUMENT, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_records_person_id_time_utc", "person_id", "time_utc"),
)
