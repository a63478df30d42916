"""The person's pages: dashboard, logging, history, questionnaires, plan, learn, help, export.

Routes stay thin: read the form, call a service, render a view model from
:mod:`ketpath.present.views`. Every page a signed-in person sees carries their red
flags, computed from the stored history at the moment of the request, so a
symptom that needs care shows on the very page that saved it. Writes are POST
forms answered with a redirect (303); the URLs carry no health data.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from starlette.datastructures import UploadFile

from ketpath.core.assess import Assessment
from ketpath.core.instruments import InstrumentError, get_instrument, instrument_ids
from ketpath.core.records import Questionnaire, Record, RecordError, latest_profile
from ketpath.interop.fhir import FhirError, is_fhir_document
from ketpath.interop.jsonl import dumps_jsonl, jsonl_line_of_record, parse_csv_uses, parse_jsonl
from ketpath.knowledge.clinic_wording import ClinicWording, wording_for
from ketpath.present import practical, views
from ketpath.present.craving import offers_craving_plan
from ketpath.present.entry_listing import entry_listing
from ketpath.present.history_charts import questionnaire_charts
from ketpath.present.i18n import _, current_language
from ketpath.present.record_problems import import_refusal
from ketpath.services import (
    Author,
    Database,
    ImportResult,
    PersonNotFound,
    RecordNotFound,
    RecordRefused,
    StoredRecord,
    TooManyRecords,
    delete_record,
    export_records,
    import_records,
    log_record,
    own_entries,
)
from ketpath.services.chart_cache import history_charts
from ketpath.services.clinic_records import read_only_to_person
from ketpath.services.editing import replace_record
from ketpath.services.fhir import export_fhir, import_fhir
from ketpath.services.plans import PlanError, get_plan, save_plan
from ketpath.services.read import read_person
from ketpath.services.today_cache import today_cards
from ketpath.web.deps import SignedIn, User
from ketpath.web.language import language_of
from ketpath.web.plan_form import plan_error_text, plan_from_form, plan_view
from ketpath.web.record_forms import (
    LOGGABLE,
    SimpleForm,
    form_values,
    form_zone,
    questionnaire_from_form,
    record_from_form,
    translated_error,
    zone_is_set,
)
from ketpath.web.templating import more_links_for, render

router = APIRouter()

LOCALE_COOKIE = "ketpath_locale"
#: Largest upload accepted for import (bytes); a decade of daily logging is well under it.
MAX_IMPORT_BYTES = 5_000_000

log = logging.getLogger(__name__)


# ---------------------------------------------------------------- shared plumbing


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


def _person_name(user: User) -> str:
    if not user.person_name:
        raise HTTPException(status_code=403, detail="These pages are for a person's own records.")
    return user.person_name


def _now() -> datetime:
    return datetime.now(UTC)


def _as_person(user: User) -> Author:
    """What a person enters on these pages is theirs, and never a clinic record."""
    return Author(user_id=user.id, role="person")


def _entries(request: Request, user: User) -> list[StoredRecord]:
    return own_entries(_db(request), _person_name(user))


class PersonContext:
    """One person's stored history, read once per request (``services.read``), and its page."""

    def __init__(self, request: Request, user: User) -> None:
        self.request = request
        self.user = user
        self.name = _person_name(user)
        self.view = read_person(
            _db(request), user, as_of=_now(), locale_hint=request.cookies.get(LOCALE_COOKIE)
        )
        self.entries = list(self.view.entries)
        self.records: list[Record] = list(self.view.records)
        self.zone = self.view.zone
        self.locale = self.view.locale
        self.language = language_of(request)
        self.now = self.view.now
        self.assessment_failed = self.view.assessment_failed
        # Beside "could not be assessed", the pages show an assessment of nothing.
        self.assessment: Assessment = self.view.assessment or self.view.nothing_assessed()

    def page(self, name: str, context: dict[str, Any], *, status: int = 200) -> Response:
        base = {
            "user": self.user,
            "red_flags": views.red_flags_view(self.assessment, self.language),
            "compact_flags": True,
            "locale": self.locale,
            "assessment_failed": self.assessment_failed,
        }
        return render(self.request, f"pages/{name}", {**base, **context}, status=status)


async def _form(request: Request) -> SimpleForm:
    return SimpleForm.from_items((await request.form()).multi_items())


