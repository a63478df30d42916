"""Use case: a person's PDF summary for a period (``interop.report`` does the typesetting).

The summary is in ``language`` (a shipped BCP 47 tag), by default the current
one (``present.i18n``): the page's on the web, ``--lang`` on the command line.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from ketpath.core.contingency import ContingencyState
from ketpath.core.records import Record
from ketpath.errors import FieldProblem
from ketpath.interop.report import render_report
from ketpath.present.i18n import _
from ketpath.services.accounts import User
from ketpath.services.contingency import clinic_schedule, state_for
from ketpath.services.plans import get_plan
from ketpath.services.read import Period, read_patient, read_person
from ketpath.store import Database

__all__ = ["MAX_PERIOD_DAYS", "ReportError", "patient_report", "person_report"]

#: The longest period one summary covers (a few years is still a few pages).
MAX_PERIOD_DAYS = 3 * 366


class ReportError(FieldProblem):
    """A period that cannot be summarised, naming the field (``from`` or ``to``)."""


def check_period(start: date, end: date, *, today: date) -> None:
    if end < start:
        raise ReportError("to", _("the period ends before it starts"))
    if start > today:
        raise ReportError("from", _("the period starts in the future"))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise ReportError("to", _("a summary covers at most %(days)s days", days=MAX_PERIOD_DAYS))


def person_report(
    db: Database,
    person_name: str,
    *,
    start: date,
    end: date,
    now: datetime | None = None,
    language: str | None = None,
) -> bytes:
    """The PDF summary of the person's records from ``start`` to ``end`` (local days)."""
    generated_at = now or datetime.now(UTC)
    check_period(start, end, today=generated_at.date())
    view = read_person(db, person_name, as_of=generated_at, period=Period(start=start, end=end))
    return render_report(
        view,
        plan=get_plan(db, person_name),
        contingency_state=_contingency_state(
            db, person_name, list(view.records), as_of=generated_at
        ),
        language=language,
    )


def _contingency_state(
    db: Database, person_name: str, records: list[Record], *, as_of: datetime
) -> ContingencyState | None:
    """The reward run, only when a clinic runs rewards for the person (issue 12, point 7)."""
    schedule = clinic_schedule(db, person_name)
    return state_for(records, schedule, as_of=as_of) if schedule is not None else None


def patient_report(
    db: Database,
    *,
    clinician: User,
    patient_id: int,
    start: date,
    end: date,
    now: datetime | None = None,
    language: str | None = None,
) -> bytes:
    """The same PDF summary, for a clinician with the person's consent (checked and audited).

    Raises ``services.consent.NoConsent`` without a standing consent. The
    person's relapse-prevention plan is left out: the share gives the clinician
    the person's records and assessment, and the plan is neither.
    """
    generated_at = now or datetime.now(UTC)
    check_period(start, end, today=generated_at.date())
    view = read_patient(
        db,
        clinician=clinician,
        patient_id=patient_id,
        as_of=generated_at,
        period=Period(start=start, end=end),
        action="read-report",
    )
    return render_report(
        view,
        plan=None,
        contingency_state=_contingency_state(db, view.name, list(view.records), as_of=generated_at),
        language=language,
    )
