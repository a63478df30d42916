"""Background work that one server process of several should do at a time.

With ``ketpath serve --workers N``, or servers on several hosts, every process
runs the same background loops. Most of what they do is safe to do twice
(stored summaries and sent reminders are claimed in the database), but a loop
that walks every person, such as the roster's day-rollover sweep, would be
done N times over each round. :func:`one_process_at_a_time` lets the first
process take the job and tells the others to skip this round.

On PostgreSQL it is a session-level advisory lock (``pg_try_advisory_lock``,
PostgreSQL documentation, "Explicit Locking: Advisory Locks") held on one
pooled connection for the length of the job and released before the
connection goes back to the pool; a process that dies loses its connection
and, with it, the lock, so a crash never leaves a job taken. Trying never
waits. SQLite serves one process (``serve`` refuses more), so there the job
is always this process's.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from ketpath.store.database import Database

#: One advisory lock key per job; 4271337 is the migration lock (``store.database.migrate``).
JOB_KEYS = {"roster-sweep": 4271338}


@contextmanager
def one_process_at_a_time(db: Database, job: str) -> Iterator[bool]:
    """``with one_process_at_a_time(db, "roster-sweep") as mine:`` — do the job only if ``mine``."""
    key = JOB_KEYS[job]
    if db.engine.dialect.name != "postgresql":
        yield True
        return
    with db.engine.connect() as connection:
        taken = bool(
            connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar()
        )
        connection.commit()  # the lock is the session's; no transaction stays open meanwhile
        try:
            yield taken
        finally:
            if taken:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                connection.commit()
