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
        self.turn = threading.Event()
        """Set when the job's outcome is known, or when its caller is to lead the next commit."""


class _GroupCommit:
    """Callers queue jobs; one of them at a time leads: it commits everything queued.

    A caller that finds no leader leads at once. The others wait on their own
    job's event, which the leader sets when the commit holding their job is
    done; then it hands the lead to the first job queued meanwhile (if any),
    whose caller commits everything queued by then. Each waiting caller is
    woken once, and only when there is something for it to do: they used to
    queue on one lock that each had to take in turn just to learn that its job
    had been committed, and the next leader waited behind all of them (a
    measured mean batch of 5 jobs out of 32 waiting clients; issue 16, point 3).
    """

    def __init__(self) -> None:
        self._queue: list[_Job[object]] = []
        self._guard = threading.Lock()
        self._leading = False

    def run(self, db: Database, job: _Job[Result]) -> None:
        with self._guard:
            self._queue.append(cast(_Job[object], job))
            follow, self._leading = self._leading, True
        if follow:
            job.turn.wait()
            if job.done:
                return
        # This caller leads: no one else takes the queue until it hands the lead on.
        batch: list[_Job[object]] = []
        try:
            with self._guard:
                batch, self._queue = self._queue, []
            _commit_together(db, batch)
        finally:
            with self._guard:
                successor = self._queue[0] if self._queue else None
                self._leading = successor is not None
            for committed in batch:
                committed.turn.set()
            if successor is not None:
                successor.turn.set()


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
