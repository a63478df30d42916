"""Repositories: people and their records, as plain values in and out.

Rows never leave this module: a person comes back as :class:`Person`, a record
as :class:`StoredRecord` (its id and the domain record rebuilt from ``data``
with ``parse_record``, so what is read is validated exactly as what is
imported). Nothing here commits; the unit of work decides.

Every change to a person's records (add, delete) also bumps that person's
``records_version`` in the same statement batch, so :class:`HistoryCache` can
tell with one indexed read whether a cached history is current.

Every record is stored with its :class:`Author`: the account that entered it
(None from the command line) and in which role.
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    Connection,
    Row,
    Select,
    Text,
    bindparam,
    cast,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from ketpath.core.records import (
    CREATED_ROLES,
    TYPE_NAMES,
    Record,
    parse_record,
    record_time,
    record_to_dict,
    with_id,
)
from ketpath.store.tables import from_row, people, records


@dataclass(frozen=True, kw_only=True)
class Person:
    id: int
    name: str
    created_at: datetime
    records_version: int = 0
    """Changes whenever the person's records do (see :class:`HistoryCache`)."""


@dataclass(frozen=True, kw_only=True)
class PersonTotals:
    person: Person
    records: int
    last_entry: datetime | None


@dataclass(frozen=True, kw_only=True)
class Author:
    """Who enters records: an account (None from the command line) in one of ``CREATED_ROLES``."""

    user_id: int | None = None
    role: str = "person"

    def __post_init__(self) -> None:
        if self.role not in CREATED_ROLES:
            raise ValueError(f"unknown role {self.role!r}; one of {', '.join(CREATED_ROLES)}")


@dataclass(frozen=True, kw_only=True)
class LockedForAdding:
    """A person about to get records: their row (version bumped) and how many they hold now."""

    person: Person
    records_held: int


PERSON = Author(role="person")
"""The person, without an account to name (the command line, their own machine)."""
OPERATOR = Author(role="operator")
"""Whoever runs the command line to restore a backup that holds clinic records."""


@dataclass(frozen=True, kw_only=True)
class StoredRecord:
    id: int
    person_id: int
    record: Record
    created_by: int | None = None
    created_role: str = "person"


def _now() -> datetime:
    return datetime.now(UTC)


#: Built once: these run on every write, and building a statement costs about as much
#: as running it on SQLite (issue 16.3).
_INSERT_RECORDS = insert(records).returning(records.c.id, sort_by_parameter_order=True)
#: Bumps the person's ``records_version`` and answers with their row, ``records_count``
#: included: the row lock it takes holds both until the transaction ends.
_BUMP_AND_RETURN_PERSON = (
    update(people)
    .where(people.c.name == bindparam("person_name"))
    .values(records_version=people.c.records_version + 1)
    .returning(*people.c)
)


class PeopleRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def get(self, name: str) -> Person | None:
        row = self._connection.execute(select(people).where(people.c.name == name)).first()
        return from_row(Person, row) if row is not None else None

    def lock_for_adding(self, name: str) -> LockedForAdding | None:
        """The named person with ``records_version`` bumped and how many records they hold.

        A use case about to add records starts with this instead of
        :meth:`get`, and tells :class:`RecordRepository` (``version_bumped=True``),
        which saves a round trip on every write; the row lock the bump takes
        holds the ids held and the count until the transaction ends. The count
        is for the quota (``services.quota``): the person's ``records_count``,
        kept by triggers on ``records`` (migration 0014) and read in the same
        statement as the bump, so no write counts the person's index. It is
        current on both databases: writers are serialised on SQLite (``BEGIN
        IMMEDIATE``), and on PostgreSQL an ``UPDATE`` that waited for another
        writer's row lock rereads that row (READ COMMITTED), so the count
        includes the records the other writer just committed (the concurrent
        quota test in ``tests/integration/test_record_limits.py``). A count
        taken by a subquery would not: it keeps the snapshot taken before the
        wait.
        """
        row = self._connection.execute(_BUMP_AND_RETURN_PERSON, {"person_name": name}).first()
        if row is None:
            return None
        return LockedForAdding(person=from_row(Person, row), records_held=int(row.records_count))

    def create(self, name: str) -> Person:
        created_at = _now()
        new_id = self._connection.execute(
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
            with self._connection.begin_nested():
                return self.create(name), True
        except IntegrityError:
            winner = self.get(name)
            if winner is None:
                raise
            return winner, False

    def delete(self, person_id: int) -> None:
        """Delete the person; their records, plan and account go with them (ON DELETE CASCADE)."""
        self._connection.execute(delete(people).where(people.c.id == person_id))

    def list_all(self) -> list[Person]:
        rows = self._connection.execute(select(people).order_by(people.c.name))
        return [from_row(Person, row) for row in rows]

    def totals(self) -> list[PersonTotals]:
        """Every person with their number of records and latest record time, by name."""
        query = (
            select(
                people,
                func.count(records.c.id).label("record_count"),
                func.max(records.c.time_utc).label("last_entry"),
            )
            .outerjoin(records, records.c.person_id == people.c.id)
            .group_by(people.c.id, people.c.name, people.c.created_at, people.c.records_version)
            .order_by(people.c.name)
        )
        return [
            PersonTotals(
                person=from_row(Person, row),
                records=row.record_count,
                last_entry=_as_utc(row.last_entry),
            )
            for row in self._connection.execute(query)
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
    return select(
        records.c.id,
        records.c.person_id,
        cast(records.c.data, Text).label("data"),
        records.c.created_by,
        records.c.created_role,
    )


def _stored(row: Row[Any]) -> StoredRecord:
    return StoredRecord(
        id=row.id,
        person_id=row.person_id,
        record=parse_record(row.data),
        created_by=row.created_by,
        created_role=row.created_role,
    )


class RecordRepository:
    def __init__(self, connection: Connection) -> None:
        self._connection = connection

    def add(
        self,
        person_id: int,
        record: Record,
        *,
        author: Author = PERSON,
        version_bumped: bool = False,
    ) -> int:
        return self.add_many(person_id, [record], author=author, version_bumped=version_bumped)[0]

    def add_many(
        self,
        person_id: int,
        new_records: Iterable[Record],
        *,
        author: Author = PERSON,
        version_bumped: bool = False,
    ) -> list[int]:
        """Store records for a person, entered by ``author``, in the given order; return their ids.

        One INSERT … RETURNING for the lot (SQLAlchemy's "insertmanyvalues"),
        which both SQLite and psycopg support, with ids in parameter order.
        The person's ``records_version`` is bumped too, unless this transaction
        did that already (``PeopleRepository.lock_for_adding``).

        A record without an id gets a random UUID here, when it is first
        stored (a form, the API, a clinician's entry); an id the person already
        has is an ``IntegrityError`` (the services look first: :meth:`ids_held`).
        """
        created_at = _now()
        rows = [
            {
                "person_id": person_id,
                "type": record.type,
                "time_utc": record_time(record),
                "uid": record.id,
                "data": record_to_dict(record),
                "created_at": created_at,
                "created_by": author.user_id,
                "created_role": author.role,
            }
            for record in (_identified(record) for record in new_records)
        ]
        if not rows:
            return []
        ids = list(self._connection.execute(_INSERT_RECORDS, rows).scalars())
        if not version_bumped:
            self._bump_version(person_id)
        return ids

    def ids_held(self, person_id: int, record_ids: Collection[str]) -> dict[str, int]:
        """Which of these record ids the person already has: record id -> storage id."""
        held: dict[str, int] = {}
        wanted = sorted(set(record_ids))
        for start in range(0, len(wanted), _IN_BATCH):
            query = select(records.c.uid, records.c.id).where(
                records.c.person_id == person_id,
                records.c.uid.in_(wanted[start : start + _IN_BATCH]),
            )
            held.update((uid, row_id) for uid, row_id in self._connection.execute(query))
        return held

    def get(self, record_id: int) -> StoredRecord | None:
        row = self._connection.execute(_select_records().where(records.c.id == record_id)).first()
        return _stored(row) if row is not None else None

    def delete(self, record_id: int) -> bool:
        statement = delete(records).where(records.c.id == record_id).returning(records.c.person_id)
        owner = self._connection.execute(statement).scalar_one_or_none()
        if owner is None:
            return False
        self._bump_version(owner)
        return True

    def _bump_version(self, person_id: int) -> None:
        self._connection.execute(
            update(people)
            .where(people.c.id == person_id)
            .values(records_version=people.c.records_version + 1)
        )

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
        return [_stored(row) for row in self._connection.execute(query)]

    def history(
        self, person_id: int, *, known: Mapping[int, CachedRecord] | None = None
    ) -> list[CachedRecord]:
        """All the person's records in :meth:`for_person`'s order, each with its stored text.

        A record whose id and text match one in ``known`` is reused rather than
        parsed again. Both must match: SQLite hands a deleted newest record's
        id to the next insert, so an id alone does not name one content.
        """
        known = known or {}
        found: list[CachedRecord] = []
        for row in self._connection.execute(
            _ordered(_select_records().where(records.c.person_id == person_id))
        ):
            cached = known.get(row.id)
            if cached is None or cached.text != row.data or _authored_otherwise(cached, row):
                cached = CachedRecord(text=row.data, stored=_stored(row))
            found.append(cached)
        return found


#: Ids per ``IN (...)`` list: well under SQLite's 32,766 bound parameters and quick on both.
_IN_BATCH = 5000


def _identified(record: Record) -> Record:
    """The record with a random UUID as its id when it has none yet."""
    return record if record.id is not None else with_id(record, str(uuid.uuid4()))


def _authored_otherwise(cached: CachedRecord, row: Row[Any]) -> bool:
    stored = cached.stored
    return (stored.created_by, stored.created_role) != (row.created_by, row.created_role)


@dataclass(frozen=True, kw_only=True)
class CachedRecord:
    text: str
    """The stored JSON text the record was parsed from."""
    stored: StoredRecord


class HistoryCache:
    """Parsed histories, kept between requests in this process, keyed by person.

    Parsing a five-year history (~5,000 records) with ``parse_record`` takes
    most of a dashboard's time, and histories change far less often than they
    are read. An entry is current while the person's ``records_version`` is
    the one it was stored under (the person's ``created_at`` is part of the
    key, so an id reused after a deletion cannot match). A stale entry still
    saves work: only records whose stored text changed are parsed again.

    Bounded by the number of records held (a parsed record takes about 1.2 kB,
    so the default bound is some 60 MB); the least recently used histories go
    first. Several worker processes each keep their own; the version lives
    in the database, so none of them serves another's stale copy.
    """

    def __init__(self, *, max_records: int = 50_000) -> None:
        self._max_records = max_records
        self._entries: OrderedDict[int, tuple[tuple[datetime, int], tuple[CachedRecord, ...]]]
        self._entries = OrderedDict()
        self._held = 0
        self._lock = threading.Lock()

    @staticmethod
    def _key(person: Person) -> tuple[datetime, int]:
        return (person.created_at, person.records_version)

    def current(self, person: Person) -> list[StoredRecord] | None:
        """The person's cached history if it is current (a new list each call), else None."""
        with self._lock:
            found = self._entries.get(person.id)
            if found is None or found[0] != self._key(person):
                return None
            self._entries.move_to_end(person.id)
        return [cached.stored for cached in found[1]]

    def stale(self, person: Person) -> dict[int, CachedRecord]:
        """Whatever is cached for the person, current or not, by record id."""
        with self._lock:
            found = self._entries.get(person.id)
        if found is None or found[0][0] != person.created_at:
            return {}
        return {cached.stored.id: cached for cached in found[1]}

    def store(self, person: Person, history: Sequence[CachedRecord]) -> None:
        entry = (self._key(person), tuple(history))
        with self._lock:
            previous = self._entries.pop(person.id, None)
            if previous is not None:
                self._held -= len(previous[1])
            if len(entry[1]) > self._max_records:
                return
            self._entries[person.id] = entry
            self._held += len(entry[1])
            while self._held > self._max_records:
                _, evicted = self._entries.popitem(last=False)
                self._held -= len(evicted[1])

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._held = 0


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
