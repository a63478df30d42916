"""Every record says who created it; records with impossible times are set aside.

Revision ID: 0006
Revises: 0005
Created: 2026-05-29

Issue 11, point 1: a person could post drug screens and clinician notes of
their own, and delete the clinic's. ``records`` gets ``created_by`` (the
account; NULL from the command line and for older rows) and ``created_role``
(``person``, ``clinician`` or ``operator``). Older rows cannot say who made
them, so they get the role their kind implies: ``clinician`` for drug screens
and clinician notes (only a clinician could enter those through the pages),
``person`` for everything else.

Point 2 bounded record times to the years 1900-2200, and a row stored before
that with a time outside them (year 0001, say) no longer parses, which would
take down every page of its person. Such rows move whole to a new table,
``set_aside_records`` (their id, person, data, why, when), so nothing that was
acknowledged is lost and the person's history reads again. The bound is
judged on the record's own time (its year in its own UTC offset, as the
validator does), with the indexed ``time_utc`` only narrowing the search; the
years are spelled out here rather than imported, because a migration is a
snapshot.

Both columns are added with a plain ALTER (batch mode only copies a SQLite
table when it must, and ``add_column`` does not), so the roster triggers of
0003 on ``records`` survive.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EARLIEST_YEAR = 1900
LATEST_YEAR = 2200
JSON_DOCUMENT: Any = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
CLINICIAN_NOTE = {
    "sqlite": "json_extract(data, '$.author_role') = 'clinician'",
    "postgresql": "data->>'author_role' = 'clinician'",
}


def upgrade() -> None:
    with op.batch_alter_table("records") as batch:
        batch.add_column(sa.Column("created_by", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("created_role", sa.String(length=16), nullable=False, server_default="person")
        )
    note_by_clinician = CLINICIAN_NOTE[op.get_bind().dialect.name]
    op.execute(
        "UPDATE records SET created_role = 'clinician'"
        f" WHERE type = 'drug-screen' OR (type = 'note' AND {note_by_clinician})"
    )
    op.create_table(
        "set_aside_records",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("data", JSON_DOCUMENT, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("set_aside_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            name="fk_set_aside_records_person_id_people",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_set_aside_records"),
    )
    op.create_index("ix_set_aside_records_person_id", "set_aside_records", ["person_id"])
    _set_aside_out_of_range_times()


records = sa.table(
    "records",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("time_utc", sa.DateTime(timezone=True)),
    sa.column("data", JSON_DOCUMENT),
)
set_aside = sa.table(
    "set_aside_records",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("data", JSON_DOCUMENT),
    sa.column("reason", sa.String()),
    sa.column("set_aside_at", sa.DateTime(timezone=True)),
)
people = sa.table(
    "people", sa.column("id", sa.Integer()), sa.column("records_version", sa.Integer())
)


def _time_problem(data: Any) -> str | None:
    """Why the record's own time is out of range (None when it is fine or not a time at all)."""
    if isinstance(data, str):
        data = json.loads(data)
    text = data.get("time") if isinstance(data, dict) else None
    if not isinstance(text, str):
        return None
    try:
        year = datetime.fromisoformat(text).year
    except ValueError:
        return None
    if EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    return f"time: the year must be between {EARLIEST_YEAR} and {LATEST_YEAR} (it was {year})"


def _utc_bound(moment: datetime, dialect: str) -> datetime:
    """As ``time_utc`` holds it: naive UTC text on SQLite, timestamptz on PostgreSQL."""
    return moment.replace(tzinfo=None) if dialect == "sqlite" else moment


def _set_aside_out_of_range_times() -> None:
    """Move rows whose own time falls outside the bounded years to ``set_aside_records``.

    A UTC offset shifts a time by under a day, so only rows within a day of the
    bounds (or beyond them) in ``time_utc`` are candidates; each is then judged
    on its own time.
    """
    bind = op.get_bind()
    dialect = bind.dialect.name
    low = _utc_bound(datetime(EARLIEST_YEAR, 1, 1, tzinfo=UTC) + timedelta(days=1), dialect)
    high = _utc_bound(datetime(LATEST_YEAR, 12, 31, tzinfo=UTC) - timedelta(days=1), dialect)
    candidates = bind.execute(
        sa.select(records.c.id, records.c.person_id, records.c.data).where(
            sa.or_(records.c.time_utc < low, records.c.time_utc > high)
        )
    ).all()
    moved: set[int] = set()
    now = _utc_bound(datetime.now(UTC), dialect)
    for record_id, person_id, data in candidates:
        reason = _time_problem(data)
        if reason is None:
            continue
        document = json.loads(data) if isinstance(data, str) else data
        bind.execute(
            sa.insert(set_aside).values(
                id=record_id,
                person_id=person_id,
                data=document,
                reason=reason,
                set_aside_at=now,
            )
        )
        bind.execute(sa.delete(records).where(records.c.id == record_id))
        moved.add(person_id)
    for person_id in sorted(moved):  # cached histories of these people are stale now
        bind.execute(
            sa.update(people)
            .where(people.c.id == person_id)
            .values(records_version=people.c.records_version + 1)
        )


def downgrade() -> None:
    """Put set-aside rows back, then drop the table and the columns."""
    bind = op.get_bind()
    dialect = bind.dialect.name
    restored = sa.table(
        "records",
        sa.column("id", sa.Integer()),
        sa.column("person_id", sa.Integer()),
        sa.column("type", sa.String()),
        sa.column("time_utc", sa.DateTime(timezone=True)),
        sa.column("data", JSON_DOCUMENT),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    rows = bind.execute(
        sa.select(set_aside.c.id, set_aside.c.person_id, set_aside.c.data, set_aside.c.set_aside_at)
    ).all()
    for record_id, person_id, data, set_aside_at in rows:
        document = json.loads(data) if isinstance(data, str) else data
        moment = datetime.fromisoformat(document["time"]).astimezone(UTC)
        bind.execute(
            sa.insert(restored).values(
                id=record_id,
                person_id=person_id,
                type=document["type"],
                time_utc=_utc_bound(moment, dialect),
                data=document,
                created_at=set_aside_at,
            )
        )
    op.drop_index("ix_set_aside_records_person_id", table_name="set_aside_records")
    op.drop_table("set_aside_records")
    if dialect == "sqlite":
        # SQLite >= 3.35 drops a column in place; batch mode would copy the table
        # and lose the roster triggers of 0003.
        op.execute("ALTER TABLE records DROP COLUMN created_role")
        op.execute("ALTER TABLE records DROP COLUMN created_by")
        return
    op.drop_column("records", "created_role")
    op.drop_column("records", "created_by")
