"""Use case: a person's PDF summary for a period (``interop.report`` does the typesetting)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ketpath.interop.report import render_report
from ketpath.services.contingency import cm_state
from ketpath.services.plans import get_plan
from ketpath.services.records import person_records
from ketpath.store import Database

__all__ = ["MAX_PERIOD_DAYS", "ReportError", "person_report"]

#: The longest period one summary covers (a few years is still a few pages).
MAX_PERIOD_DAYS = 3 * 366


class ReportError(ValueError):
    """A period that cannot be summarised, naming the field (``from`` or ``to``)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}")


def check_period(start: date, end: date, *, today: date) -> None:
    if end < start:
        raise ReportError("to", "the period ends before it starts")
    if start > today:
        raise ReportError("from", "the period starts in the future")
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ReportError("to", f"a summary covers at most {MAX_PERIOD_DAYS} days")


def person_report(
    db: Database, person_name: str, *, start: date, end: date, now: datetime | None = None
) -> bytes:
    """The PDF summary of the person's records from ``start`` to ``end`` (local days)."""
    generated_at = now or datetime.now(UTC)
    check_period(start, end, today=generated_at.date())
    records = person_records(db, person_name)
    return render_report(
        records,
        period_start=start,
        period_end=end,
        plan=get_plan(db, person_name),
        cm_state=cm_state(db, person_name, as_of=generated_at),
        generated_at=generated_at,
    )
