"""``/records/{id}/dispute``: a person says a clinic entry is wrong (issue 12, point 2).

The clinic's drug screens and notes are read-only to the person, so History
offers "Dispute this" beside them instead of Edit and Delete. The note is
stored by ``services.disputes``, naming the entry's stable ``id`` (the URL
carries its storage id), and shown on both sides next to the entry, also
after the clinic corrects it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ketpath.present import views
from ketpath.present.i18n import _
from ketpath.services import RecordNotFound, StoredRecord
from ketpath.services.clinic_records import read_only_to_person
from ketpath.services.disputes import dispute_record
from ketpath.web.deps import SignedIn, database
from ketpath.web.pages import PersonContext

router = APIRouter(include_in_schema=False)

RecordId = Annotated[int, Path(ge=1, le=2**63 - 1)]
NOTE_LENGTH = 2000


def _clinic_entry(person: PersonContext, record_id: int) -> StoredRecord:
    for entry in person.entries:
        if entry.id == record_id and read_only_to_person(entry):
            return entry
    raise HTTPException(status_code=404, detail=_("No such entry of your clinic's."))


def _page(
    person: PersonContext, entry: StoredRecord, *, text: str = "", error: str | None = None
) -> Response:
    [row] = views.history_rows([entry], person.zone)
    context = {"row": row, "text": text, "error": error}
    return person.page("dispute.html", context, status=422 if error else 200)


@router.get("/records/{record_id}/dispute", name="record_dispute")
def dispute_form(request: Request, user: SignedIn, record_id: RecordId) -> Response:
    person = PersonContext(request, user)
    return _page(person, _clinic_entry(person, record_id))


@router.post("/records/{record_id}/dispute")
async def dispute_save(request: Request, user: SignedIn, record_id: RecordId) -> Response:
    person = PersonContext(request, user)
    entry = _clinic_entry(person, record_id)
    text = str((await request.form()).get("text") or "").strip()
    if not text or len(text) > NOTE_LENGTH:
        error = _(
            "Write what is wrong with this entry (at most %(limit)s characters).", limit=NOTE_LENGTH
        )
        return _page(person, entry, text=text[:NOTE_LENGTH], error=error)
    try:
        dispute_record(database(request), person.name, record_id, text, by=user)
    except RecordNotFound:
        raise HTTPException(status_code=404, detail=_("No such entry of your clinic's.")) from None
    return RedirectResponse(f"/history#record-{record_id}", status_code=303)
