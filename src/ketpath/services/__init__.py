"""Use cases: the only layer that opens a unit of work.

Entry points (CLI, web) build plain arguments, open a database with
:func:`open_database` and call these functions; they never touch the store.
"""

from __future__ import annotations

from ketpath.services.accounts import (
    AccountError,
    LoginRefused,
    RateLimited,
    SessionPolicy,
    User,
)
from ketpath.services.clinic_records import ClinicRecordReadOnly, ClinicRecordRefused
from ketpath.services.people import PersonNotFound, PersonSummary, list_people
from ketpath.services.plans import PlanError, get_plan, save_plan
from ketpath.services.quota import TooManyRecords
from ketpath.services.records import (
    ImportResult,
    RecordNotFound,
    assess_person,
    delete_record,
    export_records,
    import_records,
    log_record,
    own_entries,
    person_entries,
    person_records,
)
from ketpath.services.refusals import FutureRecordRefused, RecordRefused
from ketpath.store import (
    OPERATOR,
    PERSON,
    Author,
    Database,
    RecordLimits,
    StoredRecord,
    open_database,
)

__all__ = [
    "OPERATOR",
    "PERSON",
    "AccountError",
    "Author",
    "ClinicRecordReadOnly",
    "ClinicRecordRefused",
    "Database",
    "FutureRecordRefused",
    "ImportResult",
    "LoginRefused",
    "PersonNotFound",
    "PersonSummary",
    "PlanError",
    "RateLimited",
    "RecordLimits",
    "RecordNotFound",
    "RecordRefused",
    "SessionPolicy",
    "StoredRecord",
    "TooManyRecords",
    "User",
    "assess_person",
    "delete_record",
    "export_records",
    "get_plan",
    "import_records",
    "list_people",
    "log_record",
    "open_database",
    "own_entries",
    "person_entries",
    "person_records",
    "save_plan",
]
