"""Storing records for an existing person and getting their ids back (the API needs them).

``import_records`` answers with a count, which suits files; a client that may
later delete what it wrote needs the ids, in the order it sent the records.

On SQLite, concurrent calls share transactions (group commit): whichever
caller gets the write lock first stores everything queued by then in one
transaction and one commit, and each caller returns once the commit that holds
its records is done. A commit in WAL mode with ``synchronous=FULL`` waits for
an fsync, and SQLite admits one writer at a time, so one commit per request
caps throughput at one fsync per request; sharing it keeps every
acknowledged write durable and lets 32 clients go several times faster. (The
same idea as a database server's group commit, and as datasette's single
writer; the leader/follower form needs no thread of its own.)

Records whose ids the person already has are not stored again
(``services.identity``); their stored ids are returned as if just written.
Clinic records from a person, times in the future and the quota
(``services.quota``) are checked inside the shared transaction, after the
person's row is locked, so jobs for one person in one batch count each other.
A job refused for any of these wrote nothing, and the others still commit.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from ketpath.core.records import Record
from ketpath.services.identity import Added, add_new_records
from ketpath.services.people import PersonNotFound, clean_name
from ketpath.services.quota import TooManyRecords, check_import_size
from ketpath.services.refusals import RecordRefused
from ketpath.store import PERSON, Author, Database, RecordLimits, UnitOfWork


def store_records(
    db: Database, person_name: str, records: Sequence[Record], *, author: Author = PERSON
) -> list[int]:
    """Store the records for an existing person, all or nothing; their ids in the given order."""
    return write_records(db, person_name, records, author=author).ids


def write_records(
    db: Database, person_name: str, records: Sequence[Record], *, author: Author = PERSON
) -> Added:
    """As :func:`store_records`, also saying how many of the records were there already.

    This is every API write, so it takes few statements: finding the person
    and bumping their ``records_version`` is one ``UPDATE … RETURNING``, then
    the ids held, the quota's count and the insert.
    """
    name = clean_name(person_name)
    check_import_size(len(records), db.limits)
    job = _Job(name=name, records=records, author=author, limits=db.limits)
    if db.engine.dialect.name != "sqlite":
        with db.unit_of_work(write=True) as uow:
            added = _store(uow, job)
            uow.commit()
        return added
    return _group(db.engine).run(db, job)


def _store(uow: UnitOfWork, job: _Job) -> Added:
    """Add the records; raises before writing when the person is missing or a record is refused."""
    person = uow.people.get_for_records_change(job.name)
    if person is None:
        raise PersonNotFound(job.name)
    return add_new_records(uow, job.limits, person, job.records, author=job.author)


@dataclass(kw_only=True, eq=False)
class _Job:
    name: str
    records: Sequence[Record]
    author: Author
    limits: RecordLimits
    added: Added = field(default_factory=lambda: Added(ids=[]))
    error: BaseException | None = None
    done: bool = False


class _GroupCommit:
    """Callers queue jobs; the one holding ``_leader`` commits all queued jobs at once."""

    def __init__(self) -> None:
        self._queue: list[_Job] = []
        self._queue_guard = threading.Lock()
        self._leader = threading.Lock()

    def run(self, db: Database, job: _Job) -> Added:
        with self._queue_guard:
            self._queue.append(job)
        with self._leader:
            # A previous leader may have committed this job while we waited.
            if not job.done:
                with self._queue_guard:
                    batch, self._queue = self._queue, []
                _commit_together(db, batch)
        if job.error is not None:
            raise job.error
        return job.added


def _commit_together(db: Database, batch: list[_Job]) -> None:
    """One transaction for the batch; on an unexpected error, each job alone instead.

    A job refused for a missing person, a refused record or its quota wrote nothing, so the
    others still commit. Any other error may have left a job half-written, so the whole
    transaction is rolled back and every job runs again in its own, where the
    error reaches only the caller whose job raised it.
    """
    try:
        try:
            with db.unit_of_work(write=True) as uow:
                for job in batch:
                    try:
                        job.added = _store(uow, job)
                    except (PersonNotFound, TooManyRecords, RecordRefused) as refused:
                        job.error = refused
                uow.commit()
            for job in batch:
                job.done = True
        except Exception:
            for job in batch:
                _commit_alone(db, job)
    finally:
        for job in batch:
            if not job.done:  # interrupted (KeyboardInterrupt, ...) before its outcome was known
                job.added, job.error, job.done = Added(ids=[]), InterruptedWriteError(), True


def _commit_alone(db: Database, job: _Job) -> None:
    job.added, job.error = Added(ids=[]), None
    try:
        with db.unit_of_work(write=True) as uow:
            job.added = _store(uow, job)
            uow.commit()
    except Exception as error:
        job.added, job.error = Added(ids=[]), error
    job.done = True


class InterruptedWriteError(RuntimeError):
    """The transaction that held these records was interrupted; whether it committed is unknown."""

    def __init__(self) -> None:
        super().__init__(
            "the write was interrupted; read the records back to see whether it was stored"
        )


_groups: WeakKeyDictionary[Engine, _GroupCommit] = WeakKeyDictionary()
_groups_guard = threading.Lock()


def _group(engine: Engine) -> _GroupCommit:
    with _groups_guard:
        return _groups.setdefault(engine, _GroupCommit())
