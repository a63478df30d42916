"""Group commit: concurrent writers on SQLite share one transaction and one commit.

A commit in WAL mode with ``synchronous=FULL`` waits for an fsync, and SQLite
admits one writer at a time, so one commit per request caps throughput at one
fsync per request. Here, whichever caller gets the write lock first runs
everything queued by then in one transaction and one commit, and each caller
returns once the commit that holds its work is done; sharing the fsync keeps
every acknowledged write durable and lets 32 clients go several times faster.
(The same idea as a database server's group commit, and as datasette's single
writer; the leader/follower form needs no thread of its own.) Other databases
take concurrent writers themselves, so there each call gets its own
transaction; that is also what several server processes need (``serve
--workers``, PostgreSQL only): the group here lives in one process, and
what must hold across processes (a person's records version, quotas, the
audit chain head) is locked in the database by the work itself.

What a job writes is the caller's (``services.writes`` stores records); this
module knows only transactions. A job that raises one of the ``refusals`` it
was given must have written nothing, so the others in its batch still commit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Engine

from ketpath.store.database import Database
from ketpath.store.unit_of_work import UnitOfWork

Result = TypeVar("Result")

Refusals = tuple[type[BaseException], ...]
"""Errors a job raises having written nothing: the rest of its batch still commits."""


def write_together(
    db: Database, work: Callable[[UnitOfWork], Result], *, refusals: Refusals = ()
) -> Result:
    """Run ``work`` in a writing unit of work and commit, sharing the commit on SQLite.

    ``work`` may run twice (alone, after a batch it was in failed), each time
    in a fresh transaction; it must not commit.
    """
    if db.engine.dialect.name != "sqlite":
        with db.unit_of_work(write=True) as uow:
            result = work(uow)
            uow.commit()
        return result
    job = _Job(work=work, refusals=refusals)
    _group(db.engine).run(db, job)
    if job.error is not None:
        raise job.error
    return cast(Result, job.result)


class _Job(Generic[Result]):
    def __init__(self, *, work: Callable[[UnitOfWork], Result], refusals: Refusals) -> None:
        self.work = work
        self.refusals = refusals
        self.result: Result | None = None
        self.error: BaseException | None = None
        self.done = False


class _GroupCommit:
    """Callers queue jobs; the one holding ``_leader`` commits all queued jobs at once."""

    def __init__(self) -> None:
        self._queue: list[_Job[object]] = []
        self._queue_guard = threading.Lock()
        self._leader = threading.Lock()

    def run(self, db: Database, job: _Job[Result]) -> None:
        with self._queue_guard:
            self._queue.append(cast(_Job[object], job))
        with self._leader:
            # A previous leader may have committed this job while we waited.
            if not job.done:
                with self._queue_guard:
                    batch, self._queue = self._queue, []
                _commit_together(db, batch)


def _commit_together(db: Database, batch: list[_Job[object]]) -> None:
    """One transaction for the batch; on an unexpected error, each job alone instead.

    A job refused (one of its ``refusals``) wrote nothing, so the
    others still commit. Any other error may have left a job half-written, so the whole
    transaction is rolled back and every job runs again in its own, where the
    error reaches only the caller whose job raised it.
    """
    try:
        try:
            with db.unit_of_work(write=True) as uow:
                for job in batch:
                    try:
                        job.result = job.work(uow)
                    except job.refusals as refused:
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
                job.result, job.error, job.done = None, InterruptedWriteError(), True


def _commit_alone(db: Database, job: _Job[object]) -> None:
    job.result, job.error = None, None
    try:
        with db.unit_of_work(write=True) as uow:
            job.result = job.work(uow)
            uow.commit()
    except Exception as error:
        job.result, job.error = None, error
    job.done = True


class InterruptedWriteError(RuntimeError):
    """The transaction that held this write was interrupted; whether it committed is unknown."""

    def __init__(self) -> None:
        super().__init__(
            "the write was interrupted; read the records back to see whether it was stored"
        )


_groups: WeakKeyDictionary[Engine, _GroupCommit] = WeakKeyDictionary()
_groups_guard = threading.Lock()


def _group(engine: Engine) -> _GroupCommit:
    with _groups_guard:
        return _groups.setdefault(engine, _GroupCommit())
