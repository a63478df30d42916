"""Storage of contingency-management schedules, for the CM feature (``services.contingency``).

One schedule per person, set by their clinician. The table has a column for
each setting every CM schedule has (start value, increment, cap, what resets
it, how many negatives bring it back); the settings exactly as the feature
passed them are kept alongside as JSON, so a setting it adds later needs no
migration. ``get_schedule`` returns those settings with the columns and
who/when on top. Decimals are kept as text (JSON has no decimal type), dates
and times as ISO 8601.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ketpath.services.accounts import User
from ketpath.services.audit import Actor, append
from ketpath.services.consent import consented
from ketpath.services.people import find_person
from ketpath.store import Database

ALIASES = {"cap": "max_value", "return_after_negatives": "return_after"}
"""Column names and the CM feature's names for the same setting."""
DEFAULTS: dict[str, Any] = {
    "start_value": 0.0,
    "increment": 0.0,
    "cap": 0.0,
    "reset_on_positive": True,
    "reset_on_missed": False,
    "return_after_negatives": 0,
}


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _setting(settings: Mapping[str, Any], column: str) -> Any:
    for key in (column, ALIASES.get(column, column)):
        if key in settings and settings[key] is not None:
            return settings[key]
    return DEFAULTS[column]


def _columns(settings: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "start_value": float(_setting(settings, "start_value")),
        "increment": float(_setting(settings, "increment")),
        "cap": float(_setting(settings, "cap")),
        "reset_on_positive": bool(_setting(settings, "reset_on_positive")),
        "reset_on_missed": bool(_setting(settings, "reset_on_missed")),
        "return_after_negatives": int(_setting(settings, "return_after_negatives")),
    }


def get_schedule(db: Database, person_name: str) -> dict[str, Any] | None:
    """The person's stored schedule, or None (then the defaults apply)."""
    with db.unit_of_work() as uow:
        person = find_person(uow, person_name)
        return uow.clinic.schedules.get(person.id)


def save_schedule(
    db: Database, person_name: str, clinician_id: int, settings: Mapping[str, Any]
) -> None:
    """Create or replace the person's schedule, as set by ``clinician_id``.

    Consent is the caller's to check (the CM routes do, as every patient route).
    """
    values = {**_columns(settings), "settings": _plain(dict(settings))}
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        uow.clinic.schedules.save(
            person.id, clinician_id=clinician_id, values=values, now=datetime.now(UTC)
        )
        uow.commit()


def save_schedule_as_clinician(
    db: Database, *, clinician: User, patient_id: int, settings: Mapping[str, Any]
) -> None:
    """Check consent, save the schedule and write the audit row, all in one transaction.

    Raises :class:`~ketpath.services.consent.NoConsent` (and saves nothing) when
    the clinician has no standing consent for this person.
    """
    values = {**_columns(settings), "settings": _plain(dict(settings))}
    with db.unit_of_work(write=True) as uow:
        consented(uow.clinic, clinician=clinician, patient_id=patient_id)
        uow.clinic.schedules.save(
            patient_id, clinician_id=clinician.id, values=values, now=datetime.now(UTC)
        )
        append(
            uow.clinic,
            action="write-cm-schedule",
            actor=Actor.of(clinician),
            person_id=patient_id,
            detail={},
        )
        uow.commit()
