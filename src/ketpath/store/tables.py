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

from collections.abc import Callable
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Row,
    String,
    Table,
    TypeDecorator,
    false,
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
TOKEN_LABEL_LENGTH = 100
SESSION_LABEL_LENGTH = 80
"""A kept device's label, made from its user agent ("Firefox on Android")."""
RECORD_ID_LENGTH = 100
"""The longest record id (``core.records.RECORD_ID_PATTERN``)."""
IDEMPOTENCY_KEY_LENGTH = 255
EMAIL_LENGTH = 254
"""RFC 5321's limit on a forward path, the longest address that can receive mail."""
ZONE_LENGTH = 64
"""Room for any IANA time zone name (the longest today is 32 characters)."""


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
    # Bumped in the same transaction as every change to the person's records
    # (migration 0004), so a cached copy of their history knows when it is stale.
    Column("records_version", Integer, nullable=False, server_default="0"),
    # How many records the person holds, kept by triggers on ``records`` (migration
    # 0014): the quota reads it with the ``records_version`` bump instead of counting.
    Column("records_count", Integer, nullable=False, server_default="0"),
    # AUTOINCREMENT (migration 0005): SQLite must never hand a deleted person's id
    # to someone new, or the newcomer would inherit their audit rows.
    sqlite_autoincrement=True,
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
    # Who entered the record (migration 0006): the account (None from the command
    # line and for rows older than the column) and its role, one of
    # ``core.records.CREATED_ROLES``. A clinician's records are read-only to the person.
    Column("created_by", Integer, nullable=True),
    Column("created_role", String(16), nullable=False, server_default="person"),
    # The record's identity (migration 0007, issue 12): the ``id`` inside ``data``,
    # copied here so the database keeps one record per id per person. Every write
    # sets it; the column is nullable only because SQLite cannot add a NOT NULL
    # column in place, and copying the table would lose the triggers of 0003.
    Column("uid", String(RECORD_ID_LENGTH), nullable=True),
    Index("ix_records_person_id_time_utc", "person_id", "time_utc"),
    Index("uq_records_person_id_uid", "person_id", "uid", unique=True),
)

# Rows that were stored before record times were bounded and that no longer
# parse (migration 0006 moved them here, so the person's pages work and nothing
# acknowledged is lost). ``id`` is the id the record had; ``reason`` says why.
set_aside_records = Table(
    "set_aside_records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("data", JSON_DOCUMENT, nullable=False),
    Column("reason", String(200), nullable=False),
    Column("set_aside_at", UTCDateTime(), nullable=False),
    Index("ix_set_aside_records_person_id", "person_id"),
)


# Accounts (migration 0002). A person account owns exactly one ``people`` row,
# named by a pseudonymous handle, so the record services need not know about
# accounts; a clinician account owns none. Tokens are stored only as SHA-256
# hashes: a copy of the database does not let anyone log in.

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("email", String(EMAIL_LENGTH), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),
    Column("role", String(16), nullable=False),
    Column(
        "person_id",
        Integer,
        ForeignKey("people.id", ondelete="CASCADE"),
        nullable=True,
        unique=True,
    ),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("pin_hash", String(255), nullable=True),
    # When the person finished the first-run onboarding (migration 0012); None until then.
    Column("onboarded_at", UTCDateTime(), nullable=True),
    # The language the person chose (a shipped BCP 47 tag, migration 0013); None: not chosen.
    Column("language", String(16), nullable=True),
    sqlite_autoincrement=True,
)

