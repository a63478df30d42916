"""Storing records for an existing person and getting their ids back (the API needs them).

``import_records`` answers with a count, which suits files; a client that may
later delete what it wrote needs the ids, in the order it sent the records.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketpath.core.records import Record
from ketpath.services.people import PersonNotFound, clean_name
from ketpath.store import Database


def store_records(db: Database, person_name: str, records: Sequence[Record]) -> list[int]:
    """Store the records for an existing person, all or nothing; their ids in the given order.

    This is every API write, so it takes two statements: finding the person
    and bumping their ``records_version`` is one ``UPDATE … RETURNING``.
    """
    name = clean_name(person_name)
    with db.unit_of_work(write=True) as uow:
        person = uow.people.get_for_records_change(name)
        if person is None:
            raise PersonNotFound(name)
        ids = uow.records.add_many(person.id, records, version_bumped=True)
        uow.commit()
    return ids
