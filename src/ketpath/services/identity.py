"""Adding records by their identity: what a person already has is not stored again.

Issue 12, point 1: re-importing one's own export stored every record twice,
and doubled the assessment. Every record has an id (``core.records``); every
write path (forms, the API, file and FHIR imports, the command line) adds
records through :func:`add_new_records`, which stores only the ids the person
does not have yet and counts the rest as already present. The unique index on
``(person_id, uid)`` (migration 0007) holds it in the database too.

A clinic record whose id the person already has is no new entry, so a person
re-importing their own export that holds the clinic's drug screen sees it as
already present; a new one is still refused (``services.clinic_records``).
Times in the future are refused for new records (``services.refusals``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from ketpath.core.records import Record
from ketpath.services.clinic_records import refuse_new_clinic_records
from ketpath.services.quota import make_room
from ketpath.services.refusals import refuse_future_times
from ketpath.store import Author, LockedForAdding, RecordLimits, UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Added:
    """Storage ids in the order the records were given, and how many were there already."""

    ids: list[int]
    already_present: int = 0

    @property
    def stored(self) -> int:
        return len(self.ids) - self.already_present


def add_new_records(
    uow: UnitOfWork,
    limits: RecordLimits,
    locked: LockedForAdding,
    records: Sequence[Record],
    *,
    author: Author,
    now: datetime | None = None,
) -> Added:
    """Store the records whose ids the person lacks; the others answer with their stored ids.

    ``locked`` is the person as ``PeopleRepository.lock_for_adding`` locked
    them in this unit of work, with their count, so the ids held and the
    quota's count cannot change before the insert. An id given twice in one
    batch is stored once. Raises ``ClinicRecordRefused``,
    ``FutureRecordRefused`` or ``TooManyRecords`` before writing anything.
    """
    person = locked.person
    held = uow.records.ids_held(person.id, [r.id for r in records if r.id is not None])
    first_of: dict[str, int] = {}
    new: list[tuple[int, Record]] = []
    for index, record in enumerate(records):
        if record.id is None:
            new.append((index, record))
        elif record.id not in held and record.id not in first_of:
            first_of[record.id] = index
            new.append((index, record))
    refuse_new_clinic_records(new, author=author)
    refuse_future_times(new, now=now)
    make_room(limits, adding=len(new), held=locked.records_held)
    stored = uow.records.add_many(
        person.id, [record for _index, record in new], author=author, version_bumped=True
    )
    by_index = {index: row_id for (index, _record), row_id in zip(new, stored, strict=True)}
    for record_id, index in first_of.items():
        held[record_id] = by_index[index]
    ids = [
        by_index[index] if index in by_index else held[str(record.id)]
        for index, record in enumerate(records)
    ]
    return Added(ids=ids, already_present=len(records) - len(new))
