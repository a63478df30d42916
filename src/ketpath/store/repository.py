"""Repositories: people and their records, as plain values in and out.

Rows never leave this module: a person comes back as :class:`Person`, a record
as :class:`StoredRecord` (its id and the domain record rebuilt from ``data``
with ``parse_record``, so what is read is validated exactly as what is
imported). Nothing here commits; the unit of work decides.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, Select, Text, cast, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ketpath.core.records import TYPE_NAMES, Record, parse_record, record_time, record_to_dict
from ketpath.store.tables import people, records


@dataclass(frozen=True, kw_only=True)
class Person:
    id: int
    name: str
    created_at: datetime


@dataclass(frozen=True, kw_only=True)
class PersonTotals:
    person: Person
    records: int
    last_entry: datetime | None


@dataclass(frozen=True, kw_only=True)
class StoredRecord:
    id: int
    person_id: int
    record: Record


def _now() -> datetime:
    return datetime.now(UTC)


def _person(row: Row[Any]) -> Person:
    return Person(id=row.id, name=row.name, created_at=row.created_at)


class PeopleRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def get(self, name: str) -> Person | None:
        row = self._session.execute(select(people).where(people.c.name == name)).first()
        return _person(row) if row is not None else None

    def create(self, name: str) -> Person:
        created_at = _now()
        new_id = self._session.execute(
            insert(people).values(name=name, created_at=created_at).returning(people.c.id)
        ).scalar_one()
        return Person(id=new_id, name=name, created_at=created_at)

    def get_or_create(self, name: str) -> tuple[Person, bool]:
        """The named person, created when missing; and whether this call created them.

        Two transactions may both find the name missing; on PostgreSQL the
        second insert then hits the unique constraint. The insert runs in a
        savepoint so that loser can roll back just that and read the winner's row
        (visible under READ COMMITTED). On SQLite writers are serialised by
        ``BEGIN IMMEDIATE``, so the race does not arise.
        """
        existing = self.get(name)
        if existing is not None:
            return existing, False
        try:
            with self._session.begin_nested():
                return self.create(name), True
        except IntegrityError:
            winner = self.get(name)
            if winner is None:
                raise
            return winner, False

    def delete(self, person_id: int) -> None:
        """Delete the person; their records, plan and account go with them (ON DELETE CASCADE)."""
        self._session.execute(delete(people).where(people.c.id == person_id))

    def list_all(self) -> list[Person]:
        rows = self._session.execute(select(people).order_by(people.c.name))
        return [_person(row) for row in rows]

    def totals(self) -> list[PersonTotals]:
        """Every person with their number of records and latest record time, by name."""
        query = (
            select(
                people,
                func.count(records.c.id).label("record_count"),
                func.max(records.c.time_utc).label("last_entry"),
            )
            .outerjoin(records, records.c.person_id == people.c.id)
            .group_by(people.c.id, people.c.name, people.c.created_at)
            .order_by(people.c.name)
        )
        return [
            PersonTotals(
                person=_person(row),
                records=row.record_count,
                last_entry=_as_utc(row.last_entry),
            )
            for row in self._session.execute(query)
        ]


def _as_utc(value: datetime | str | None) -> datetime | None:
    """``max()`` of a column loses its type on SQLite: the text comes back raw."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _select_records() -> Select[Any]:
    """Records with ``data`` as JSON text, which ``parse_record`` validates in one step.

    Reading the text skips decoding to a dict and encoding it again for the
    validator: a third of the time of reading a five-year history (~5,000
    records), which every dashboard view does.
    """
    return select(records.c.id, records.c.person_id, cast(records.c.data, Text).label("data"))


def _stored(row: Row[Any]) -> StoredRecord:
    return StoredRecord(id=row.id, person_id=row.person_id, record=parse_record(row.data))


class RecordRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, person_id: int, record: Record) -> int:
        return self.add_many(person_id, [record])[0]

    def add_many(self, person_id: int, new_records: Iterable[Record]) -> list[int]:
        """Store records for a person, in the given order; return their ids.

        One INSERT … RETURNING for the lot (SQLAlchemy's "insertmanyvalues"),
        which both SQLite and psycopg support, with ids in parameter order.
        """
        created_at = _now()
        rows = [
            {
                "person_id": person_id,
                "type": record.type,
                "time_utc": record_time(record),
                "data": record_to_dict(record),
                "created_at": created_at,
            }
            for record in new_records
        ]
        if not rows:
            return []
        statement = insert(records).returning(records.c.id, sort_by_parameter_order=True)
        return list(self._session.execute(statement, rows).scalars())

    def get(self, record_id: int) -> StoredRecord | None:
        row = self._session.execute(_select_records().where(records.c.id == record_id)).first()
        return _stored(row) if row is not None else None

    def delete(self, record_id: int) -> bool:
        result = self._session.execute(delete(records).where(records.c.id == record_id))
        return bool(getattr(result, "rowcount", 0))

    def for_person(
        self,
        person_id: int,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        types: Collection[str] | None = None,
    ) -> list[StoredRecord]:
        """A person's records, oldest first (untimed ones, the profiles, lead).

        ``since`` is inclusive and ``until`` exclusive, so windows tile; either
        bound leaves out untimed records. ``types`` keeps only those types.
        """
        query = _ordered(_select_records().where(records.c.person_id == person_id))
        if since is not None:
            query = query.where(records.c.time_utc >= _aware(since, "since"))
        if until is not None:
            query = query.where(records.c.time_utc < _aware(until, "until"))
        if types is not None:
            query = query.where(records.c.type.in_(_known_types(types)))
        return [_stored(row) for row in self._session.execute(query)]


def _ordered(query: Select[Any]) -> Select[Any]:
    return query.order_by(records.c.time_utc.asc().nulls_first(), records.c.id)


def _aware(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} needs a UTC offset, e.g. 2026-05-01T00:00:00+01:00")
    return value


def _known_types(types: Collection[str]) -> Sequence[str]:
    unknown = sorted(set(types) - set(TYPE_NAMES))
    if unknown:
        raise ValueError(
            f"unknown record type(s) {', '.join(unknown)}; allowed: {', '.join(TYPE_NAMES)}"
        )
    return sorted(types)
