"""Use cases about contingency management: a person's reward schedule and running total.

Rewards are not stored: they are worked out from the person's drug-screen
records by the pure engine (``core.contingency``) each time they are asked
for, so a corrected or deleted screen corrects every value after it. What is
stored is only a person's settings, by their clinician, one schedule each
(``store.contingency_schedules``); a person with none follows the defaults of
``knowledge/contingency.toml``.

The schedule starts at the stored ``start`` (an ISO date or time) when there
is one, else at the first drug screen: a person with no screens has no
schedule yet.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, time
from typing import Any

from ketpath.core.contingency import ContingencySettings, ContingencyState, schedule
from ketpath.core.records import DrugScreen, Record
from ketpath.knowledge.contingency import contingency
from ketpath.knowledge.load import GRADE_MEANINGS
from ketpath.services.accounts import User
from ketpath.services.audit import Actor, append
from ketpath.services.consent import consented
from ketpath.services.people import find_person
from ketpath.services.records import person_records
from ketpath.store import Database
from ketpath.store.contingency_schedules import SETTING_ALIASES

__all__ = [
    "clinic_schedule",
    "contingency_overview",
    "contingency_state",
    "get_schedule",
    "overview",
    "save_schedule",
    "save_schedule_as_clinician",
    "settings_rows",
    "state_for",
]

SETTING_NAMES = frozenset(f.name for f in fields(ContingencySettings))


def get_schedule(db: Database, person_name: str) -> dict[str, Any] | None:
    """The person's stored schedule, or None (then the defaults apply)."""
    with db.unit_of_work() as uow:
        person = find_person(uow, person_name)
        return uow.contingency_schedules.get(person.id)


def save_schedule(
    db: Database, person_name: str, clinician_id: int, settings: Mapping[str, Any]
) -> None:
    """Create or replace the person's schedule, as set by ``clinician_id``.

    Consent is the caller's to check (the contingency routes do, as every patient route).
    """
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        uow.contingency_schedules.save(
            person.id, clinician_id=clinician_id, settings=settings, now=datetime.now(UTC)
        )
        uow.commit()


def save_schedule_as_clinician(
    db: Database, *, clinician: User, patient_id: int, settings: Mapping[str, Any]
) -> None:
    """Check consent, save the schedule and write the audit row, all in one transaction.

    Raises :class:`~ketpath.services.consent.NoConsent` (and saves nothing) when
    the clinician has no standing consent for this person.
    """
    with db.unit_of_work(write=True) as uow:
        consented(uow, clinician=clinician, patient_id=patient_id)
        uow.contingency_schedules.save(
            patient_id, clinician_id=clinician.id, settings=settings, now=datetime.now(UTC)
        )
        append(
            uow,
            action="write-cm-schedule",
            actor=Actor.of(clinician),
            person_id=patient_id,
            detail={},
        )
        uow.commit()


def stored_schedule(db: Database, person_name: str) -> dict[str, Any] | None:
    """The clinician's stored settings for the person (:func:`get_schedule`), or None."""
    found = get_schedule(db, person_name)
    return dict(found) if found else None


def clinic_schedule(db: Database, person_name: str) -> dict[str, Any] | None:
    """The person's stored schedule when a clinic runs rewards for them, else None.

    A clinic runs them when the clinician who stored the schedule still has the
    person's consent: a person with no clinic (or whose share has ended) sees
    no Rewards, rather than a default schedule nobody pays out (issue 12, point 7).
    """
    with db.unit_of_work() as uow:
        person = uow.people.get(person_name)
        if person is None:
            return None
        stored = uow.contingency_schedules.get(person.id)
        if stored is None:
            return None
        link = uow.care_links.active(clinician_id=stored["clinician_id"], person_id=person.id)
    return dict(stored) if link is not None else None


def _start(stored: Mapping[str, Any] | None, screens: Sequence[DrugScreen]) -> datetime | None:
    value = (stored or {}).get("start")
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, str) and value:
        parsed = datetime.fromisoformat(value)
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return min((s.time for s in screens), default=None)


def settings_from(stored: Mapping[str, Any] | None) -> ContingencySettings:
    """The stored settings over the defaults; keys that are not settings (start, who, when) skipped."""
    given = dict(stored or {})
    for column, name in SETTING_ALIASES.items():
        if name not in given and column in given:
            given[name] = given[column]
    chosen = {key: value for key, value in given.items() if key in SETTING_NAMES}
    return ContingencySettings.from_mapping(chosen) if chosen else ContingencySettings.defaults()


def state_for(
    records: Sequence[Record], stored: Mapping[str, Any] | None, *, as_of: datetime
) -> ContingencyState | None:
    """The schedule replayed up to ``as_of``, or None before it has started."""
    screens = [r for r in records if isinstance(r, DrugScreen)]
    start = _start(stored, screens)
    if start is None or start > as_of:
        return None
    return schedule(screens, settings_from(stored), start=start, as_of=as_of)


def settings_rows(settings: ContingencySettings) -> list[dict[str, Any]]:
    """Each setting with its label, value, whether the clinic changed it, and its evidence."""
    defaults = ContingencySettings.defaults()
    return [
        {
            "name": name,
            "label": default.label,
            "value": getattr(settings, name),
            "default": getattr(defaults, name),
            "changed": getattr(settings, name) != getattr(defaults, name),
            "rationale": default.rationale,
            "grade": default.grade,
            "meaning": GRADE_MEANINGS[default.grade],
            "sources": list(default.sources),
        }
        for name, default in contingency().defaults.items()
    ]


def overview(
    records: Sequence[Record], stored: Mapping[str, Any] | None, *, as_of: datetime
) -> dict[str, Any]:
    """What the person and their clinician see: the schedule, every screen, the running total."""
    settings = settings_from(stored)
    state = state_for(records, stored, as_of=as_of)
    effect = contingency().effect
    return {
        "active": state is not None,
        "custom": bool(stored and SETTING_NAMES & set(stored)),
        "currency": settings.currency,
        "ladder": [float(value) for value in settings.ladder()],
        "settings": settings_rows(settings),
        "effect": {
            "title": effect.title,
            "rationale": effect.rationale,
            "grade": effect.grade,
            "meaning": GRADE_MEANINGS[effect.grade],
            "sources": list(effect.sources),
        },
        "state": state.to_dict() if state else None,
    }


def contingency_state(
    db: Database, person_name: str, *, as_of: datetime
) -> ContingencyState | None:
    records = person_records(db, person_name, types={"drug-screen"})
    return state_for(records, stored_schedule(db, person_name), as_of=as_of)


def contingency_overview(db: Database, person_name: str, *, as_of: datetime) -> dict[str, Any]:
    """:func:`overview` of the person's stored screens and settings."""
    records = person_records(db, person_name, types={"drug-screen"})
    return overview(records, stored_schedule(db, person_name), as_of=as_of)
