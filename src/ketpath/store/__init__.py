"""Storage: SQLAlchemy tables, repositories, the unit of work and migrations.

Only ``ketpath.services`` should use this package; the core never imports it.
Each repository module is named for what it holds (``repository``: people and
records; ``accounts``, ``sharing``, ``audit_log``, ``roster``,
``contingency_schedules``, ``idempotency``, ``reminders``), and every repository hangs off an
open unit of work at one depth (``uow.records``, ``uow.care_links`` …).
``group_commit`` shares one SQLite commit between concurrent writers;
``process_locks`` lets one server process of several take a background job.
"""

from __future__ import annotations

from ketpath.store.accounts import ApiTokenRow, Bucket, PlanRow, SessionRow, UserRow
from ketpath.store.database import (
    ENVIRONMENT_VARIABLE,
    Database,
    RecordLimits,
    make_engine,
    migrate,
    open_database,
    resolve_url,
)
from ketpath.store.repository import (
    OPERATOR,
    PERSON,
    Author,
    LockedForAdding,
    Person,
    PersonTotals,
    StoredRecord,
)
from ketpath.store.unit_of_work import UnitOfWork

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "OPERATOR",
    "PERSON",
    "ApiTokenRow",
    "Author",
    "Bucket",
    "Database",
    "LockedForAdding",
    "Person",
    "PersonTotals",
    "PlanRow",
    "RecordLimits",
    "SessionRow",
    "StoredRecord",
    "UnitOfWork",
    "UserRow",
    "make_engine",
    "migrate",
    "open_database",
    "resolve_url",
]
