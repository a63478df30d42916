"""A unit of work: one transaction, and the repositories that work inside it.

Leaving the ``with`` block rolls back whatever was not committed, so a use case
that raises half-way (or simply forgets) stores nothing. Only ``services``
opens one (Cosmic Python, chapter 6).

A use case that will write says so (``write=True``). On SQLite that begins the
transaction with ``BEGIN IMMEDIATE``, taking the write lock up front: a
deferred transaction that reads first and writes later fails at once with
"database is locked" when another writer committed in between, whatever the
busy timeout (SQLite, "Transactions", on ``SQLITE_BUSY`` in WAL mode). Other
databases ignore the flag. It covers the unit of work's first transaction;
work after a ``commit()`` inside the same block begins deferred again.
"""

from __future__ import annotations

import threading
from types import TracebackType
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ketpath.store.accounts import (
    DeviceRepository,
    PlanRepository,
    RateLimitRepository,
    SessionRepository,
    TokenRepository,
    UserRepository,
)
from ketpath.store.audit_log import AuditRepository
from ketpath.store.contingency_schedules import ContingencyScheduleRepository
from ketpath.store.idempotency import IdempotencyRepository
from ketpath.store.reminders import ReminderRepository
from ketpath.store.repository import PeopleRepository, RecordRepository
from ketpath.store.roster import RosterRepository
from ketpath.store.sharing import CareLinkRepository, ShareRepository

WRITE_OPTION = "ketpath_write"
"""The connection execution option that marks a transaction that will write."""

_writer_locks: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(session_factory: sessionmaker[Session]) -> threading.Lock | None:
    """One writer at a time per SQLite engine in this process (None for other databases).

    SQLite admits one writer; the others wait in its busy handler, which polls
    with sleeps of up to 100 ms, so under many concurrent writers most time is
    spent asleep. Queuing them on a lock in the process instead hands the write
    lock straight to the next writer (datasette sends all writes through one
    writer for the same reason). Other processes still meet ``BEGIN IMMEDIATE``
    and the busy timeout, so correctness never depends on this lock.
    """
    engine = session_factory.kw.get("bind")
    if not isinstance(engine, Engine) or engine.dialect.name != "sqlite":
        return None
    with _writer_locks_guard:
        return _writer_locks.setdefault(engine, threading.Lock())


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back.

    Every repository hangs off the unit of work at one depth (``uow.records``,
    ``uow.audit``, ``uow.care_links`` …), all on its one session.
    """

    people: PeopleRepository
    records: RecordRepository
    users: UserRepository
    sessions: SessionRepository
    tokens: TokenRepository
    devices: DeviceRepository
    rate_limits: RateLimitRepository
    plans: PlanRepository
    shares: ShareRepository
    care_links: CareLinkRepository
    audit: AuditRepository
    roster: RosterRepository
    contingency_schedules: ContingencyScheduleRepository
    idempotency: IdempotencyRepository
    reminders: ReminderRepository

    def __init__(self, session_factory: sessionmaker[Session], *, write: bool = False) -> None:
        self._session_factory = session_factory
        self._write = write
        self._session: Session | None = None
        self._held: threading.Lock | None = None

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("this unit of work is already open")
        if self._write:
            self._held = _writer_lock(self._session_factory)
            if self._held is not None:
                self._held.acquire()
        try:
            self._session = self._session_factory()
            if self._write:
                self._session.connection(execution_options={WRITE_OPTION: True})
        except BaseException:
            self._release()
            raise
        self.people = PeopleRepository(self._session)
        self.records = RecordRepository(self._session)
        self.users = UserRepository(self._session)
        self.sessions = SessionRepository(self._session)
        self.tokens = TokenRepository(self._session)
        self.devices = DeviceRepository(self._session)
        self.rate_limits = RateLimitRepository(self._session)
        self.plans = PlanRepository(self._session)
        self.shares = ShareRepository(self._session)
        self.care_links = CareLinkRepository(self._session)
        self.audit = AuditRepository(self._session)
        self.roster = RosterRepository(self._session)
        self.contingency_schedules = ContingencyScheduleRepository(self._session)
        self.idempotency = IdempotencyRepository(self._session)
        self.reminders = ReminderRepository(self._session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        session = self._open_session()
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
            self._release()

    def _release(self) -> None:
        if self._held is not None:
            self._held.release()
            self._held = None

    def commit(self) -> None:
        self._open_session().commit()

    def rollback(self) -> None:
        self._open_session().rollback()

    def _open_session(self) -> Session:
        if self._session is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._session