def _see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


# ---------------------------------------------------------------- dashboard


@router.get("/", name="dashboard")
def dashboard(request: Request, user: SignedIn) -> Response:
    if user.role == "clinician":
        return _see_other("/patients")  # a clinician's home is the roster
    person = PersonContext(request, user)
    view = views.dashboard_view(person.assessment, zone=person.zone, language=person.language)
    context = {
        "view": view,
        "today": today_cards(person.view),  # kept per history, day and language
        "has_records": bool(person.records),
        "compact_flags": False,
        "followed_up": request.query_params.get("followed-up") == "1",
        "toast": saved_toast(person, request, back="today"),
    }
    return person.page("dashboard.html", context)


# ---------------------------------------------------------------- saved, with Undo

#: Where Undo returns to: the page the one-tap entry was made on (never a URL from the form).
UNDO_BACK = {"today": "/", "log": "/log", "craving": "/craving"}


def saved_toast(
    person: PersonContext, request: Request, *, back: str, undo: bool = True
) -> dict[str, Any] | None:
    """What the page says about the entry just saved, with Undo when it is hers to delete.

    The entry is named by its storage id in the redirect after a save; an id
    that is not one of the person's own changeable entries shows no Undo (a
    clinic entry can never be undone by the person). After an edit there is
    no Undo (``undo=False``): deleting would not undo an edit. A craving at or
    above the threshold in ``knowledge/craving.toml`` also offers the craving
    plan (issue 14, point 3), except on the craving page itself; the offer is
    read from the stored entry, so the URL says nothing about the craving.
    """
    if request.query_params.get("undone") == "1":
        return {"message": _("Undone: that entry is deleted."), "undo_id": None, "back": back}
    if request.query_params.get("saved") != "1":
        return None
    entry_id = request.query_params.get("entry", "")
    entry = next((e for e in person.entries if str(e.id) == entry_id), None)
    if entry is None or read_only_to_person(entry):
        return None
    rows = views.history_rows([entry], person.zone)
    message = (
        _("Saved. %(type)s: %(summary)s.", type=rows[0]["type_label"], summary=rows[0]["summary"])
        if rows
        else _("Saved.")
    )
    return {
        "message": message,
        "undo_id": entry.id if undo else None,
        "back": back,
        "craving_plan": back != "craving" and offers_craving_plan(entry.record),
    }


@router.post("/records/{record_id}/undo", name="record_undo")
async def record_undo(request: Request, user: SignedIn, record_id: int) -> Response:
    """Undo a one-tap entry: delete exactly that record of the person's own, then go back.

    The same service as the delete form, so a clinic record is refused the
    same way and the deletion is audited the same way.
    """
    back = UNDO_BACK.get((await _form(request)).get("back") or "", "/log")
    try:
        delete_record(_db(request), _person_name(user), record_id, by=user)
    except (RecordNotFound, PersonNotFound) as error:
        raise HTTPException(status_code=404, detail="No such record.") from error
    return _see_other(f"{back}?undone=1")


@router.get("/more", name="more")
def more(request: Request, user: SignedIn) -> Response:
    """Every page that is not one of the five in the bottom bar, and Log out."""
    person = PersonContext(request, user)
    return person.page("more.html", {"links": more_links_for(request, user)})


# ---------------------------------------------------------------- logging


def _time_context(person: PersonContext) -> dict[str, Any]:
    """What a form that takes a time says about the zone it is read in."""
    return {"zone": str(person.zone), "zone_set": zone_is_set(person.records)}


def _log_context(person: PersonContext) -> dict[str, Any]:
    language = person.language
    return {
        "defaults": views.last_use_defaults(person.records),
        "routes": views.vocabulary_choices("routes", language),
        "settings": views.vocabulary_choices("settings", language),
        "motives": views.vocabulary_choices("motives", language),
        "co_use": views.vocabulary_choices("co_use", language),
        "impacts": views.vocabulary_choices("impacts", language),
        "goals": views.vocabulary_choices("goals", language),
        "severities": views.vocabulary_choices("severities", language),
        "symptom_groups": views.symptom_groups(language),
        **_time_context(person),
        "recent": views.history_rows(person.entries, person.zone)[:5],
    }


@router.get("/log", name="log")
def log_page(request: Request, user: SignedIn, saved: str | None = None) -> Response:
    person = PersonContext(request, user)
    toast = saved_toast(person, request, back="log")
    context = {**_log_context(person), "saved": saved == "1", "error": None, "toast": toast}
    # Right after a save the flags are shown in full: a symptom may just have raised one.
    return person.page("log.html", {**context, "compact_flags": saved != "1"})


@router.post("/log/{kind}", name="log_save")
async def log_save(request: Request, user: SignedIn, kind: str) -> Response:
    name = _person_name(user)
    if kind not in LOGGABLE:
        raise HTTPException(status_code=404)
    form = await _form(request)
    zone = form_zone([entry.record for entry in _entries(request, user)], form)
    try:
        record = record_from_form(kind, form, zone=zone, now=_now())
        record_id = log_record(_db(request), name, record, create=True, author=_as_person(user))
    except RecordError as error:
        person = PersonContext(request, user)
        context = {
            **_log_context(person),
            "saved": False,
            "error": _log_error_text(error),
            "error_kind": kind,
        }
        return person.page("log.html", context, status=422)
    if kind == "follow-up":  # sent from a red flag: back to the flags, which now show it cleared
        return _see_other("/?followed-up=1")
    back = UNDO_BACK.get(form.get("back") or "", UNDO_BACK["log"])
    return _see_other(f"{back}?saved=1&entry={record_id}")


def _log_error_text(error: RecordError) -> str:
    """What was wrong with one logged entry: no "line 1", and the time named in words.

    Outside English, a message keyed on the refused field (``record_forms.translated_error``).
    """
    translated = translated_error(error)
    if translated is not None:
        return translated
    if error.field in (None, "time"):
        return error.problem
    return f"{error.field}: {error.problem}"


# ---------------------------------------------------------------- history, edit, delete


@router.get("/history", name="history")
def history(request: Request, user: SignedIn) -> Response:
    """Charts, then the entries 25 a page, filtered by ``?type=`` and ``?month=`` (validated)."""
    person = PersonContext(request, user)
    charts = history_charts(person.view)
    query = request.query_params
    listing = entry_listing(
        person.entries,
        zone=person.zone,
        entry_type=query.get("type"),
        month=query.get("month"),
        page=query.get("page"),
    )
    toast = saved_toast(person, request, back="history", undo=False)
    return person.page("history.html", {"charts": charts, **listing, "toast": toast})


def _own_entry(person: PersonContext, record_id: int) -> StoredRecord:
    for entry in person.entries:
        if entry.id == record_id:
            return entry
    raise HTTPException(status_code=404, detail=_("No such record."))


def _changeable_entry(person: PersonContext, record_id: int) -> StoredRecord:
    """One of the person's own entries that they may edit or delete (not the clinic's)."""
    entry = _own_entry(person, record_id)
    if read_only_to_person(entry):
        raise HTTPException(
            status_code=403,
            detail=_("Your clinic entered this record; only the clinic can change or delete it."),
        )
    return entry


@router.get("/records/{record_id}/edit", name="record_edit")
def record_edit(request: Request, user: SignedIn, record_id: int) -> Response:
    person = PersonContext(request, user)
    entry = _changeable_entry(person, record_id)
    if entry.record.type not in LOGGABLE:
        raise HTTPException(status_code=404, detail=_("This kind of record cannot be edited here."))
    context = {
        **_log_context(person),
        "entry": entry,
        "kind": entry.record.type,
        "values": form_values(entry.record, person.zone),
        "error": None,
    }
    return person.page("edit.html", context)


@router.post("/records/{record_id}", name="record_update")
async def record_update(request: Request, user: SignedIn, record_id: int) -> Response:
    person = PersonContext(request, user)
    entry = _changeable_entry(person, record_id)
    if entry.record.type not in LOGGABLE:
        raise HTTPException(status_code=404)
    form = await _form(request)
    try:
        zone = form_zone(person.records, form)
        record = record_from_form(entry.record.type, form, zone=zone, now=person.now)
    except RecordError as error:
        context = {
            **_log_context(person),
            "entry": entry,
            "kind": entry.record.type,
            "values": form.first_values() | {"co_use": form.getlist("co_use")},
            "error": translated_error(error) or str(error),
        }
        return person.page("edit.html", context, status=422)
    try:
        new_id = replace_record(_db(request), person.name, record_id, record, by=user)
    except RecordNotFound as error:
        raise HTTPException(status_code=404, detail="No such record.") from error
    if offers_craving_plan(record):  # History says it was saved and offers the plan
        return _see_other(f"/history?saved=1&entry={new_id}")
    return _see_other("/history")


@router.get("/records/{record_id}/delete", name="record_delete_confirm")
def record_delete_confirm(request: Request, user: SignedIn, record_id: int) -> Response:
    """Ask first: one stray tap on a phone should not delete health data."""
    person = PersonContext(request, user)
    entry = _changeable_entry(person, record_id)
    rows = views.history_rows([entry], person.zone)
    if not rows:  # an untimed profile record is not listed, so not offered for deletion
        raise HTTPException(status_code=404, detail=_("This record cannot be deleted here."))
    return person.page("delete.html", {"row": rows[0]})


@router.post("/records/{record_id}/delete", name="record_delete")
def record_delete(request: Request, user: SignedIn, record_id: int) -> Response:
    try:
        delete_record(_db(request), _person_name(user), record_id, by=user)
    except (RecordNotFound, PersonNotFound) as error:
        raise HTTPException(status_code=404, detail=_("No such record.")) from error
    return _see_other("/history")


# ---------------------------------------------------------------- questionnaires


def _instrument_or_404(instrument_id: str) -> None:
    if instrument_id not in instrument_ids():
        raise HTTPException(status_code=404, detail=_("No such questionnaire."))


def _clinic_wording(request: Request, instrument_id: str) -> ClinicWording | None:
    """The clinic's own wording of the questionnaire in the page's language, if it gave one."""
    return wording_for(request.app.state.wordings, instrument_id, current_language())


@router.get("/questionnaires", name="questionnaires")
def questionnaires(request: Request, user: SignedIn) -> Response:
    person = PersonContext(request, user)
    context = {
        "instruments": views.instrument_choices(),
        "latest": {
            row["id"]: row | {"band": views.band_in(row["id"], row["band"])}
            for row in views.questionnaire_latest_view(person.assessment.questionnaires)
        },
        "history": views.score_history_view(person.view.scores, person.zone),
        "charts": questionnaire_charts(person.records, zone=person.zone),
    }
    return person.page("questionnaires.html", context)


@router.get("/questionnaires/{instrument_id}", name="questionnaire")
def questionnaire(
    request: Request, user: SignedIn, instrument_id: str, saved: str | None = None
) -> Response:
    _instrument_or_404(instrument_id)
    person = PersonContext(request, user)
    context = views.instrument_form_view(
        get_instrument(instrument_id), wording=_clinic_wording(request, instrument_id)
    )
    result = views.latest_result(person.records, instrument_id, person.zone) if saved else None
    context |= {"result": result, "error": None, "compact_flags": result is None}
    return person.page("questionnaire.html", {**context, **_time_context(person)})


@router.post("/questionnaires/{instrument_id}", name="questionnaire_save")
async def questionnaire_save(request: Request, user: SignedIn, instrument_id: str) -> Response:
    _instrument_or_404(instrument_id)
    form = await _form(request)
    person = PersonContext(request, user)
    try:
        record: Questionnaire = questionnaire_from_form(
            instrument_id, form, zone=form_zone(person.records, form), now=person.now
        )
    except (RecordError, InstrumentError) as error:
        context = views.instrument_form_view(
            get_instrument(instrument_id),
            answers=form.first_values(),
            wording=_clinic_wording(request, instrument_id),
        )
        error_text = translated_error(error) or str(error)
        context |= {"result": None, "error": error_text, "values": form.first_values()}
        return person.page("questionnaire.html", {**context, **_time_context(person)}, status=422)
    log_record(_db(request), person.name, record, create=True, author=_as_person(user))
    return _see_other(f"/questionnaires/{instrument_id}?saved=1")


# ---------------------------------------------------------------- plan


def _stored_plan(request: Request, name: str) -> dict[str, list[str]]:
    try:
        return get_plan(_db(request), name)
    except PersonNotFound:
        return {}


#: Where the plan page goes on to after a save, by name (never a URL from the request):
#: the first-run onboarding links here and carries on at its next step.
PLAN_NEXT = {"onboarding": "/onboarding/about"}


@router.get("/plan", name="plan")
def plan(
    request: Request, user: SignedIn, saved: str | None = None, next: str | None = None
) -> Response:
    person = PersonContext(request, user)
    view = plan_view(_stored_plan(request, person.name))
    context = {"plan": view, "saved": saved == "1", "next": next if next in PLAN_NEXT else None}
    return person.page("plan.html", context)


@router.post("/plan", name="plan_save")
async def plan_save(request: Request, user: SignedIn) -> Response:
    form = await _form(request)
    submitted = plan_from_form(form)
    going_on = form.get("next") or ""
    try:
        save_plan(_db(request), _person_name(user), submitted)
    except PlanError as error:
        person = PersonContext(request, user)
        view = plan_view(submitted, error=_plan_error_text(error, submitted))
        context = {
            "plan": view,
            "saved": False,
            "next": going_on if going_on in PLAN_NEXT else None,
        }
        return person.page("plan.html", context, status=422)
    return _see_other(PLAN_NEXT.get(going_on, "/plan?saved=1"))


def _plan_error_text(error: PlanError, submitted: dict[str, list[str]]) -> str:
    """The list's label and what is wrong, in the page's language (``plan_form``)."""
    return plan_error_text(error, submitted)


# ---------------------------------------------------------------- learn


@router.get("/learn", name="learn")
def learn(request: Request, user: SignedIn) -> Response:
    person = PersonContext(request, user)
    return person.page(
        "learn.html",
        {
            "practical": practical.practical_index(person.language),
            "topics": views.learn_index(person.language),
            "grades": views.grade_key(),
        },
    )


@router.get("/learn/{topic}", name="learn_topic")
def learn_topic(request: Request, user: SignedIn, topic: str) -> Response:
    """A topic of the article audit, or a practical page (their ids never overlap)."""
    language = language_of(request)
    view = views.learn_topic(topic, language)
    if view is not None:
        person = PersonContext(request, user)
        return person.page("learn_topic.html", {"topic": view, "grades": views.grade_key()})
    page = practical.practical_page(topic, language)
    if page is None:
        raise HTTPException(status_code=404, detail="No such topic.")
    person = PersonContext(request, user)
    return person.page("learn_practical.html", {"page": page, "grades": views.grade_key()})


# ---------------------------------------------------------------- help


@router.get("/help", name="help")
def help_page(request: Request, user: SignedIn) -> Response:
    person = PersonContext(request, user)
    profile = latest_profile(person.records)
    help_numbers = views.help_view(person.locale, person.language)
    flags, help_contacts = views.help_page_numbers(
        help_numbers["contacts"], views.red_flags_view(person.assessment, person.language)
    )
    context = {
        "help": help_numbers,
        "red_flags": flags,
        "help_contacts": help_contacts,
        "choices": views.locale_choices(person.language),
        "zones": views.zone_choices(profile.timezone if profile else None),
        "error": None,
    }
    return person.page("help.html", context)


@router.post("/profile/timezone", name="profile_timezone")
async def profile_timezone(request: Request, user: SignedIn) -> Response:
    """Set the time zone in which typed times are read and use-days are counted."""
    form = await _form(request)
    records = [entry.record for entry in _entries(request, user)]
    try:
        profile = views.profile_with_zone(records, form.get("timezone") or "")
    except RecordError as error:
        raise HTTPException(status_code=422, detail=str(error)) from error
    log_record(_db(request), _person_name(user), profile, create=True, author=_as_person(user))
    return _see_other("/help")


@router.post("/help/locale", name="help_locale")
async def help_locale(request: Request, user: SignedIn) -> Response:
    form = await _form(request)
    chosen = form.get("locale")
    response = _see_other("/help")
    if isinstance(chosen, str) and chosen in dict(views.locale_options()):
        response.set_cookie(
            LOCALE_COOKIE, chosen, max_age=365 * 86400, httponly=True, samesite="lax"
        )
    return response


# ---------------------------------------------------------------- export and import


@router.get("/export", name="export")
def export_page(
    request: Request, user: SignedIn, imported: int | None = None, present: int = 0
) -> Response:
    person = PersonContext(request, user)
    context = {
        "count": len(person.records),
        "imported": imported,
        "present": present,
        "error": None,
    }
    return person.page("export.html", context)


