"""Every record has an identity; API writes remember their idempotency keys.

Revision ID: 0007
Revises: 0006
Created: 2026-11-30

Issue 12, point 1: re-importing one's own export stored everything twice.
A record now carries an ``id`` (inside ``data``, which stays the truth, and
copied to ``records.uid`` so that a unique index keeps one record per id per
person). Existing rows get the id an import of the same record without one
would get (``core.records.content_id``): a UUID 5 of the record's content with
its keys sorted, the n-th repeat of one content within a person counted as an
import counts repeats in a file. So an export made before this migration
re-imports as "already present" after it. The function is spelled out here
rather than imported, because a migration is a snapshot; a test holds the two
equal.

``uid`` is added with a plain ALTER and stays nullable: SQLite cannot add a
NOT NULL column in place, and batch mode would copy the table and lose the
roster triggers of 0003. Every write sets it.

``idempotency_keys`` holds, per account and key, the hash of a POST's body and
the response it got, until the key expires.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT: Any = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
RECORD_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ketpath:record")
BATCH = 1000

records = sa.table(
    "records",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("time_utc", sa.DateTime(timezone=True)),
    sa.column("data", JSON_DOCUMENT),
    sa.column("uid", sa.String()),
)
people = sa.table(
    "people", sa.column("id", sa.Integer()), sa.column("records_version", sa.Integer())
)


def content_key(data: dict[str, Any]) -> str:
    """As ``core.records.content_key``: the content without its id, keys sorted."""
    content = {key: value for key, value in data.items() if key != "id"}
    return json.dumps(content, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def content_id(key: str, repeat: int) -> str:
    return str(uuid.uuid5(RECORD_ID_NAMESPACE, f"{key}|{repeat}" if repeat else key))


def upgrade() -> None:
    op.add_column("records", sa.Column("uid", sa.String(length=100), nullable=True))
    _backfill_ids()
    op.create_index("uq_records_person_id_uid", "records", ["person_id", "uid"], unique=True)
    op.create_table(
        "idempotency_keys",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", JSON_DOCUMENT, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name="fk_idempotency_keys_user_id_users", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "key", name="pk_idempotency_keys"),
    )


def _backfill_ids() -> None:
    """Give every row its content id, in each person's stored order (profiles first)."""
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(records.c.id, records.c.person_id, records.c.data).order_by(
            records.c.person_id, records.c.time_utc.asc().nulls_first(), records.c.id
        )
    )
    seen: Counter[tuple[int, str]] = Counter()
    changed: list[dict[str, Any]] = []
    people_changed: set[int] = set()
    statement = (
        sa.update(records)
        .where(records.c.id == sa.bindparam("row_id"))
        .values(uid=sa.bindparam("new_uid"), data=sa.bindparam("new_data"))
    )
    for row_id, person_id, data in rows.all():
        document = json.loads(data) if isinstance(data, str) else dict(data)
        record_id = document.get("id")
        if not isinstance(record_id, str):
            key = content_key(document)
            record_id = content_id(key, seen[person_id, key])
            seen[person_id, key] += 1
        identified = {"type": document.pop("type", None), "id": record_id}
        identified.update((key, value) for key, value in document.items() if key != "id")
        changed.append({"row_id": row_id, "new_uid": record_id, "new_data": identified})
        people_changed.add(person_id)
        if len(changed) >= BATCH:
            bind.execute(statement, changed)
            changed = []
    if changed:
        bind.execute(statement, changed)
    for person_id in sorted(people_changed):  # cached histories of these people are stale now
        bind.execute(
            sa.update(people)
            .where(people.c.id == person_id)
            .values(records_version=people.c.records_version + 1)
        )


def downgrade() -> None:
    """Drop the keys and the ids (the older code refuses a record with an ``id`` field)."""
    op.drop_table("idempotency_keys")
    op.drop_index("uq_records_person_id_uid", table_name="records")
    bind = op.get_bind()
    statement = (
        sa.update(records)
        .where(records.c.id == sa.bindparam("row_id"))
        .values(data=sa.bindparam("new_data"))
    )
    rows = bind.execute(sa.select(records.c.id, records.c.data)).all()
    stripped = []
    for row_id, data in rows:
        document = json.loads(data) if isinstance(data, str) else dict(data)
        document.pop("id", None)
        stripped.append({"row_id": row_id, "new_data": document})
    if stripped:
        bind.execute(statement, stripped)
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE records DROP COLUMN uid")
        return
    op.drop_column("records", "uid")
