"""A dispute note names the disputed record's stable id, not its storage row.

Revision ID: 0009
Revises: 0008
Created: 2026-11-30

Issue 12, point 2: a person's note disputing a clinic entry held the entry's
row id in ``about``. A clinician's correction stores a new row, so the dispute
then pointed at nothing ("since corrected or removed"), and a row id means
nothing outside the database that wrote it. ``about`` is now the record's
``id`` (``records.uid``, given to every row by 0007), which a correction keeps.

Each stored note whose ``about`` is a number gets, in its place:

- the ``uid`` of that row, when it is still there and the note's person's;
- else, when the audit log says the row was replaced (``correct-record`` by a
  clinician, ``replace-record`` by the person: ``record_id`` -> ``replaced_by``,
  followed to the end of the chain), the ``uid`` of the row that replaced it,
  so a dispute of a since-corrected entry is beside its current version again;
- else ``removed-record-<row>``: the entry is gone, and the note stays a
  dispute of "an entry since removed" (downgrade turns it back into the number).

The note's own id does not change (``uid`` and ``data.id`` stay as they are);
the people whose notes changed get their ``records_version`` bumped, since
cached histories of them are stale. No schema change.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOCUMENT: Any = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
REMOVED_PREFIX = "removed-record-"
REPLACING_ACTIONS = ("correct-record", "replace-record")
BATCH = 500

records = sa.table(
    "records",
    sa.column("id", sa.Integer()),
    sa.column("person_id", sa.Integer()),
    sa.column("type", sa.String()),
    sa.column("data", JSON_DOCUMENT),
    sa.column("uid", sa.String()),
)
people = sa.table(
    "people", sa.column("id", sa.Integer()), sa.column("records_version", sa.Integer())
)
audit_log = sa.table(
    "audit_log",
    sa.column("seq", sa.Integer()),
    sa.column("action", sa.String()),
    sa.column("detail", JSON_DOCUMENT),
)


def _document(value: Any) -> dict[str, Any]:
    return json.loads(value) if isinstance(value, str) else dict(value)


def _is_row_number(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _notes(bind: sa.Connection) -> Iterator[tuple[int, int, dict[str, Any]]]:
    """Every note row with an ``about``: (row id, person id, data)."""
    query = sa.select(records.c.id, records.c.person_id, records.c.data).where(
        records.c.type == "note"
    )
    for row_id, person_id, data in bind.execute(query.order_by(records.c.id)).all():
        document = _document(data)
        if "about" in document:
            yield row_id, person_id, document


def _replacements(bind: sa.Connection) -> dict[int, int]:
    """Row id -> the row that replaced it, from the audit log, in the order it was written."""
    query = (
        sa.select(audit_log.c.detail)
        .where(audit_log.c.action.in_(REPLACING_ACTIONS))
        .order_by(audit_log.c.seq)
    )
    replaced: dict[int, int] = {}
    for (detail,) in bind.execute(query).all():
        document = _document(detail)
        old, new = document.get("record_id"), document.get("replaced_by")
        if (
            isinstance(old, int)
            and isinstance(new, int)
            and _is_row_number(old)
            and _is_row_number(new)
        ):
            replaced[old] = new
    return replaced


def _chain(row_id: int, replaced: Mapping[int, int]) -> list[int]:
    """``row_id`` and the rows that replaced it, in turn (a loop, were there one, ends it)."""
    chain = [row_id]
    while chain[-1] in replaced and replaced[chain[-1]] not in chain:
        chain.append(replaced[chain[-1]])
    return chain


def _rows(bind: sa.Connection, row_ids: set[int]) -> dict[int, tuple[int, str | None]]:
    """Row id -> (person id, uid), for those of ``row_ids`` still stored."""
    wanted = sorted(row_ids)
    found: dict[int, tuple[int, str | None]] = {}
    for start in range(0, len(wanted), BATCH):
        query = sa.select(records.c.id, records.c.person_id, records.c.uid).where(
            records.c.id.in_(wanted[start : start + BATCH])
        )
        found.update((row_id, (person, uid)) for row_id, person, uid in bind.execute(query))
    return found


def _rewrite(bind: sa.Connection, changed: list[dict[str, Any]], people_changed: set[int]) -> None:
    statement = (
        sa.update(records)
        .where(records.c.id == sa.bindparam("row_id"))
        .values(data=sa.bindparam("new_data"))
    )
    for start in range(0, len(changed), BATCH):
        bind.execute(statement, changed[start : start + BATCH])
    for person_id in sorted(people_changed):
        bind.execute(
            sa.update(people)
            .where(people.c.id == person_id)
            .values(records_version=people.c.records_version + 1)
        )


def upgrade() -> None:
    bind = op.get_bind()
    notes = [
        (row_id, person_id, document)
        for row_id, person_id, document in _notes(bind)
        if _is_row_number(document["about"])
    ]
    if not notes:
        return
    replaced = _replacements(bind)
    chains = {document["about"]: _chain(document["about"], replaced) for _, _, document in notes}
    stored = _rows(bind, {row for chain in chains.values() for row in chain})
    changed: list[dict[str, Any]] = []
    for row_id, person_id, document in notes:
        about = document["about"]
        uids = [
            stored[row][1]
            for row in chains[about]
            if row in stored and stored[row][0] == person_id and stored[row][1]
        ]
        document["about"] = uids[-1] if uids else f"{REMOVED_PREFIX}{about}"
        changed.append({"row_id": row_id, "new_data": document})
    _rewrite(bind, changed, {person_id for _, person_id, _ in notes})


def downgrade() -> None:
    """``about`` back to a row number: the row now holding that id, or the removed row's number.

    A note whose ``about`` names neither (an id from an imported file that
    this database never held) loses ``about``: the older code reads nothing
    else there, and the text stays.
    """
    bind = op.get_bind()
    notes = [
        (row_id, person_id, document)
        for row_id, person_id, document in _notes(bind)
        if isinstance(document["about"], str)
    ]
    if not notes:
        return
    rows: dict[tuple[int, str], int] = {}
    for start in range(0, len(notes), BATCH):
        batch = notes[start : start + BATCH]
        query = sa.select(records.c.id, records.c.person_id, records.c.uid).where(
            records.c.uid.in_(sorted({document["about"] for _, _, document in batch}))
        )
        rows.update(((person, uid), row_id) for row_id, person, uid in bind.execute(query))
    changed: list[dict[str, Any]] = []
    for row_id, person_id, document in notes:
        about: str = document["about"]
        removed = about.removeprefix(REMOVED_PREFIX)
        if (person_id, about) in rows:
            document["about"] = rows[person_id, about]
        elif about.startswith(REMOVED_PREFIX) and removed.isascii() and removed.isdigit():
            document["about"] = int(removed)
        else:
            del document["about"]
        changed.append({"row_id": row_id, "new_data": document})
    _rewrite(bind, changed, {person_id for _, person_id, _ in notes})
