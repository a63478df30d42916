"""A clinician's side: the patient API, the roster, a patient's page, redeeming a code.

Every route here that names a patient answers 404 unless the person's consent
stands *now* (``services.consent`` checks it inside the transaction that reads,
and audits the read there too), so a patient id tells a stranger nothing, and a
revoked share shuts the door on the very next request. Clinicians write only
their own kinds of record (drug screens and notes); the person's own records
are read-only to them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Body, HTTPException, Path, Query, Request
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field
from starlette.responses import Response

from ketpath.core.records import (
    DrugScreen,
    Note,
    Record,
    RecordError,
    parse_record,
    record_time,
    record_to_dict,
)
from ketpath.knowledge import vocabulary
from ketpath.present import views
from ketpath.present.clinician import (
    attention_view,
    clinic_entry_text,
    clinician_flag_view,
    screen_or_note_rows,
)
from ketpath.present.entry_listing import entry_listing
from ketpath.present.format import local_time
from ketpath.present.i18n import N_, _, current_language
from ketpath.services import Database, StoredRecord, accounts
from ketpath.services.accounts import RateLimited, User
from ketpath.services.audit import record_refused_patient
from ketpath.services.chart_cache import history_charts
from ketpath.services.consent import (
    CodeRefused,
    ConsentError,
    NoConsent,
    NotTheirEntry,
    Patient,
    add_patient_records,
    correct_patient_record,
    has_consent,
    patient_assessment,
    patient_entries,
    redeem_code,
)
from ketpath.services.read import person_zone, read_patient
from ketpath.services.roster import clinician_roster
from ketpath.web.api import (
    RecordTypesQuery,
    SinceQuery,
    UntilQuery,
    parse_items,
    request_items,
)
from ketpath.web.deps import SignedIn, TokenHolder, database
from ketpath.web.errors import TOO_MANY, checked_time, unprocessable
from ketpath.web.fragments import ATTENTION_LINES, PATIENT_ROWS
from ketpath.web.record_forms import parse_local_time, to_local_input
from ketpath.web.templating import render

api_router = APIRouter(prefix="/api/v1", tags=["clinicians"])
pages_router = APIRouter(include_in_schema=False)

PatientId = Annotated[int, Path(ge=1, le=2**63 - 1)]
REDEEM_ATTEMPTS = 5
"""Burst of code attempts per clinician before the limit applies."""
REDEEM_REFILL_SECONDS = 60.0
"""Then one more attempt a minute: 60 bits of code space stay out of reach."""
NOT_FOUND = "No such patient."
NOTE_LENGTH = 2000
FIELD_LENGTH = 4000
REPORT_DEFAULT_DAYS = 90
LEVEL_WORDS = {"emergency": N_("Emergency"), "urgent": N_("Urgent"), "soon": N_("Soon")}
"""A red flag's level in the roster's column, one word each (the pages' flags say more)."""
FIELD_WORDS = {
    "result": N_("result"),
    "method": N_("method"),
    "text": N_("text"),
    "time": N_("time"),
}
"""The form fields a "Not saved" message names, in the page's language."""
CODE_REFUSED = N_("That code is unknown, already used, revoked or expired.")
AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token"},
}
PATIENT_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    404: {"description": "No such patient, or no standing consent (the two look alike)"},
}


class RedeemBody(BaseModel):
    code: str = Field(max_length=40, description="The code the person gave you, XXXX-XXXX-XXXX")
    label: str | None = Field(
        default=None, max_length=100, description="Your own name for this patient (optional)"
    )


class Redeemed(BaseModel):
    patient_id: int


class RosterOut(BaseModel):
    patients: list[dict[str, Any]]
    needs_attention: list[dict[str, Any]]


class StoredRecordOut(BaseModel):
    id: int
    record: dict[str, Any]


class RecordList(BaseModel):
    records: list[StoredRecordOut]


class CreatedRecords(BaseModel):
    ids: list[int]
    count: int


def refused_patient(request: Request, user: User, patient_id: int) -> HTTPException:
    """The 404 for a patient this account may not see, or an id nobody has (alike), audited.

    The audit row (``patient-refused``) keeps the account, the id and the
    route template; every refusal writes it, whether or not the id is a person's.
    """
    record_refused_patient(
        database(request), user=user, patient_id=patient_id, route=_route(request)
    )
    return HTTPException(status_code=404, detail=NOT_FOUND)


