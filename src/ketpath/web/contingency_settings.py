"""A clinician sets a patient's reward schedule: ``/patients/{id}/rewards/settings``.

GET shows the schedule's settings as a form, with the rewards they give now;
POST validates every field (all problems at once, each next to its field, 422)
and stores them with ``services.contingency.save_schedule_as_clinician``. Like every
patient route, both answer 404 unless the person's consent stands now, and both
leave an audit row: the page reads the patient's drug screens (``read-records``)
and a save is recorded as ``write-cm-schedule``, which the person sees on
"Sharing". A positive screen always resets the schedule: that is the core of
the method, so it is stated on the form rather than offered as a setting.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse
from starlette.responses import Response

from ketpath.core.contingency import (
    MAX_COUNT,
    MAX_MONEY,
    MONEY_FIELDS,
    ContingencySettings,
    ContingencySettingsError,
)
from ketpath.knowledge import languages
from ketpath.present.format import WORDING_LOCALE, money
from ketpath.present.i18n import N_, _, current_language
from ketpath.present.rewards import rewards_view
from ketpath.services import StoredRecord
from ketpath.services.consent import NoConsent, Patient, patient_entries
from ketpath.services.contingency import (
    overview,
    save_schedule_as_clinician,
    settings_from,
    stored_schedule,
)
from ketpath.services.read import person_zone
from ketpath.web.clinician import refused_patient
from ketpath.web.deps import SignedIn, User, database
from ketpath.web.settings import Settings
from ketpath.web.templating import render

router = APIRouter(include_in_schema=False)

PatientId = Annotated[int, Path(ge=1, le=2**63 - 1)]

COUNT_FIELDS = (
    "bonus_every",
    "return_after",
    "max_days_between_screens",
    "min_hours_between_rewards",
)
CHOICES: dict[str, tuple[tuple[str, str], ...]] = {
    "reset_on_missed": (
        ("yes", N_("Yes: a missed screen resets")),
        ("no", N_("No: it only earns nothing")),
    ),
    "invalid": (("reset", N_("Reset, like a positive")), ("hold", N_("Hold: no change"))),
    "currency": (("USD", N_("US dollars")), ("GBP", N_("Pounds sterling")), ("EUR", N_("Euros"))),
}
"""Each choice's words, marked for the catalog and translated where the form is built."""
CORE_PROBLEMS = (
    N_("unknown setting"),
    N_("must be at least the start value"),
    N_("must be true or false"),
    N_("must be 'reset' or 'hold'"),
    N_("must be USD, GBP or EUR"),
    N_("must be an amount such as 2.50"),
    N_("must be in whole cents"),
)
"""The schedule's own problems (``core.contingency``, which is pure and English), as msgids."""
CORE_RANGES = (
    (
        re.compile(r"must be a whole number from (\d+) to (\d+)"),
        N_("must be a whole number from %(low)s to %(high)s"),
    ),
    (
        re.compile(r"must be an amount from (\d+) to (\d+)"),
        N_("must be an amount from %(low)s to %(high)s"),
    ),
)
FORM_ORDER = (
    "start_value",
    "increment",
    "max_value",
    "bonus_every",
    "bonus_value",
    "return_after",
    "reset_on_missed",
    "invalid",
    "max_days_between_screens",
    "min_hours_between_rewards",
    "currency",
)
#: The settings screen reads only what the schedule needs: screens, and the profile's timezone.
READ_TYPES = frozenset({"drug-screen", "profile"})
WHOLE_NUMBER = re.compile(r"\s*\d{1,9}\s*")


def _label(name: str) -> str:
    if name == "currency":
        return _("Currency")
    return dict(languages.contingency(current_language()).defaults.items())[name].label


def _shown(name: str, value: Any) -> str:
    """A setting as the form shows it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


CURRENCY_WORDS = dict(CHOICES["currency"])


def _hint(name: str, defaults: ContingencySettings, currency: str) -> str:
    default = getattr(defaults, name)
    if name in MONEY_FIELDS:
        words = _(CURRENCY_WORDS[currency]) if currency in CURRENCY_WORDS else currency
        amount = _(
            "An amount in %(currency)s from 0 to %(high)s, such as 2.50 (not in cents).",
            currency=words,
            high=f"{MAX_MONEY:,}",
        )
        return f"{amount} {_('Default %(value)s.', value=money(default, currency, WORDING_LOCALE))}"
    if name in COUNT_FIELDS:
        low = 1 if name == "max_days_between_screens" else 0
        sentences = [_("A whole number from %(low)s to %(high)s.", low=low, high=MAX_COUNT)]
        if low == 0 and name != "min_hours_between_rewards":
            sentences.append(_("0 turns it off."))
        sentences.append(_("Default %(value)s.", value=default))
        return " ".join(sentences)
    return _("Default: %(value)s.", value=_shown(name, default))


def problem_words(problem: str) -> str:
    """A problem of ``core.contingency`` in the page's language (unchanged in English)."""
    for pattern, message in CORE_RANGES:
        found = pattern.fullmatch(problem)
        if found:
            return _(message, low=found.group(1), high=found.group(2))
    return _(problem) if problem in CORE_PROBLEMS else problem


