"""Use cases about a person's records: import, export, log, read, delete, assess.

Each opens one unit of work and commits only when everything it meant to do
has been done, so an import that fails at any point stores nothing.

Every write names its :class:`~ketpath.store.Author` (by default the person,
who may not enter clinic records: ``services.clinic_records``), keeps to
``db.limits`` (``services.quota``), refuses times in the future
(``services.refusals``) and stores only the records whose ids the person does
not have yet (``services.identity``): importing a file twice stores it once.
Deleting is the person's own act on their records, refused for the clinic's
and audited.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from ketpath.core.assess import Assessment, assess
from ketpath.core.records import Record, sorted_records, with_content_ids
from ketpath.errors import BadInput
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, append
from ketpath.services.clinic_records import check_person_may_change
from ketpath.services.identity import Added, add_new_records
from ketpath.services.people import PersonNotFound, find_or_create_person, find_person
from ketpath.services.quota import check_import_size
from ketpath.services.writes import store_records
from ketpath.store import PERSON, Author, Database, Person, StoredRecord, UnitOfWork


class RecordNotFound(BadInput):
    """No record with that id belongs to that person."""

    def __init__(self, person_name: str, record_id: int) -> None:
        self.person_name = person_name
        self.record_id = record_id
        super().__init__(f"{person_name!r} has no record with id {record_id}")


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    person: str
    count: int
    """How many records were stored."""
    created_person: bool = False
    already_present: int = 0
    """How many the person had already (the same ids): not stored again."""


def import_records(
    db: Database,
    person_name: str,
    records: Iterable[Record],
    *,
    create: bool = True,
    author: Author = PERSON,
) -> ImportResult:
    """Store records for a person, creating them if new (unless ``create=False``).

    All or nothing: ``records`` may be a lazy iterable that fails part-way
    (e.g. validating a file line by line); nothing is stored then. Refused
    whole, before anything is written: more than ``db.limits.per_import``
    records, more than the person may hold, a time in the future, or (from a
    person) a clinic record they do not have yet.

    A record without an id gets its content id (``core.records.content_id``),
    so a hand-written file imported twice is stored once; records whose ids
    the person already has are counted in ``already_present``.
    """
    batch = with_content_ids(islice(records, db.limits.per_import + 1))
    check_import_size(len(batch), db.limits)
    with db.unit_of_work(write=True) as uow:
        person, created = find_or_create_person(uow, person_name, create=create)
        added = add_for_person(uow, db, person, batch, author=author)
        uow.commit()
    return ImportResult(
        person=person.name,
        count=added.stored,
        created_person=created,
        already_present=added.already_present,
    )


def add_for_person(
    uow: UnitOfWork, db: Database, person: Person, records: Sequence[Record], *, author: Author
) -> Added:
    """Add the records the person does not have yet, inside an open unit of work.

    The person's row is locked first (the ``records_version`` bump), so the
    ids held and the count that the quota checks cannot change before the
    records are in.
    """
    if not records:
        return Added(ids=[])
    locked = uow.people.lock_for_adding(person.name)
    assert locked is not None  # found or created in this unit of work
    return add_new_records(uow, db.limits, locked, records, author=author)


def log_record(
    db: Database,
    person_name: str,
    record: Record,
    *,
    create: bool = False,
    author: Author = PERSON,
) -> int:
    """Store one record and return its id.

    An unknown name is an error unless ``create=True``: a mistyped name should
    not quietly start a new person's history.
    """
    if not create:
        return store_records(db, person_name, [record], author=author)[0]
    with db.unit_of_work(write=True) as uow:
        person, _created = find_or_create_person(uow, person_name, create=True)
        [record_id] = add_for_person(uow, db, person, [record], author=author).ids
        uow.commit()
    return record_id


def export_records(db: Database, person_name: str) -> list[Record]:
    """All of a person's records in the canonical order (``sorted_records``).

    Written with ``dumps_jsonl`` and imported into another person or database,
    they export again byte for byte.
    """
    return sorted_records(person_records(db, person_name))


def person_entries(
    db: Database,
    person_name: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    types: Collection[str] | None = None,
) -> list[StoredRecord]:
    """A person's records with their ids (for views that edit or delete), oldest first.

    ``since`` is inclusive, ``until`` exclusive; either leaves out the untimed
    (profile) records. ``types`` keeps only the named record types. The whole
    history (no filter) comes from ``db.histories`` when it is current, which
    is what makes a dashboard of five years quick.
    """
    with db.unit_of_work() as uow:
        person = find_person(uow, person_name)
        if since is not None or until is not None or types is not None:
            return uow.records.for_person(person.id, since=since, until=until, types=types)
        return whole_history(db, uow, person)


def whole_history(db: Database, uow: UnitOfWork, person: Person) -> list[StoredRecord]:
    """All of ``person``'s records, oldest first: from ``db.histories`` when current, else read.

    ``person`` must have been read in ``uow``'s transaction before this call
    (its ``records_version`` is the cache's key). The person's own pages
    (:func:`person_entries`) and the clinician's (``services.consent``) share
    the one cache, so a clinician reading a five-year history parses it once.
    """
    cached = db.histories.current(person)
    if cached is not None:
        return cached
    # The person was read first in this transaction, so the history is at
    # least as new as their records_version: on PostgreSQL (read committed)
    # a write in between makes it newer than its key, which costs one more
    # read later and never serves a stale history.
    history = uow.records.history(person.id, known=db.histories.stale(person))
    db.histories.store(person, history)
    return [cached.stored for cached in history]


def own_entries(db: Database, person_name: str) -> list[StoredRecord]:
    """``person_entries`` of an account's own person, who may have logged nothing yet.

    Registration names a person but stores no row until the first entry, so
    for an account's own pages "not found" is an empty history, not an error.
    """
    try:
        return person_entries(db, person_name)
    except PersonNotFound:
        return []


def person_records(
    db: Database,
    person_name: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    types: Collection[str] | None = None,
) -> list[Record]:
    """A person's records, oldest first, filtered as :func:`person_entries` does.

    Profiles come first in the order they were stored, so the latest-stored
    profile is the one ``latest_profile`` picks.
    """
    entries = person_entries(db, person_name, since=since, until=until, types=types)
    return [entry.record for entry in entries]


def delete_record(
    db: Database, person_name: str, record_id: int, *, by: User | None = None
) -> Record:
    """Delete one of a person's own records, audited, and return it.

    A record id that belongs to someone else is reported as not found, exactly
    as a missing one is, so ids reveal nothing about other people. A clinic
    record raises ``ClinicRecordReadOnly``. The audit row names the record's
    id and type (never its content) and who deleted it (``by``; the command
    line has no account).
    """
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        stored = own_record(uow, person, record_id)
        check_person_may_change(stored, author=PERSON)
        uow.records.delete(record_id)
        audit_removal(uow, stored, by=by, action="delete-record")
        uow.commit()
    return stored.record


def own_record(uow: UnitOfWork, person: Person, record_id: int) -> StoredRecord:
    """The person's record of that id, or :class:`RecordNotFound` (also for someone else's)."""
    stored = uow.records.get(record_id)
    if stored is None or stored.person_id != person.id:
        raise RecordNotFound(person.name, record_id)
    return stored


def audit_removal(
    uow: UnitOfWork,
    stored: StoredRecord,
    *,
    by: User | None,
    action: str,
    replaced_by: int | None = None,
) -> None:
    """An audit row for a deleted (or replaced) record: its id and type, never its content."""
    actor = Actor.of(by) if by is not None else Actor(id=None, email=None, role="person")
    detail: dict[str, object] = {"record_id": stored.id, "type": stored.record.type}
    if replaced_by is not None:
        detail["replaced_by"] = replaced_by
    append(uow, action=action, actor=actor, person_id=stored.person_id, detail=detail)


def assess_person(
    db: Database,
    person_name: str,
    *,
    as_of: datetime | None = None,
    locale: str | None = None,
) -> Assessment:
    """The assessment of a person's stored history (see ``core.assess.assess``)."""
    records = person_records(db, person_name)
    return assess(records, as_of, locale=locale)