def _route(request: Request) -> str:
    """The method and route template (``GET /patients/{patient_id}``), never the query."""
    route = getattr(request.scope.get("route"), "path", request.url.path)
    return f"{request.method} {route}"


def _clinician_only(user: User) -> None:
    if user.role != "clinician":
        raise HTTPException(status_code=403, detail="This is for clinicians.")


def _limit_redeeming(db: Database, user: User) -> None:
    accounts.take_token(
        db,
        key=accounts.rate_limit_key("redeem", str(user.id)),
        capacity=REDEEM_ATTEMPTS,
        refill_seconds=REDEEM_REFILL_SECONDS,
    )


# ---------------------------------------------------------------- the API


@api_router.post(
    "/shares/redeem",
    status_code=201,
    response_model=Redeemed,
    responses={
        **AUTH_RESPONSES,
        403: {"description": "Not a clinician"},
        404: {"description": "The code is unknown, used, revoked or expired"},
        429: {"description": "Too many attempts"},
    },
    summary="Redeem a person's share code (clinicians)",
)
def redeem(request: Request, user: TokenHolder, body: RedeemBody) -> Any:
    _clinician_only(user)
    db = database(request)
    try:
        _limit_redeeming(db, user)
    except RateLimited as error:
        raise HTTPException(
            status_code=429,
            detail=f"Too many attempts. Try again in {error.retry_after} seconds.",
            headers={"Retry-After": str(error.retry_after)},
        ) from None
    try:
        patient_id = redeem_code(db, clinician=user, code=body.code, label=body.label)
    except CodeRefused:
        raise HTTPException(
            status_code=404, detail="That code is unknown, already used, revoked or expired."
        ) from None
    except ConsentError as error:
        raise unprocessable(["body", error.field], error.problem) from None
    return Redeemed(patient_id=patient_id)


@api_router.get(
    "/patients",
    response_model=RosterOut,
    responses={**AUTH_RESPONSES, 403: {"description": "Not a clinician"}},
    summary="The clinician's patients, most in need of care first",
)
def roster(request: Request, user: TokenHolder) -> RosterOut:
    _clinician_only(user)
    found = clinician_roster(database(request), clinician=user)
    return RosterOut(
        patients=[row.to_dict(found.now) for row in found.rows],
        needs_attention=[
            {"patient_id": item.patient_id, "kind": item.kind, "text": item.text}
            for item in found.attention
        ],
    )


