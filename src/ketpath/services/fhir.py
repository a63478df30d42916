"""Use cases for FHIR interchange: export a history as a Bundle, import responses and follow-ups.

Thin on purpose: reading and storing go through the record services (so an
import is all-or-nothing in one unit of work, exactly like a JSONL import),
and the FHIR mapping is the pure :mod:`ketpath.interop.fhir`. Callers import
from here (``from ketpath.services.fhir import export_fhir, import_fhir``).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from ketpath.interop.fhir import bundle_for, pseudonym_for, records_from_fhir
from ketpath.services.people import clean_name
from ketpath.services.records import ImportResult, import_records, person_records
from ketpath.store import Database

__all__ = ["export_fhir", "import_fhir"]


def export_fhir(
    db: Database, person_name: str, *, generated_at: datetime | None = None
) -> dict[str, Any]:
    """A person's history as a FHIR R4 collection Bundle (a JSON-ready dict).

    The person appears only as :func:`~ketpath.interop.fhir.pseudonym_for` of
    their stored name. Records are read in stored order so that the latest
    stored profile is the one used (``bundle_for`` sorts the rest itself).
    Raises ``PersonNotFound`` for an unknown name.
    """
    records = person_records(db, person_name)
    return bundle_for(
        records, pseudonym=pseudonym_for(clean_name(person_name)), generated_at=generated_at
    )


def import_fhir(
    db: Database,
    person_name: str,
    data: str | bytes | Mapping[str, Any],
    *,
    create: bool = True,
) -> ImportResult:
    """Store the questionnaire and red-flag follow-up records of a FHIR Bundle or response.

    Everything is parsed and checked before the database is touched; a
    ``FhirError`` anywhere stores nothing.
    """
    records = records_from_fhir(data)
    return import_records(db, person_name, records, create=create)
