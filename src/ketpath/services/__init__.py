"""Use cases: the only layer that opens a unit of work.

Entry points (CLI, web) build plain arguments, open a database with
:func:`open_database` and call these functions; they never touch the store.
"""

from __future__ import annotations

from ketpath.services.people import PersonNotFound, PersonSummary, list_people
from ketpath.services.records import (
    ImportResult,
    RecordNotFound,
    assess_person,
    delete_record,
    export_records,
    import_records,
    log_record,
    person_entries,
    person_records,
)
from ketpath.store import Database, StoredRecord, open_database

__all__ = [
    "Database",
    "ImportResult",
    "PersonNotFound",
    "PersonSummary",
    "RecordNotFound",
    "StoredRecord",
    "assess_person",
    "delete_record",
    "export_records",
    "import_records",
    "list_people",
    "log_record",
    "open_database",
    "person_entries",
    "person_records",
]