def _fields(values: dict[str, str], errors: dict[str, str]) -> list[dict[str, Any]]:
    defaults = ContingencySettings.defaults()
    currency = values.get("currency") or defaults.currency
    if currency not in CURRENCY_WORDS:
        currency = defaults.currency
    return [
        {
            "name": name,
            "id": f"cm-{name.replace('_', '-')}",
            "label": _label(name),
            "kind": "money"
            if name in MONEY_FIELDS
            else "count"
            if name in COUNT_FIELDS
            else "choice",
            "value": values.get(name, ""),
            "choices": tuple((value, _(words)) for value, words in CHOICES.get(name, ())),
            "hint": _hint(name, defaults, currency),
            "error": errors.get(name),
            "low": 1 if name == "max_days_between_screens" else 0,
            "high": MAX_COUNT,
            "max_money": MAX_MONEY,
        }
        for name in FORM_ORDER
    ]


def _submitted(name: str, text: str) -> Any:
    """A form value as the engine takes it; anything unreadable goes through to be refused."""
    text = text.strip()
    if name in COUNT_FIELDS and WHOLE_NUMBER.fullmatch(text):
        return int(text)
    if name == "reset_on_missed":
        return {"yes": True, "no": False}.get(text, text)
    return text


def validated(
    current: ContingencySettings, form: dict[str, str]
) -> tuple[ContingencySettings | None, dict[str, str]]:
    """The new settings (fields left out keep their value), or a problem for each bad field."""
    given = {name: _submitted(name, form[name]) for name in FORM_ORDER if name in form}
    errors: dict[str, str] = {}
    # Each field alone, against a base no single valid value can contradict, so that a
    # start value above the old cap is not blamed on the cap; the pair is checked below.
    open_base = replace(current, start_value=Decimal(0), max_value=MAX_MONEY)
    for name, value in given.items():
        if name in MONEY_FIELDS and value == "":
            errors[name] = _("enter an amount, such as 2.50")
            continue
        try:
            ContingencySettings.from_mapping({name: value}, base=open_base)
        except ContingencySettingsError as error:
            errors[name] = problem_words(error.problem)
    if errors:
        return None, errors
    try:
        return ContingencySettings.from_mapping(given, base=current), {}
    except ContingencySettingsError as error:
        return None, {error.field: problem_words(error.problem)}


def _read(request: Request, user: User, patient_id: int) -> tuple[Patient, list[StoredRecord]]:
    try:
        return patient_entries(
            database(request), clinician=user, patient_id=patient_id, types=READ_TYPES
        )
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None


def _page(
    request: Request,
    *,
    patient: Patient,
    entries: list[StoredRecord],
    values: dict[str, str],
    errors: dict[str, str],
    saved: bool = False,
    status: int = 200,
) -> Response:
    records = [entry.record for entry in entries]
    stored = stored_schedule(database(request), patient.name)
    data = overview(records, stored, as_of=datetime.now(UTC))
    fields = _fields(values, errors)
    context = {
        "patient": patient,
        "fields": fields,
        "problems": [field for field in fields if field["error"]],
        "saved": saved,
        "rewards": rewards_view(data, person_zone(records)),
        "viewer": "clinician",
    }
    return render(request, "contingency/settings.html", context, status=status)


def _current(
    request: Request, patient: Patient
) -> tuple[ContingencySettings, dict[str, Any] | None]:
    """The schedule in force; before the clinic stores one, in the clinic's currency."""
    stored = stored_schedule(database(request), patient.name)
    settings = settings_from(stored)
    if stored is None:
        clinic: Settings | None = getattr(request.app.state, "settings", None)
        currency = clinic.rewards_currency if clinic is not None else settings.currency
        settings = replace(settings, currency=currency)
    return settings, stored


@router.get("/patients/{patient_id}/rewards/settings", name="patient_rewards_settings")
def settings_page(
    request: Request, user: SignedIn, patient_id: PatientId, saved: str = ""
) -> Response:
    """The form, filled with the schedule in force, and what it gives now."""
    patient, entries = _read(request, user, patient_id)
    current, _stored = _current(request, patient)
    values = {name: _shown(name, value) for name, value in current.to_fields().items()}
    return _page(
        request, patient=patient, entries=entries, values=values, errors={}, saved=bool(saved)
    )


@router.post("/patients/{patient_id}/rewards/settings")
async def settings_submit(request: Request, user: SignedIn, patient_id: PatientId) -> Response:
    """Store the settings, or show the form again with every problem named."""
    db = database(request)
    # The consent check comes before the form is read: without it the answer is
    # 404 whatever was sent. This read of the screens is audited like the GET.
    patient, entries = _read(request, user, patient_id)
    form = {
        key: str(value) for key, value in (await request.form()).items() if isinstance(value, str)
    }
    current, stored = _current(request, patient)
    chosen, errors = validated(current, form)
    if chosen is None:
        shown = {name: _shown(name, value) for name, value in current.to_fields().items()}
        shown.update({name: form[name] for name in FORM_ORDER if name in form})
        return _page(
            request, patient=patient, entries=entries, values=shown, errors=errors, status=422
        )
    settings: dict[str, Any] = chosen.to_fields()
    if stored and stored.get("start"):
        settings["start"] = stored["start"]  # a clinic-set start of the course is kept
    # Consent is checked again, and the audit row written, in the saving transaction.
    try:
        save_schedule_as_clinician(db, clinician=user, patient_id=patient_id, settings=settings)
    except NoConsent:
        raise refused_patient(request, user, patient_id) from None
    return RedirectResponse(f"/patients/{patient_id}/rewards/settings?saved=1", status_code=303)
