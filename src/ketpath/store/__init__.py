"""Storage: SQLAlchemy tables, repositories, the unit of work and migrations.

Only ``ketpath.services`` should use this package; the core never imports it.
"""

from __future__ import annotations

from ketpath.store.accounts import ApiTokenRow, Bucket, PlanRow, SessionRow, UserRow
from ketpath.store.database import (
    ENVIRONMENT_VARIABLE,
    Database,
    make_engine,
    migrate,
    open_database,
    resolve_url,
)
from ketpath.store.repository import Person, PersonTotals, StoredRecord
from ketpath.store.unit_of_work import UnitOfWork

__all__ = [
    "ENVIRONMENT_VARIABLE",
    "ApiTokenRow",
    "Bucket",
    "Database",
    "Person",
    "PersonTotals",
    "PlanRow",
    "SessionRow",
    "StoredRecord",
    "UnitOfWork",
    "UserRow",
    "make_engine",
    "migrate",
    "open_database",
    "resolve_url",
]
