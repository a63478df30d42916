"""Use cases about a person's relapse-prevention plan.

A plan is five lists of short strings (triggers, warning signs, coping steps,
people to call, reasons to stop), stored as one JSON document per person.
Limits keep it a plan one can read on a phone, not a diary.
"""

from __future__ import annotations

from typing import Any

from ketpath.errors import FieldProblem
from ketpath.services.accounts import utc_now
from ketpath.services.people import find_person
from ketpath.store import Database

PLAN_KEYS = ("triggers", "warning_signs", "coping_steps", "people_to_call", "reasons")
MAX_ITEMS = 20
MAX_ITEM_LENGTH = 200


class PlanError(FieldProblem):
    """A plan that cannot be saved, naming the list (``field``) and what is wrong."""


def empty_plan() -> dict[str, list[str]]:
    return {key: [] for key in PLAN_KEYS}


def clean_plan(plan: dict[str, Any]) -> dict[str, list[str]]:
    """The plan with items trimmed and blank ones dropped; refused when it breaks a limit."""
    unknown = sorted(set(plan) - set(PLAN_KEYS))
    if unknown:
        raise PlanError(unknown[0], f"unknown part of a plan; allowed: {', '.join(PLAN_KEYS)}")
    cleaned = empty_plan()
    for key in PLAN_KEYS:
        items = plan.get(key, [])
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise PlanError(key, "must be a list of short texts")
        kept = [item.strip() for item in items if item.strip()]
        if len(kept) > MAX_ITEMS:
            raise PlanError(key, f"at most {MAX_ITEMS} items")
        too_long = [item for item in kept if len(item) > MAX_ITEM_LENGTH]
        if too_long:
            raise PlanError(key, f"each item is at most {MAX_ITEM_LENGTH} characters")
        cleaned[key] = kept
    return cleaned


def get_plan(db: Database, person_name: str) -> dict[str, list[str]]:
    """The person's plan; every key is present (empty lists when nothing was saved)."""
    with db.unit_of_work() as uow:
        person = find_person(uow, person_name)
        row = uow.plans.get(person.id)
    plan = empty_plan()
    if row is not None:
        plan.update({key: list(row.data.get(key, [])) for key in PLAN_KEYS})
    return plan


def save_plan(db: Database, person_name: str, plan: dict[str, Any]) -> None:
    """Replace the person's plan (validated by :func:`clean_plan`)."""
    cleaned = clean_plan(plan)
    with db.unit_of_work(write=True) as uow:
        person = find_person(uow, person_name)
        uow.plans.save(person.id, dict(cleaned), now=utc_now())
        uow.commit()
