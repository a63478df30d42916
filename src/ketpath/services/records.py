"""Use cases about a person's records: import, export, log, read, delete, assess.

Each opens one unit of work and commits only when everything it meant to do
has been done, so an import that fails at any point stores nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from ketpath.core.assess import Assessment, assess
from ketpath.core.records import Record, sorted_records
from ketpath.services.people import find_or_create_person, find_person
from ketpath.services.writes import store_records
from ketpath.store import Database, StoredRecord


class RecordNotFound(ValueError):  # noqa: N818 (pairs with PersonNotFound)
    """No record with that id belongs to that person."""

    def __init__(self, person_name: str, record_id: int) -> None:
        self.person_name = person_name
        self.record_id = record_id
        super().__init__(f"{person_name!r} has no record with id {record_id}")


@dataclass(frozen=True, kw_only=True)
class ImportResult:
    person: str
    count: int
    created_person: bool = False


def import_records(
    db: Database, person_name: str, records: Iterable[Record], *, create: bool = True
) -> ImportResult:
    """Store records for a person, creating them if new (unless ``create=False``).

    All or nothing: ``records`` may be a lazy iterable that fails part-way
    (e.g. validating a file line by line); the person and every record are
    then rolled back together.
    """
    with db.unit_of_work(write=True) as uow:
        person, created = find_or_create_person(uow, person_name, create=create)
        ids = uow.records.add_many(person.id, records)
        uow.commit()
    return ImportResult(person=person.name, count=len(ids), created_person=created)


def log_record(db: Database, person_name: str, record: Record, *, create: bool = False) -> int:
    """Store one record and return its id.

    An unknown name is an error unless ``create=True``: a mistyped name should
    not quietly start a new person's history.
    """
    if not create:
        return store_records(db, person_name, [record])[0]
    with db.unit_of_work(write=True) as uow:
        person, _created = find_or_create_person(uow, person_name, create=True)
        record_id = uow.records.add(person.id, record)
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


def delete_record(db: Database, person_name: str, record_id: int) -> Record:
    """Delete one of a person's records and return it.

    A record id that belongs to someone else is reported as not found, exactly
    as a missing one is, so ids reveal nothing about other people.
    """
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        stored = uow.records.get(record_id)
        if stored is None or stored.person_id != person.id:
            raise RecordNotFound(person.name, record_id)
        uow.records.delete(record_id)
        uow.commit()
    return stored.record


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