@api_router.get(
    "/patients/{patient_id}/assessment",
    responses=PATIENT_RESPONSES,
    summary="A patient's assessment, as the person's own API gives it",
)
def assessment(
    request: Request,
    user: TokenHolder,
    patient_id: PatientId,
    as_of: Annotated[datetime | None, Query(description="With a UTC offset; default now")] = None,
) -> dict[str, Any]:
    moment = checked_time(as_of, "as_of")
    try:
        found = patient_assessment(
            database(request), clinician=user, patient_id=patient_id, as_of=moment
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    return found.to_dict()


@api_router.get(
    "/patients/{patient_id}/records",
    response_model=RecordList,
    responses=PATIENT_RESPONSES,
    summary="A patient's records, oldest first",
)
def records(
    request: Request,
    user: TokenHolder,
    patient_id: PatientId,
    *,
    since: SinceQuery = None,
    until: UntilQuery = None,
    record_type: RecordTypesQuery = None,
) -> RecordList:
    start = checked_time(since, "since")
    end = checked_time(until, "until")
    try:
        _patient, entries = patient_entries(
            database(request),
            clinician=user,
            patient_id=patient_id,
            since=start,
            until=end,
            types=record_type,
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    except ValueError as error:
        raise unprocessable(["query"], str(error)) from None
    return RecordList(
        records=[StoredRecordOut(id=e.id, record=record_to_dict(e.record)) for e in entries]
    )


def _clinician_record(item: dict[str, Any]) -> Record:
    """A record from the clinician's API; a note may leave out whose it is: it can only be theirs."""
    is_note = item.get("type") == "note" and "author_role" not in item
    return parse_record({**item, "author_role": "clinician"} if is_note else item)


@api_router.post(
    "/patients/{patient_id}/records",
    status_code=201,
    response_model=CreatedRecords,
    responses=PATIENT_RESPONSES,
    summary="Add drug-screen or note records for a patient (all or nothing)",
)
def add_records(
    request: Request,
    user: TokenHolder,
    patient_id: PatientId,
    body: Annotated[
        dict[str, Any] | list[dict[str, Any]],
        Body(description="One drug-screen or note record, or a list of them"),
    ],
) -> CreatedRecords:
    items = request_items(request, body)
    db = database(request)
    try:
        # Consent first: without it the answer is 404 whatever the body holds.
        if not has_consent(db, clinician=user, patient_id=patient_id):
            raise NoConsent
        parsed = parse_items(items, parse=_clinician_record)
        ids = add_patient_records(db, clinician=user, patient_id=patient_id, records=parsed)
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    except ConsentError as error:
        index, _dot, field = error.field.partition(".")
        raise unprocessable(["body", int(index), field], error.problem) from None
    return CreatedRecords(ids=ids, count=len(ids))


# ---------------------------------------------------------------- pages


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


class RosterLine(NamedTuple):
    """One line of the roster page: exactly the values its HTML is made of.

    A tuple with attributes, not a dict: Jinja looks an attribute up first and
    falls back to an item, so each of a dict's eight lookups per line raised
    and caught an ``AttributeError`` (with 1,000 patients, half the page's render).
    Hashable, so each line's HTML is kept under it (``web.fragments``).
    """

    id: int
    label: str
    level: str | None
    level_label: str
    stage: str
    silent: int | None
    last_entry: str | None


@pages_router.get("/patients", name="roster")
def roster_page(request: Request, user: SignedIn) -> Response:
    _clinician_only(user)
    found = clinician_roster(database(request), clinician=user)
    # A thousand rows share a handful of stages and levels: each label is looked up once.
    stage_labels = {
        stage: views.stage_view(stage)["label"]
        for stage in {row.stage for row in found.rows if row.assessed}
    }
    level_labels = {
        level: _(LEVEL_WORDS.get(level, level.capitalize())) if level else _("None")
        for level in {row.level for row in found.rows}
    }
    not_assessed = _(
        "Could not be assessed: open the patient's page or ask them to check their history"
    )
    rows = [
        RosterLine(  # by position: the fields in their order (id, label, level, ...)
            row.patient_id,
            row.label,
            row.level,
            level_labels[row.level],
            stage_labels[row.stage] if row.assessed else not_assessed,
            row.days_silent(found.now),
            row.last_entry_date,
        )
        for row in found.rows
    ]
    attention = attention_view(
        found.attention, {row.patient_id: row for row in found.rows}, found.now
    )
    language = current_language()  # the page's (LanguageMiddleware)
    return render(
        request,
        "clinician/roster.html",
        {
            "rows": rows,
            "attention": attention,
            "rows_html": PATIENT_ROWS.joined(language, rows),
            "attention_html": ATTENTION_LINES.joined(language, attention),
        },
    )


@pages_router.get("/redeem", name="redeem")
def redeem_page(request: Request, user: SignedIn) -> Response:
    _clinician_only(user)
    return render(request, "clinician/redeem.html", {"error": None, "label": ""})


@pages_router.post("/redeem")
async def redeem_submit(request: Request, user: SignedIn) -> Response:
    _clinician_only(user)
    form = await request.form()
    code = str(form.get("code") or "")[:40]
    label = str(form.get("label") or "")[:200]
    db = database(request)
    context: dict[str, Any] = {"label": label}
    try:
        _limit_redeeming(db, user)
        patient_id = redeem_code(db, clinician=user, code=code, label=label)
    except RateLimited as error:
        context["error"] = _(TOO_MANY, seconds=error.retry_after)
        response = render(request, "clinician/redeem.html", context, status=429)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except CodeRefused:
        context["error"] = _(CODE_REFUSED)
        return render(request, "clinician/redeem.html", context, status=400)
    except ConsentError as error:
        context["error"] = error.problem
        return render(request, "clinician/redeem.html", context, status=400)
    return _see_other(f"/patients/{patient_id}")


CLINIC_KINDS = frozenset({"drug-screen", "note"})
#: A correction or a new screen may be back-dated, never dated ahead (clock skew aside).
FUTURE_SLACK = timedelta(minutes=5)


def _patient_context(
    request: Request,
    user: User,
    patient_id: int,
    *,
    listing: Mapping[str, str] | None = None,
    saved: str = "",
    error: str | None = None,
    form: dict[str, str] | None = None,
) -> dict[str, Any]:
    try:
        person = read_patient(
            database(request),
            clinician=user,
            patient_id=patient_id,
            refused_route=_route(request),
        )
    except NoConsent:
        raise HTTPException(status_code=404, detail=NOT_FOUND) from None
    entries, zone = list(person.entries), person.zone
    listing = listing or {}
    found = person.assessed()
    today = person.now.astimezone(zone).date()
    return {
        "patient": person.patient,
        "zone": str(zone),
        "view": views.dashboard_view(found, zone=zone),
        "red_flags": [clinician_flag_view(flag, zone) for flag in found.red_flags],
        "charts": history_charts(person),
        "scores": views.score_history_view(person.scores, zone),
        "clinical": screen_or_note_rows(entries, zone, clinician_id=user.id),
        "saved": saved,
        "error": error,
        "form": form or {},
        "results": views.vocabulary_choices("screen_results", current_language()),
        "methods": views.vocabulary_choices("screen_methods", current_language()),
        "report_start": (today - timedelta(days=REPORT_DEFAULT_DAYS - 1)).isoformat(),
        "report_end": today.isoformat(),
        **entry_listing(
            entries,
            zone=zone,
            viewer="clinician",
            entry_type=listing.get("type"),
            month=listing.get("month"),
            page=listing.get("page"),
        ),
    }


@pages_router.get("/patients/{patient_id}", name="patient")
def patient_page(
    request: Request, user: SignedIn, patient_id: PatientId, saved: str = ""
) -> Response:
    """The patient's page; its timeline is paged and filtered as History is (``?type&month&page``)."""
    context = _patient_context(request, user, patient_id, listing=request.query_params, saved=saved)
    return render(request, "clinician/patient.html", context)


def _entered_time(fields: dict[str, str], *, zone: tzinfo, now: datetime) -> datetime:
    """The form's time in the person's zone (blank: now); never ahead of now."""
    moment = parse_local_time(fields.get("time"), zone=zone, now=now)
    if moment > now + FUTURE_SLACK:
        raise RecordError(_("is in the future: enter when the screen was taken"), field="time")
    return moment


def _clinic_record_from_form(
    kind: str, fields: dict[str, str], *, zone: tzinfo, now: datetime
) -> Record:
    """A drug screen or a clinician's note from a form; :class:`RecordError` names the field.

    A screen has no default result: the form makes the clinician choose one.
    """
    moment = _entered_time(fields, zone=zone, now=now)
    if kind == "drug-screen":
        result = fields.get("result", "").strip()
        method = fields.get("method", "").strip()
        if result not in vocabulary().screen_results:
            raise RecordError(_("choose negative, positive or invalid"), field="result")
        if method not in vocabulary().screen_methods:
            raise RecordError(_("choose how the sample was taken"), field="method")
        return DrugScreen(time=moment, result=result, method=method)
    text = fields.get("text", "").strip()
    if not text or len(text) > NOTE_LENGTH:
        raise RecordError(
            _("write the note (at most %(length)s characters)", length=NOTE_LENGTH), field="text"
        )
    return Note(time=moment, text=text, author_role="clinician")


def _not_saved(error: RecordError) -> str:
    """``Not saved: <field>: <problem>``, the field named in the page's language."""
    field = _(FIELD_WORDS[error.field]) if error.field in FIELD_WORDS else error.field
    problem = (
        _("%(field)s: %(problem)s", field=field, problem=error.problem) if field else error.problem
    )
    return _("Not saved: %(problem)s", problem=problem)


async def _form_fields(request: Request) -> dict[str, str]:
    form = await request.form()
    return {key: str(value)[:FIELD_LENGTH] for key, value in form.items() if isinstance(value, str)}


def _patient_zone(request: Request, user: User, patient_id: int) -> tzinfo:
    try:
        _patient, profiles = patient_entries(
            database(request), clinician=user, patient_id=patient_id, types={"profile"}
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    return person_zone([entry.record for entry in profiles])


async def _add_from_form(request: Request, user: User, patient_id: int, kind: str) -> Response:
    db = database(request)
    if not has_consent(db, clinician=user, patient_id=patient_id):
        raise refused_patient(request, user, patient_id)
    fields = await _form_fields(request)
    zone = _patient_zone(request, user, patient_id)
    try:
        record = _clinic_record_from_form(kind, fields, zone=zone, now=datetime.now(UTC))
    except RecordError as error:
        context = _patient_context(
            request, user, patient_id, error=_not_saved(error), form={"kind": kind, **fields}
        )
        return render(request, "clinician/patient.html", context, status=422)
    try:
        add_patient_records(db, clinician=user, patient_id=patient_id, records=[record])
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    return _see_other(f"/patients/{patient_id}?saved={kind}#clinical")


@pages_router.post("/patients/{patient_id}/drug-screens", name="patient_screen")
async def add_screen(request: Request, user: SignedIn, patient_id: PatientId) -> Response:
    return await _add_from_form(request, user, patient_id, "drug-screen")


@pages_router.post("/patients/{patient_id}/notes", name="patient_note")
async def add_note(request: Request, user: SignedIn, patient_id: PatientId) -> Response:
    return await _add_from_form(request, user, patient_id, "note")


# ---------------------------------------------------------------- correcting the clinic's entries


def _own_clinic_entry(
    request: Request, user: User, patient_id: int, record_id: int
) -> tuple[Patient, StoredRecord, tzinfo]:
    """The screen or note of that id this clinician entered (404 for anything else)."""
    try:
        patient, entries = patient_entries(
            database(request),
            clinician=user,
            patient_id=patient_id,
            types={"profile", *CLINIC_KINDS},
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    zone = person_zone([entry.record for entry in entries])
    for entry in entries:
        mine = entry.created_role == "clinician" and entry.created_by == user.id
        if entry.id == record_id and mine and entry.record.type in CLINIC_KINDS:
            return patient, entry, zone
    raise HTTPException(status_code=404, detail="No such entry of yours.")


def _correction_values(record: Record, zone: tzinfo) -> dict[str, str]:
    values = {"time": to_local_input(record_time(record) or datetime.now(UTC), zone)}
    if isinstance(record, DrugScreen):
        values.update(result=record.result, method=record.method)
    elif isinstance(record, Note):
        values["text"] = record.text
    return values


def _correction_page(
    request: Request,
    *,
    patient: Patient,
    entry: StoredRecord,
    zone: tzinfo,
    values: dict[str, str],
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = {
        "patient": patient,
        "entry": {"id": entry.id, "type": entry.record.type},
        "was": clinic_entry_text(entry.record),
        "was_when": local_time(record_time(entry.record) or datetime.now(UTC), zone),
        "values": values,
        "zone": str(zone),
        "results": views.vocabulary_choices("screen_results", current_language()),
        "methods": views.vocabulary_choices("screen_methods", current_language()),
        "error": error,
    }
    return render(request, "clinician/correct.html", context, status=status)


@pages_router.get("/patients/{patient_id}/records/{record_id}/correct", name="patient_correct")
def correct_page(
    request: Request, user: SignedIn, patient_id: PatientId, record_id: PatientId
) -> Response:
    patient, entry, zone = _own_clinic_entry(request, user, patient_id, record_id)
    values = _correction_values(entry.record, zone)
    return _correction_page(request, patient=patient, entry=entry, zone=zone, values=values)


@pages_router.post("/patients/{patient_id}/records/{record_id}/correct")
async def correct_submit(
    request: Request, user: SignedIn, patient_id: PatientId, record_id: PatientId
) -> Response:
    patient, entry, zone = _own_clinic_entry(request, user, patient_id, record_id)
    fields = await _form_fields(request)
    try:
        record = _clinic_record_from_form(
            entry.record.type, fields, zone=zone, now=datetime.now(UTC)
        )
    except RecordError as error:
        return _correction_page(
            request,
            patient=patient,
            entry=entry,
            zone=zone,
            values=fields,
            error=_not_saved(error),
            status=422,
        )
    try:
        correct_patient_record(
            database(request),
            clinician=user,
            patient_id=patient_id,
            record_id=record_id,
            record=record,
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    except NotTheirEntry:
        raise HTTPException(status_code=404, detail="No such entry of yours.") from None
    return _see_other(f"/patients/{patient_id}?saved=correction#clinical")
