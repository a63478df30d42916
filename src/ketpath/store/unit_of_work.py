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
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine

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

_Repository = TypeVar("_Repository")

WRITE_OPTION = "ketpath_write"
"""The connection execution option that marks a transaction that will write."""
NO_TRANSACTION_OPTION = "ketpath_no_transaction"
"""The connection execution option that marks a unit of work without a transaction (SQLite)."""

_writer_locks: WeakKeyDictionary[Engine, threading.Lock] = WeakKeyDictionary()
_writer_locks_guard = threading.Lock()


def _writer_lock(engine: Engine) -> threading.Lock | None:
    """One writer at a time per SQLite engine in this process (None for other databases).

    SQLite admits one writer; the others wait in its busy handler, which polls
    with sleeps of up to 100 ms, so under many concurrent writers most time is
    spent asleep. Queuing them on a lock in the process instead hands the write
    lock straight to the next writer (datasette sends all writes through one
    writer for the same reason). Other processes still meet ``BEGIN IMMEDIATE``
    and the busy timeout, so correctness never depends on this lock.
    """
    if engine.dialect.name != "sqlite":
        return None
    with _writer_locks_guard:
        return _writer_locks.setdefault(engine, threading.Lock())


def _no_transaction(connection: Connection) -> dict[str, object]:
    """The execution options that run each statement on its own, committed as it runs.

    PostgreSQL: SQLAlchemy's ``AUTOCOMMIT`` isolation level, reset when the
    connection goes back to the pool, so no ``BEGIN`` and ``ROLLBACK`` are
    sent. SQLite: ketpath begins every transaction itself (``isolation_level
    = None`` on the driver, ``BEGIN`` from the ``begin`` event in
    ``store.database``), so the option tells that event to begin nothing;
    SQLAlchemy's ``AUTOCOMMIT`` would, on reset, hand the driver back its own
    implicit transactions.
    """
    if connection.dialect.name == "sqlite":
        return {NO_TRANSACTION_OPTION: True}
    return {"isolation_level": "AUTOCOMMIT"}


class UnitOfWork:
    """``with uow: ...; uow.commit()`` — anything not committed is rolled back.

    It works on one Core ``Connection`` from the engine, not an ORM
    ``Session``: the store maps nothing, and a session's transaction
    bookkeeping cost CPU on every statement and every unit of work, about
    0.17 ms per unit of work on PostgreSQL and 0.08 ms on SQLite, and an API
    write opens two (issue 16.3). The connection begins a transaction with
    its first statement ("commit as you go"), so work after a ``commit()``
    or ``rollback()`` begins a new one.

    Every repository hangs off the unit of work at one depth (``uow.records``,
    ``uow.audit``, ``uow.care_links`` …), all on its one connection. Each is made
    on first use: an API write touches two of the fifteen, and making all of
    them on every unit of work was a measurable share of a write's time
    (issue 16.3).
    """

    def __init__(
        self,
        engine: Engine,
        *,
        write: bool = False,
        transaction: bool = True,
    ) -> None:
        if write and not transaction:
            raise ValueError("a unit of work that writes needs a transaction")
        self._engine = engine
        self._write = write
        self._transaction = transaction
        self._connection: Connection | None = None
        self._immediate = False
        self._held: threading.Lock | None = None
        self._repositories: dict[str, object] = {}

    def __enter__(self) -> UnitOfWork:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already open")
        if self._write:
            self._held = _writer_lock(self._engine)
            if self._held is not None:
                self._held.acquire()
        try:
            connection = self._connection = self._engine.connect()
            if self._write:
                # Begun here, inside the writer lock, so that the write lock is taken up front.
                connection.execution_options(**{WRITE_OPTION: True})
                self._immediate = True
                connection.begin()
            elif not self._transaction:
                connection.execution_options(**_no_transaction(connection))
        except BaseException:
            self._close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._close()

    def _close(self) -> None:
        """Roll back what is not committed, hand the connection back, let the next writer in."""
        try:
            if self._connection is not None:
                self._connection.close()  # rolls back; the pool resets any isolation level
        finally:
            self._connection = None
            self._immediate = False
            self._repositories = {}
            if self._held is not None:
                self._held.release()
                self._held = None

    def _repository(self, name: str, make: Callable[[Connection], _Repository]) -> _Repository:
        found = self._repositories.get(name)
        if found is None:
            found = self._repositories[name] = make(self._open_connection())
        return cast(_Repository, found)

    @property
    def people(self) -> PeopleRepository:
        return self._repository("people", PeopleRepository)

    @property
    def records(self) -> RecordRepository:
        return self._repository("records", RecordRepository)

    @property
    def users(self) -> UserRepository:
        return self._repository("users", UserRepository)

    @property
    def sessions(self) -> SessionRepository:
        return self._repository("sessions", SessionRepository)

    @property
    def tokens(self) -> TokenRepository:
        return self._repository("tokens", TokenRepository)

    @property
    def devices(self) -> DeviceRepository:
        return self._repository("devices", DeviceRepository)

    @property
    def rate_limits(self) -> RateLimitRepository:
        return self._repository("rate_limits", RateLimitRepository)

    @property
    def plans(self) -> PlanRepository:
        return self._repository("plans", PlanRepository)

    @property
    def shares(self) -> ShareRepository:
        return self._repository("shares", ShareRepository)

    @property
    def care_links(self) -> CareLinkRepository:
        return self._repository("care_links", CareLinkRepository)

    @property
    def audit(self) -> AuditRepository:
        return self._repository("audit", AuditRepository)

    @property
    def roster(self) -> RosterRepository:
        return self._repository("roster", RosterRepository)

    @property
    def contingency_schedules(self) -> ContingencyScheduleRepository:
        return self._repository("contingency_schedules", ContingencyScheduleRepository)

    @property
    def idempotency(self) -> IdempotencyRepository:
        return self._repository("idempotency", IdempotencyRepository)

    @property
    def reminders(self) -> ReminderRepository:
        return self._repository("reminders", ReminderRepository)

    def commit(self) -> None:
        connection = self._open_connection()
        connection.commit()
        self._deferred_from_now_on(connection)

    def rollback(self) -> None:
        connection = self._open_connection()
        connection.rollback()
        self._deferred_from_now_on(connection)

    def _deferred_from_now_on(self, connection: Connection) -> None:
        """``write=True`` covers the first transaction only (see the module docstring)."""
        if self._immediate:
            connection.execution_options(**{WRITE_OPTION: False})
            self._immediate = False

    def _open_connection(self) -> Connection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside a with block")
        return self._connection
