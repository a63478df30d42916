"""A person disputes a clinic record: a note of their own that names it (issue 12, point 2).

The clinic's records are read-only to the person (``services.clinic_records``),
so a screen they believe is wrong cannot be deleted; instead they add a note
with ``about`` set to the record's ``id``, which the clinician sees next to
the entry on the patient page. That id is the record's stable identity, not
its storage row: a clinician's correction keeps it (``services.editing.
replace_stored``), so the dispute stays beside the corrected entry, and it
means the same in an export. The note is the person's own record, like any
other: they can delete it, and it is exported with the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime

from ketpath.core.records import Note
from ketpath.services.accounts import User
from ketpath.services.clinic_records import read_only_to_person
from ketpath.services.people import find_person
from ketpath.services.records import RecordNotFound, log_record, own_record
from ketpath.store import Author, Database


def dispute_record(
    db: Database,
    person_name: str,
    record_id: int,
    text: str,
    *,
    by: User,
    now: datetime | None = None,
) -> int:
    """Store the person's note disputing their clinic record ``record_id``; return its id.

    ``record_id`` is the storage id the pages link to; the note names the
    record's stable ``id``. Only a clinic record can be disputed (the person
    edits their own); any other id, or someone else's, is
    :class:`RecordNotFound`. A note that does not fit (empty, too long) raises
    ``ValueError`` and stores nothing.
    """
    with db.unit_of_work() as uow:
        person = find_person(uow, person_name)
        stored = own_record(uow, person, record_id)
        if not read_only_to_person(stored) or stored.record.id is None:
            raise RecordNotFound(person.name, record_id)
    note = Note(
        time=now or datetime.now(UTC),
        text=text.strip(),
        author_role="person",
        about=stored.record.id,
    )
    # Stored like any note she logs (her quota, her authorship). Were the clinic to
    # delete the entry meanwhile, the note would say it disputes one since removed.
    return log_record(db, person_name, note, author=Author(user_id=by.id, role="person"))