# A kept session ("keep me signed in on this device", migration 0011) ends a
# fixed time after it began instead of after 30 idle minutes, is listed on the
# Account page by ``label``, and is ``locked`` by the server after idle when
# the account has a PIN (``users.pin_hash``); ``pin_failures`` counts wrong PINs.
sessions = Table(
    "sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("last_seen", UTCDateTime(), nullable=False),
    Column("kept", Boolean, nullable=False, server_default=false()),
    Column("label", String(SESSION_LABEL_LENGTH), nullable=True),
    Column("locked", Boolean, nullable=False, server_default=false()),
    Column("pin_failures", Integer, nullable=False, server_default="0"),
    Index("ix_sessions_user_id", "user_id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    # Migration 0005: tokens expire, and carry an optional label for the owner's list.
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("label", String(TOKEN_LABEL_LENGTH), nullable=True),
    Index("ix_api_tokens_user_id", "user_id"),
)

# Browsers that have logged in to an account (migration 0005): a login that
# carries one of these tokens spends a rate-limit bucket of its own, so a
# stranger's wrong guesses cannot lock the person out of their own device.
known_devices = Table(
    "known_devices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Index("ix_known_devices_user_id", "user_id"),
)

# One-time recovery codes (migration 0008): a person who forgot their password
# signs in with one and sets a new password. Only the SHA-256 of each code is
# kept (a code holds about 80 random bits, so a hash needs no salt or stretching).
recovery_codes = Table(
    "recovery_codes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Index("ix_recovery_codes_user_id", "user_id"),
)

rate_limit_buckets = Table(
    "rate_limit_buckets",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)

plans = Table(
    "plans",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("people.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("data", JSON_DOCUMENT, nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


# Clinicians (migration 0003). A person shares their history by handing a
# clinician a one-time code; redeeming it creates a care link, and the link's
# ``revoked_at`` ends the consent. Codes are stored only as SHA-256 hashes.
# The audit log is append-only and hash-chained; ``audit_head`` is the one row
# every append locks, so concurrent appends queue instead of forking the chain.
# Audit rows have no foreign keys on purpose: deleting an account must not
# delete (or break) the record of who read its data. A roster summary caches a
# person's assessment for the roster; triggers on ``records`` (migration 0003)
# delete it whenever that person's records change.

shares = Table(
    "shares",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
    Column("redeemed_at", UTCDateTime(), nullable=True),
    Column("redeemed_by", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_shares_person_id", "person_id"),
)

care_links = Table(
    "care_links",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("clinician_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("share_id", Integer, ForeignKey("shares.id", ondelete="CASCADE"), nullable=False),
    Column("label", String(100), nullable=True),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("revoked_at", UTCDateTime(), nullable=True),
    Index("ix_care_links_clinician_id_person_id", "clinician_id", "person_id"),
    Index("ix_care_links_person_id", "person_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False, unique=True),
    Column("at", UTCDateTime(), nullable=False),
    Column("actor_id", Integer, nullable=True),
    Column("actor_email", String(EMAIL_LENGTH), nullable=True),
    Column("actor_role", String(16), nullable=True),
    Column("action", String(40), nullable=False),
    Column("person_id", Integer, nullable=True),
    Column("detail", JSON_DOCUMENT, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index("ix_audit_log_person_id", "person_id"),
)

audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)

roster_summaries = Table(
    "roster_summaries",
    metadata,
    Column("person_id", Integer, ForeignKey("people.id", ondelete="CASCADE"), primary_key=True),
    Column("computed_for", String(10), nullable=False),
    Column("data", JSON_DOCUMENT, nullable=False),
)

# Contingency-management schedules; the stored table keeps its first name.
contingency_schedules = Table(
    "cm_schedules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "person_id",
        Integer,
        ForeignKey("people.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("clinician_id", Integer, ForeignKey("users.id", ondelete="SET NULL"), nullable=True),
    Column("start_value", Float, nullable=False),
    Column("increment", Float, nullable=False),
    Column("cap", Float, nullable=False),
    Column("reset_on_positive", Boolean, nullable=False),
    Column("reset_on_missed", Boolean, nullable=False),
    Column("return_after_negatives", Integer, nullable=False),
    # Every setting as the contingency feature saved it (it has more than the columns above).
    Column("settings", JSON_DOCUMENT, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("updated_at", UTCDateTime(), nullable=False),
)


# Idempotency keys of API writes (migration 0007): a retried POST with the same
# key and body gets the first response back and stores nothing new. Per
# account; a key expires (``services.idempotency.KEY_LIFETIME``) and an expired
# one may be used again. ``request_hash`` is SHA-256 of the body's JSON.
idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("key", String(IDEMPOTENCY_KEY_LENGTH), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status_code", Integer, nullable=False),
    Column("response", JSON_DOCUMENT, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("expires_at", UTCDateTime(), nullable=False),
)


# Check-in reminders (migration 0010, issue 14 point 6): one row per account.
# ``frequency`` is None when reminders are off, "daily" or "weekly"; the time of
# day is read in ``zone`` (the person's zone when they saved it), ``weekday``
# is 0 for Monday. The calendar feed's secret is kept only as its SHA-256, like
# API tokens; ``last_sent_for`` is the occurrence last e-mailed, claimed before
# the e-mail goes out so that a restart or a second sender never sends it again.
reminders = Table(
    "reminders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "user_id",
        Integer,
        ForeignKey("users.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("frequency", String(8), nullable=True),
    Column("hour", Integer, nullable=False),
    Column("minute", Integer, nullable=False),
    Column("weekday", Integer, nullable=True),
    Column("zone", String(ZONE_LENGTH), nullable=False),
    Column("email", Boolean, nullable=False),
    Column("feed_token_hash", String(64), nullable=True, unique=True),
    Column("feed_created_at", UTCDateTime(), nullable=True),
    Column("last_sent_for", UTCDateTime(), nullable=True),
    Column("updated_at", UTCDateTime(), nullable=False),
)


RowType = TypeVar("RowType")


def from_row(kind: Callable[..., RowType], row: Row[Any]) -> RowType:
    """A plain dataclass from a result row, field by field (the row may hold more columns)."""
    mapping = row._mapping
    return kind(**{field.name: mapping[field.name] for field in fields(kind)})  # type: ignore[arg-type]
