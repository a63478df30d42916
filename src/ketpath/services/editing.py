"""Correcting a logged record: replace it in one unit of work.

The store has no update: a record is immutable once validated. Replacing is a
delete and an add in the same transaction, so a failed edit leaves the old
record in place and never a duplicate. The replacement gets a new storage id
but keeps the record's identity (``id``: a corrected record is the same
record, so an older export of it re-imports as already present, and a
person's note disputing a clinic entry stays beside its corrected version),
keeps to the person's side (no clinic records, none of the clinic's replaced,
no time in the future) and is audited as ``replace-record`` with both ids.
:func:`replace_stored` is the replacing itself, which a clinician's correction
of their own entry (``services.consent.correct_patient_record``) uses too.
"""

from __future__ import annotations

from ketpath.core.records import Record, with_id
from ketpath.services.accounts import User
from ketpath.services.clinic_records import check_person_may_change, refuse_clinic_records
from ketpath.services.people import find_person
from ketpath.services.records import audit_removal, own_record
from ketpath.services.refusals import refuse_future_times
from ketpath.store import Author, Database, StoredRecord, UnitOfWork


def replace_record(
    db: Database, person_name: str, record_id: int, record: Record, *, by: User | None = None
) -> int:
    """Replace one of a person's records with ``record``; return the new record's id.

    Someone else's record id is reported as not found, as a missing one is.
    The replacement is the person's (``by``, when they have an account).
    """
    author = Author(user_id=by.id if by is not None else None, role="person")
    refuse_clinic_records([record], author=author)
    refuse_future_times([(0, record)])
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        stored = own_record(uow, person, record_id)
        check_person_may_change(stored, author=author)
        new_id = replace_stored(uow, stored, record, author=author)
        audit_removal(uow, stored, by=by, action="replace-record", replaced_by=new_id)
        uow.commit()
    return new_id


def replace_stored(uow: UnitOfWork, stored: StoredRecord, record: Record, *, author: Author) -> int:
    """Put ``record`` in the place of ``stored``, keeping its ``id``; return the new storage id.

    Checks and audit are the caller's; this is the delete and the add, in the
    caller's unit of work.
    """
    if stored.record.id is not None:
        record = with_id(record, stored.record.id)
    uow.records.delete(stored.id)
    return uow.records.add(stored.person_id, record, author=author)
