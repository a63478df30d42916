"""Use cases for FHIR interchange: export a history as a Bundle, import responses and follow-ups.

Thin on purpose: reading and storing go through the record services (so an
import is all-or-nothing in one unit of work, exactly like a JSONL import),
and the FHIR mapping is the pure :mod:`ketpath.interop.fhir`. Callers import
from here (``from ketpath.services.fhir import export_fhir, import_fhir``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from ketpath.interop.fhir import bundle_for, pseudonym_for, read_fhir
from ketpath.services.people import clean_name
from ketpath.services.records import ImportResult, import_records, person_records
from ketpath.store import PERSON, Author, Database

__all__ = ["FhirImportResult", "export_fhir", "import_fhir"]


@dataclass(frozen=True, kw_only=True)
class FhirImportResult(ImportResult):
    """An import's result, with the resources of types we do not read (counted, never silent)."""

    skipped: dict[str, int] = field(default_factory=dict)
    skipped_summary: str | None = None
    """``skipped 3 resources we do not read: 2 Condition, 1 Encounter``, or None."""


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
    author: Author = PERSON,
) -> FhirImportResult:
    """Store the questionnaire, red-flag follow-up and profile records of a FHIR Bundle or response.

    Everything is parsed and checked before the database is touched; a
    ``FhirError`` anywhere stores nothing. Records whose ids the person has
    (re-importing one's own bundle) are counted as already present. Valid resources of other types are
    not stored; the result counts them by type for the caller to report.
    """
    read = read_fhir(data)
    stored = import_records(db, person_name, read.records, create=create, author=author)
    return FhirImportResult(
        **{
            stored_field.name: getattr(stored, stored_field.name) for stored_field in fields(stored)
        },
        skipped=read.skipped,
        skipped_summary=read.skipped_summary(),
    )
