"""``GET /report.pdf?start=&end=``: the signed-in person's PDF summary for a period.

Only dates travel in the URL (never a name or anything from the records); the
answer is a download that no cache may keep. Without dates the summary covers
the last 90 days.

A summary of years of heavy logging costs seconds of CPU, so at most
``REPORT_SLOTS`` are typeset at once per process; a request that finds them all
busy is answered 503 with Retry-After at once, rather than queueing behind
them and holding a worker (issue 11, point 15).
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from ketpath.services import PersonNotFound
from ketpath.services.reports import ReportError, person_report
from ketpath.web.auth import database
from ketpath.web.pages import Person, _person_name

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 90
REPORT_SLOTS = 2
RETRY_AFTER_SECONDS = 10
_slots = threading.BoundedSemaphore(REPORT_SLOTS)


@router.get("/report.pdf", name="report_pdf")
def report_pdf(
    request: Request, user: Person, start: date | None = None, end: date | None = None
) -> Response:
    name = _person_name(user)
    now = datetime.now(UTC)
    last = end or now.date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if not _slots.acquire(blocking=False):
        raise HTTPException(
            status_code=503,
            detail="Other summaries are being made right now; try again in a few seconds.",
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )
    try:
        pdf = person_report(database(request), name, start=first, end=last, now=now)
    except ReportError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    except PersonNotFound:
        raise HTTPException(status_code=404, detail="Nothing logged yet.") from None
    except ValueError as error:
        raise HTTPException(status_code=422, detail=str(error)) from None
    finally:
        _slots.release()
    filename = f"ketpath-summary-{first.isoformat()}-to-{last.isoformat()}.pdf"
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )
