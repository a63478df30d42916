"""``GET /report.pdf?start=&end=``: the signed-in person's PDF summary for a period.

``GET /patients/{id}/report.pdf`` is the same summary for the person's
clinician, while the person's consent stands (404 otherwise, as every patient
route), audited as ``read-report``; the relapse-prevention plan is left out.

Only dates travel in the URL (never a name or anything from the records); the
answer is a download that no cache may keep. Without dates the summary covers
the last 90 days.

A summary of years of heavy logging costs seconds of CPU, so at most
``REPORT_SLOTS`` are typeset at once per process; a request that finds them all
busy is answered 503 with Retry-After at once, rather than queueing behind
them and holding a worker (issue 11, point 15).

The summary is in the page's language (``present.i18n.current_language``, set
by ``LanguageMiddleware``), as are the messages of a refused request.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from ketpath.present.i18n import _, current_language
from ketpath.services import PersonNotFound
from ketpath.services.consent import NoConsent, has_consent
from ketpath.services.reports import ReportError, check_period, patient_report, person_report
from ketpath.web.clinician import PatientId, refused_patient
from ketpath.web.deps import SignedIn, database
from ketpath.web.pages import PersonContext, _person_name

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 90
REPORT_SLOTS = 2
RETRY_AFTER_SECONDS = 10
_slots = threading.BoundedSemaphore(REPORT_SLOTS)


def _period(start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    last = end or now.date()
    return start or last - timedelta(days=DEFAULT_DAYS - 1), last


def _typeset(make: Callable[[], bytes]) -> bytes:
    """``make()`` in one of the ``REPORT_SLOTS``, or 503 at once when all are busy."""
    if not _slots.acquire(blocking=False):
        raise HTTPException(
            status_code=503,
            detail=_("Other summaries are being made right now; try again in a few seconds."),
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        return make()
    except ReportError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    finally:
        _slots.release()


def _download(pdf: bytes, first: date, last: date) -> Response:
    filename = f"ketpath-summary-{first.isoformat()}-to-{last.isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _period_refused(
    request: Request, user: SignedIn, error: ReportError, first: date, last: date
) -> Response:
    person = PersonContext(request, user)
    field = {"from": _("From"), "to": _("To")}.get(error.field, error.field)
    context = {
        "count": len(person.records),
        "imported": None,
        "present": 0,
        "error": None,
        "report_error": _(
            "%(field)s: %(problem)s.",
            field=field,
            problem=f"{error.problem[:1].upper()}{error.problem[1:]}",
        ),
        "report_start": first.isoformat(),
        "report_end": last.isoformat(),
    }
    return person.page("export.html", context, status=422)


@router.get("/report.pdf", name="report_pdf")
def report_pdf(
    request: Request, user: SignedIn, start: date | None = None, end: date | None = None
) -> Response:
    name = _person_name(user)
    now = datetime.now(UTC)
    language = current_language()
    first, last = _period(start, end, now)
    try:
        check_period(first, last, today=now.date())
    except ReportError as error:  # the period form again, with what is wrong
        return _period_refused(request, user, error, first, last)
    try:
        pdf = _typeset(
            lambda: person_report(
                database(request), name, start=first, end=last, now=now, language=language
            )
        )
    except PersonNotFound:
        raise HTTPException(status_code=404, detail=_("Nothing logged yet.")) from None
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    return _download(pdf, first, last)


@router.get("/patients/{patient_id}/report.pdf", name="patient_report_pdf")
def patient_report_pdf(
    request: Request,
    user: SignedIn,
    patient_id: PatientId,
    start: date | None = None,
    end: date | None = None,
) -> Response:
    """A patient's summary for their clinician: 404 without consent; the read is audited."""
    now = datetime.now(UTC)
    language = current_language()
    first, last = _period(start, end, now)
    db = database(request)
    # Consent before a slot is taken: a stranger's request costs no typesetting.
    if not has_consent(db, clinician=user, patient_id=patient_id):
        raise refused_patient(request, user, patient_id)
    try:
        pdf = _typeset(
            lambda: patient_report(
                db,
                clinician=user,
                patient_id=patient_id,
                start=first,
                end=last,
                now=now,
                language=language,
            )
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    return _download(pdf, first, last)