def _download(body: str, *, filename: str, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/export/records.jsonl", name="export_jsonl")
def export_jsonl(request: Request, user: SignedIn) -> Response:
    name = _person_name(user)
    try:
        records = export_records(_db(request), name)
    except PersonNotFound:
        records = []
    return _download(
        dumps_jsonl(records), filename="ketpath-records.jsonl", media_type="application/x-ndjson"
    )


@router.get("/export/fhir.json", name="export_fhir")
def export_fhir_bundle(request: Request, user: SignedIn) -> Response:
    bundle = export_fhir(_db(request), _person_name(user))
    body = json.dumps(bundle, ensure_ascii=False, indent=2)
    return _download(body, filename="ketpath-fhir.json", media_type="application/fhir+json")


def parse_upload(filename: str, text: str) -> list[Record]:
    """JSONL, or CSV of uses when the name ends in ``.csv``; all-or-nothing."""
    if _is_csv(filename):
        return parse_csv_uses(text)
    return parse_jsonl(text.splitlines())


def _is_csv(filename: str) -> bool:
    return filename.lower().endswith(".csv")


@router.post("/import", name="import")
async def import_upload(request: Request, user: SignedIn) -> Response:
    form = await request.form()
    upload = form.get("file")
    try:
        if not isinstance(upload, UploadFile) or not upload.filename:
            raise ImportRefused(_("Choose a .jsonl, .csv or FHIR .json file to import."))
        text = _upload_text(await upload.read(MAX_IMPORT_BYTES + 1))
        result = _import_text(request, user, upload.filename, text)
    except ImportRefused as refused:
        person = PersonContext(request, user)
        context = {
            "count": len(person.records),
            "imported": None,
            "present": 0,
            "error": refused.message,
        }
        return person.page("export.html", context, status=refused.status)
    return _see_other(f"/export?imported={result.count}&present={result.already_present}")


class ImportRefused(Exception):  # noqa: N818 (reads as what happened)
    """Nothing was imported; ``message`` says why, in the person's words and language."""

    def __init__(self, message: str, *, status: int = 422) -> None:
        self.message = message
        self.status = status
        super().__init__(message)


def _upload_text(data: bytes) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _("The file is larger than %(size)s MB.", size=MAX_IMPORT_BYTES // 1_000_000),
            status=413,
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(_("The file is not UTF-8 text.")) from None


def _import_text(request: Request, user: User, filename: str, text: str) -> ImportResult:
    """Parse and store an upload, all or nothing: JSONL, CSV of uses, or a FHIR JSON document.

    FHIR is told apart by its content (one JSON object with a ``resourceType``),
    as ``ketpath import`` does, so ketpath's own FHIR download imports here too.
    A refusal names the line and the field as they are and says the rest in the
    page's language (``present.record_problems``).
    """
    db = _db(request)
    limit = db.limits.per_import
    # Counting lines first spares parsing a file that is refused for its size anyway.
    if not is_fhir_document(text) and text.count("\n") > limit + 1:
        raise ImportRefused(
            _("Too many records: one import may hold at most %(limit)s.", limit=f"{limit:,}"),
            status=413,
        )
    try:
        if is_fhir_document(text):
            return import_fhir(db, _person_name(user), text, author=_as_person(user))
        records = parse_upload(filename, text)
        return import_records(db, _person_name(user), records, create=True, author=_as_person(user))
    except RecordRefused as error:
        line = error.index + 2 if _is_csv(filename) else _line_of(text, error.index)
        raise ImportRefused(_sentence(error.at_line(line))) from None
    except (RecordError, FhirError) as error:
        raise ImportRefused(_sentence(error)) from None
    except TooManyRecords as error:
        raise ImportRefused(
            _("Too many records: %(problem)s.", problem=error), status=413
        ) from None


def _line_of(text: str, index: int) -> int:
    """The JSONL line of a record (a FHIR document's records have no lines: its entry number)."""
    if is_fhir_document(text):
        return index + 1
    return jsonl_line_of_record(text.splitlines(), index)


def _sentence(error: RecordError | FhirError) -> str:
    """``line 2: time: ...`` as the page shows it: a capital first letter, nothing imported.

    The line number and the field's name stay as written; the sentence is in the
    page's language (:func:`ketpath.present.record_problems.import_refusal`).
    """
    if isinstance(error, RecordError):
        return import_refusal(error.problem, line=error.line, field=error.field)
    return import_refusal(str(error))
