"""Storing records for an existing person and getting their ids back (the API needs them).

``import_records`` answers with a count, which suits files; a client that may
later delete what it wrote needs the ids, in the order it sent the records.

On SQLite, concurrent calls share transactions (group commit,
``store.group_commit``): each caller returns once the commit that holds its
records is done.

Records whose ids the person already has are not stored again
(``services.identity``); their stored ids are returned as if just written.
Clinic records from a person, times in the future and the quota
(``services.quota``) are checked inside the shared transaction, after the
person's row is locked, so jobs for one person in one batch count each other.
A job refused for any of these wrote nothing, and the others still commit.
Once the write has committed, the person's roster summary is queued for
recomputation in the background (``services.roster_refresh``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ketpath.core.records import Record
from ketpath.services.identity import Added, add_new_records
from ketpath.services.people import PersonNotFound, clean_name
from ketpath.services.quota import TooManyRecords, check_import_size
from ketpath.services.refusals import RecordRefused
from ketpath.services.roster_hook import records_changed
from ketpath.store import PERSON, Author, Database, RecordLimits, UnitOfWork
from ketpath.store.group_commit import InterruptedWriteError, write_together

__all__ = ["InterruptedWriteError", "store_records", "write_records"]

REFUSALS = (PersonNotFound, TooManyRecords, RecordRefused)
"""Why a write is refused having written nothing (the rest of a shared commit stands)."""


def store_records(
    db: Database, person_name: str, records: Sequence[Record], *, author: Author = PERSON
) -> list[int]:
    """Store the records for an existing person, all or nothing; their ids in the given order."""
    return write_records(db, person_name, records, author=author).ids


def write_records(
    db: Database, person_name: str, records: Sequence[Record], *, author: Author = PERSON
) -> Added:
    """As :func:`store_records`, also saying how many of the records were there already.

    This is every API write, so it takes few statements: finding the person,
    bumping their ``records_version`` and reading how many records they hold
    for the quota (``records_count``, kept by triggers: migration 0014) is one
    ``UPDATE … RETURNING``, then the ids held (only for records that come
    with ids) and the insert.
    """
    name = clean_name(person_name)
    check_import_size(len(records), db.limits)
    job = _Job(name=name, records=records, author=author, limits=db.limits)
    added = write_together(db, lambda uow: _store(uow, job), refusals=REFUSALS)
    records_changed(db, job.written)  # committed: the roster summary is recomputed off this request
    return added


def _store(uow: UnitOfWork, job: _Job) -> Added:
    """Add the records; raises before writing when the person is missing or a record is refused."""
    locked = uow.people.lock_for_adding(job.name)
    if locked is None:
        raise PersonNotFound(job.name)
    job.written.add(locked.person.id)
    return add_new_records(uow, job.limits, locked, job.records, author=job.author)


@dataclass(frozen=True, kw_only=True)
class _Job:
    name: str
    records: Sequence[Record]
    author: Author
    limits: RecordLimits
    written: set[int] = field(default_factory=set)
    """The person whose records this job wrote (for the roster refresher, once committed)."""
