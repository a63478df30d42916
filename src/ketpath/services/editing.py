"""Correcting a logged record: replace it in one unit of work.

The store has no update: a record is immutable once validated. Replacing is a
delete and an add in the same transaction, so a failed edit leaves the old
record in place and never a duplicate. The replacement gets a new id.
"""

from __future__ import annotations

from ketpath.core.records import Record
from ketpath.services.people import find_person
from ketpath.services.records import RecordNotFound
from ketpath.store import Database


def replace_record(db: Database, person_name: str, record_id: int, record: Record) -> int:
    """Replace one of a person's records with ``record``; return the new record's id.

    Someone else's record id is reported as not found, as a missing one is.
    """
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        stored = uow.records.get(record_id)
        if stored is None or stored.person_id != person.id:
            raise RecordNotFound(person.name, record_id)
        uow.records.delete(record_id)
        new_id = uow.records.add(person.id, record)
        uow.commit()
    return new_id
