"""FHIR R4 interchange: a person's questionnaires, use and follow-ups as a Bundle, and back in.

Clinics keep scores in record systems that speak FHIR, so ketpath writes a
``collection`` Bundle (:func:`bundle_for`) and reads QuestionnaireResponses
and red-flag follow-ups (:func:`records_from_fhir`). Structure is validated with ``fhir.resources``
(the R4B models, whose R4 subset is what we write); what that library does
not check -- that coded values belong to their value sets and that a response
fits its questionnaire -- :func:`check_bundle` does, using the same scoring
engine as the rest of ketpath, so FHIR cannot bring in an answer vector that
the JSONL import would refuse.

Coding choices (all ``urn:ketpath:`` systems are ours, and their value sets
are derived from ``knowledge/`` at run time):

- Record identity: every resource made from one record (the Patient from the
  profile, a QuestionnaireResponse, a follow-up Observation) carries the
  record's ``id`` as an ``identifier`` in ``urn:ketpath:record``, and import
  gives the record that id back, so re-importing one's own bundle stores
  nothing twice (issue 12). A resource without one gets the record's content
  id on import, as a JSONL line without an id does.
- Patient: only ``identifier`` (system ``urn:ketpath:pseudonym``, and the
  profile's record id), the birth year as ``birthDate`` when the profile has
  one, and ``gender`` when the profile states a sex (``unstated`` is left
  out). No name, no notes, no free text: ``Use.note`` and craving triggers
  never leave the database this way. Import restores a profile of the sex and
  birth year (weight and time zone are not in the bundle).
  :func:`pseudonym_for` is an unkeyed hash of the name: it keeps the name out
  of the file and makes repeated exports linkable, but anyone who guesses the
  name can confirm the guess. It is a pseudonym, not anonymisation.
- Questionnaire per instrument used: ``url`` the RESTful form
  ``https://ketpath.example/fhir/Questionnaire/<id>`` (``[base]/Questionnaire/[id]``,
  the form FHIR calls resolvable; ``ketpath.example`` is a reserved example
  domain standing for wherever a clinic hosts them),
  ``version`` the instrument's version, ``copyright`` its licence text, LOINC
  panel and item codes where the instrument file has them. Item ``text`` is
  always our own short label, never the published wording (for most
  instruments the licence forbids reproducing it). Answer options are
  ``valueCoding`` in ``urn:ketpath:instrument:<id>:options`` with the option
  code (``"0"``, ``"1"``, ...) and label, and the option's score in the R4
  ``ordinalValue`` extension. A skip rule becomes ``enableWhen`` (``!=``).
  No instrument file has LOINC answer (LA) codes, so none are used.
- QuestionnaireResponse per administration: ``questionnaire`` is the bare
  canonical url (instrument versions contain spaces, which a canonical may
  not), ``authored`` the record time with its UTC offset; skipped items are
  left out, as FHIR leaves out disabled items.
- Observation per total score (category ``survey``): LOINC where the
  instrument has a total code (PHQ-9 44261-6, GAD-7 70274-6), otherwise
  ``urn:ketpath:score#<id>-total``; ``valueInteger`` (``valueQuantity`` if a
  total is ever fractional); the band as ``interpretation`` in
  ``urn:ketpath:instrument:<id>:bands``; subscales as components
  (``urn:ketpath:score#<id>-<subscale>``); ``derivedFrom`` the response.
- Observation per calendar month with ketamine use (category
  ``social-history``), in the profile's time zone (UTC when none), as the
  assessment counts use-days: ``urn:ketpath:use#use-days`` with the number of
  use-days as ``valueInteger`` and components ``uses`` (sessions),
  ``dose-known-mg`` (sum of the doses that were logged, UCUM ``mg``),
  ``uses-dose-unknown`` and ``uses-route-<route>``. We know no LOINC code
  that means "use-days of ketamine in a month", so none is claimed. Uses of
  other substances are left out: ``substance`` is free text.
- Observation per red-flag follow-up record: code
  ``urn:ketpath:follow-up#red-flag-follow-up``, ``effectiveDateTime`` the
  record time, the outcome as ``valueCodeableConcept`` in
  ``urn:ketpath:follow-up-outcome`` (``knowledge/vocabulary.toml``
  ``follow_up_outcomes``), and the flag as the one component
  ``urn:ketpath:follow-up#red-flag`` whose ``valueCodeableConcept`` is in
  ``urn:ketpath:red-flag`` (every id of ``rules().flag_ids()``). No category:
  none of the HL7 observation categories means "a warning was seen to". The
  follow-up's free-text ``note`` is left out, like every other free text, so
  a follow-up with a note comes back without it.

Determinism: every ``fullUrl`` is ``urn:uuid:`` + a UUID 5 of a fixed
namespace and the content (pseudonym, record), entries are in a fixed order,
and nothing from storage (ids, insertion times) is used, so the same records
give byte-identical JSON.

Import accepts a Bundle of any type, or a bare QuestionnaireResponse. A
response is ours when its ``questionnaire`` is a RESTful url ending
``/Questionnaire/<id>`` for one of our instrument ids (ours, or a clinic that
hosts copies of our questionnaires) or, as bundles made before issue 12 had
it, ``urn:ketpath:questionnaire:<id>`` (optionally ``|version``). A canonical
with whitespace in it is refused, as the R4 schema refuses it. A bundle of
ours (its Patient has our pseudonym) always imports, even when it holds no
records (a person with no questionnaires); any other document must hold at
least one resource we read.
An Observation is a follow-up of ours when its ``code`` has the follow-up
coding above; its status must be final, amended or corrected. Other resources
and other questionnaires' responses are not read, but nothing passes unseen:
every entry must be an object holding a resource with a FHIR R4
``resourceType``, every resource must pass fhir.resources validation, and
those we do not read are counted by type for the caller to report
(:class:`FhirRead`); every one of ours must be valid. One problem anywhere
and nothing is returned. Nesting deeper than :data:`MAX_NESTING` is refused
before the JSON is parsed (the parser and the validators recurse).
"""

from __future__ import annotations

import calendar
import hashlib
import json
import math
import re
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from ketpath.core.instruments import (
    SKIPPED,
    Instrument,
    InstrumentError,
    Score,
    get_instrument,
    instrument_ids,
    score,
)
from ketpath.core.records import (
    RECORD_ID_PATTERN,
    FollowUp,
    Profile,
    Questionnaire,
    Record,
    RecordError,
    Use,
    latest_profile,
    parse_record,
    record_to_json,
    sorted_records,
    with_id,
)
from ketpath.errors import BadInput
from ketpath.knowledge import rules, vocabulary

__all__ = [
    "FOLLOW_UP_OUTCOME_SYSTEM",
    "FOLLOW_UP_SYSTEM",
    "LOINC",
    "MAX_NESTING",
    "PSEUDONYM_SYSTEM",
    "QUESTIONNAIRE_BASE",
    "RECORD_SYSTEM",
    "RED_FLAG_SYSTEM",
    "SCORE_SYSTEM",
    "USE_SYSTEM",
    "FhirError",
    "FhirRead",
    "bands_system",
    "bundle_for",
    "check_bundle",
    "instrument_for",
    "is_fhir_document",
    "options_system",
    "pseudonym_for",
    "questionnaire_url",
    "read_fhir",
    "records_from_fhir",
    "value_sets",
]

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
PSEUDONYM_SYSTEM = "urn:ketpath:pseudonym"
RECORD_SYSTEM = "urn:ketpath:record"
QUESTIONNAIRE_BASE = "https://ketpath.example/fhir/Questionnaire/"
LEGACY_QUESTIONNAIRE_PREFIX = "urn:ketpath:questionnaire:"
"""How our Questionnaires were named before issue 12; still read on import."""
SCORE_SYSTEM = "urn:ketpath:score"
USE_SYSTEM = "urn:ketpath:use"
FOLLOW_UP_SYSTEM = "urn:ketpath:follow-up"
FOLLOW_UP_OUTCOME_SYSTEM = "urn:ketpath:follow-up-outcome"
RED_FLAG_SYSTEM = "urn:ketpath:red-flag"
OUR_PREFIX = "urn:ketpath:"
NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:ketpath:fhir")
SUMMARISED_SUBSTANCE = "ketamine"
ACCEPTED_STATUSES = ("completed", "amended")
ACCEPTED_OBSERVATION_STATUSES = ("final", "amended", "corrected")
GENDERS = {"female": "female", "male": "male", "other": "other"}
SEXES = {gender: sex for sex, gender in GENDERS.items()}
USE_CODES = {
    "use-days": "Ketamine use-days in the calendar month",
    "uses": "Ketamine use sessions in the calendar month",
    "dose-known-mg": "Total of the logged ketamine doses in the calendar month",
    "uses-dose-unknown": "Ketamine use sessions with no dose logged",
}
FOLLOW_UP_CODES = {
    "red-flag-follow-up": "Follow-up of a ketpath red flag",
    "red-flag": "The red flag that was followed up",
}
_RESTFUL_QUESTIONNAIRE = re.compile(r"^https?://\S+/Questionnaire/([a-z0-9][a-z0-9-]*)$")
_RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})
MAX_NESTING = 100
"""Deepest nesting of arrays and objects an import accepts. Our own bundles reach about 10;
the limit is checked before any parser recurses, so deeper input is bad input, not a crash."""
# A JSON string (skipped whole, so brackets inside it do not count), or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)

Resource = dict[str, Any]


class FhirError(BadInput):
    """FHIR content we cannot accept. ``str(error)`` reads ``<where>: <problem>``.

    ``where`` names the entry (``entry[3] QuestionnaireResponse/<id>``) and
    ``problem`` starts with the path inside it (``item 'q3': ...``).
    """

    def __init__(self, problem: str, *, where: str | None = None) -> None:
        self.problem = problem
        self.where = where
        super().__init__(f"{where}: {problem}" if where else problem)


# ---------------------------------------------------------------- names and codes


def questionnaire_url(instrument_id: str) -> str:
    return QUESTIONNAIRE_BASE + instrument_id


def options_system(instrument_id: str) -> str:
    return f"urn:ketpath:instrument:{instrument_id}:options"


def bands_system(instrument_id: str) -> str:
    return f"urn:ketpath:instrument:{instrument_id}:bands"


def pseudonym_for(person_name: str) -> str:
    """A stable pseudonym for a person's name (an unkeyed hash: see the module notes)."""
    digest = hashlib.sha256(b"ketpath-pseudonym\x00" + person_name.encode("utf-8"))
    return "kp-" + digest.hexdigest()[:24]


def _route_code(route: str) -> str:
    return f"uses-route-{route}"


@cache
def value_sets() -> dict[str, frozenset[str]]:
    """The codes of every system we define, and the LOINC codes our instruments use."""
    sets: dict[str, frozenset[str]] = {}
    score_codes: set[str] = set()
    loinc: set[str] = set()
    for instrument_id in instrument_ids():
        instrument = get_instrument(instrument_id)
        sets[options_system(instrument_id)] = frozenset(
            str(option.code) for item in instrument.items for option in item.options
        )
        sets[bands_system(instrument_id)] = frozenset(band.id for band in instrument.bands)
        score_codes.add(f"{instrument_id}-total")
        score_codes.update(f"{instrument_id}-{subscale.id}" for subscale in instrument.subscales)
        loinc.update(code for code in (instrument.loinc.panel, instrument.loinc.total) if code)
        loinc.update(item.loinc for item in instrument.items if item.loinc)
    sets[SCORE_SYSTEM] = frozenset(score_codes)
    sets[USE_SYSTEM] = frozenset(USE_CODES) | {_route_code(r) for r in vocabulary().routes}
    sets[LOINC] = frozenset(loinc)
    sets[FOLLOW_UP_SYSTEM] = frozenset(FOLLOW_UP_CODES)
    sets[FOLLOW_UP_OUTCOME_SYSTEM] = frozenset(vocabulary().follow_up_outcomes)
    sets[RED_FLAG_SYSTEM] = frozenset(rules().flag_ids())
    return sets


def _coding(system: str, code: str, display: str | None = None) -> Resource:
    coding: Resource = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return coding


def _category(code: str, display: str) -> list[Resource]:
    return [{"coding": [_coding(OBSERVATION_CATEGORY, code, display)]}]


def _number(value: float) -> int | float:
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return round(value, 6)


# ---------------------------------------------------------------- export


@dataclass(frozen=True)
class _Entry:
    full_url: str
    resource: Resource


class _Ids:
    """``urn:uuid:`` names from content; a repeat of the same content gets a counter."""

    def __init__(self, pseudonym: str) -> None:
        self.pseudonym = pseudonym
        self.seen: Counter[str] = Counter()

    def new(self, kind: str, content: str) -> str:
        key = f"{kind}|{self.pseudonym}|{content}"
        repeat = self.seen[key]
        self.seen[key] += 1
        return str(uuid.uuid5(NAMESPACE, f"{key}|{repeat}" if repeat else key))


def _entry(resource_id: str, resource: Resource) -> _Entry:
    return _Entry(full_url=f"urn:uuid:{resource_id}", resource={"id": resource_id, **resource})


def bundle_for(
    records: Sequence[Record], *, pseudonym: str, generated_at: datetime | None = None
) -> dict[str, Any]:
    """A FHIR R4 ``collection`` Bundle of a person's records, as a JSON-ready dict.

    The last profile in ``records`` supplies birth year, sex and time zone.
    The result is checked with ``fhir.resources`` and :func:`check_bundle`
    before it is returned.
    """
    if generated_at is not None and generated_at.utcoffset() is None:
        raise ValueError("generated_at needs a UTC offset")
    profile = latest_profile(records)
    ordered = sorted_records(records)
    ids = _Ids(pseudonym)
    patient = _entry(ids.new("Patient", ""), _patient(profile, pseudonym))
    subject = {"reference": patient.full_url}
    administrations = [r for r in ordered if isinstance(r, Questionnaire)]
    questionnaires = [
        _entry(ids.new("Questionnaire", instrument_id), _questionnaire(instrument_id))
        for instrument_id in sorted({r.instrument for r in administrations})
    ]
    responses: list[_Entry] = []
    totals: list[_Entry] = []
    for record in administrations:
        content = record_to_json(record)
        response = _entry(ids.new("QuestionnaireResponse", content), _response(record, subject))
        total = _total_observation(record, subject, {"reference": response.full_url})
        responses.append(response)
        totals.append(_entry(ids.new("Observation/score", content), total))
    zone = _zone(profile)
    months = [
        _entry(ids.new("Observation/use", f"{year:04d}-{month:02d}"), observation)
        for (year, month), observation in _use_observations(ordered, zone, subject)
    ]
    follow_ups = [
        # The id is made from what is exported: the note stays out of the file and its hash.
        _entry(
            ids.new("Observation/follow-up", f"{r.time.isoformat()}|{r.flag}|{r.outcome}"),
            _follow_up_observation(r, subject),
        )
        for r in ordered
        if isinstance(r, FollowUp)
    ]
    entries = [patient, *questionnaires, *responses, *totals, *months, *follow_ups]
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(NAMESPACE, "|".join(e.full_url for e in entries))),
        "type": "collection",
    }
    if generated_at is not None:
        bundle["timestamp"] = generated_at.isoformat()
    bundle["entry"] = [{"fullUrl": e.full_url, "resource": e.resource} for e in entries]
    check_bundle(bundle)
    return bundle


def _record_identifier(record: Record) -> list[Resource]:
    """The record's id as a FHIR identifier (in a list: most resources take several)."""
    return [{"system": RECORD_SYSTEM, "value": record.id}] if record.id is not None else []


def _patient(profile: Profile | None, pseudonym: str) -> Resource:
    identifiers = [{"system": PSEUDONYM_SYSTEM, "value": pseudonym}]
    if profile is not None and (profile.sex in GENDERS or profile.birth_year is not None):
        identifiers += _record_identifier(profile)
    patient: Resource = {"resourceType": "Patient", "identifier": identifiers}
    if profile is not None and profile.sex in GENDERS:
        patient["gender"] = GENDERS[profile.sex]
    if profile is not None and profile.birth_year is not None:
        patient["birthDate"] = f"{profile.birth_year:04d}"
    return patient


def _computable_name(instrument_id: str) -> str:
    return "Ketpath" + "".join(part.capitalize() for part in instrument_id.split("-"))


def _questionnaire(instrument_id: str) -> Resource:
    instrument = get_instrument(instrument_id)
    resource: Resource = {
        "resourceType": "Questionnaire",
        "url": questionnaire_url(instrument_id),
        "version": instrument.version,
        "name": _computable_name(instrument_id),
        "title": instrument.name,
        "status": "active",
        "subjectType": ["Patient"],
        "copyright": instrument.licence.text,
    }
    if instrument.loinc.panel:
        resource["code"] = [_coding(LOINC, instrument.loinc.panel)]
    resource["item"] = [_questionnaire_item(instrument, item.id) for item in instrument.items]
    return resource


def _questionnaire_item(instrument: Instrument, item_id: str) -> Resource:
    item = instrument.item(item_id)
    system = options_system(instrument.id)
    entry: Resource = {"linkId": item.id, "text": item.label, "type": "choice", "required": True}
    if item.loinc:
        entry["code"] = [_coding(LOINC, item.loinc)]
    conditions = [
        {"question": rule.when, "operator": "!=", "answerCoding": _coding(system, str(code))}
        for rule in instrument.skip_rules
        if item.id in rule.skip
        for code in rule.codes
    ]
    if conditions:
        entry["enableWhen"] = conditions
        if len(conditions) > 1:
            entry["enableBehavior"] = "all"
    entry["answerOption"] = [
        {
            "valueCoding": {
                **_coding(system, str(option.code), option.label),
                "extension": [{"url": ORDINAL_VALUE, "valueDecimal": option.score}],
            }
        }
        for option in item.options
    ]
    return entry


def _response(record: Questionnaire, subject: Resource) -> Resource:
    instrument = get_instrument(record.instrument)
    system = options_system(instrument.id)
    items = [
        {
            "linkId": item.id,
            "answer": [{"valueCoding": _coding(system, str(answer), item.options[answer].label)}],
        }
        for item, answer in zip(instrument.items, record.answers, strict=True)
        if isinstance(answer, int)
    ]
    identifier = {"identifier": _record_identifier(record)[0]} if record.id is not None else {}
    return {
        "resourceType": "QuestionnaireResponse",
        **identifier,
        "questionnaire": questionnaire_url(instrument.id),
        "status": "completed",
        "subject": subject,
        "authored": record.time.isoformat(),
        "item": items,
    }


def _value(total: float) -> Resource:
    number = _number(total)
    if isinstance(number, int):
        return {"valueInteger": number}
    return {"valueQuantity": {"value": number}}


def _total_code(instrument: Instrument) -> Resource:
    if instrument.loinc.total:
        coding = _coding(LOINC, instrument.loinc.total)
    else:
        coding = _coding(SCORE_SYSTEM, f"{instrument.id}-total", instrument.total_label)
    return {"coding": [coding], "text": f"{instrument.short_name}: {instrument.total_label}"}


def _total_observation(record: Questionnaire, subject: Resource, source: Resource) -> Resource:
    instrument = get_instrument(record.instrument)
    result = score(record.instrument, record.answers)
    observation: Resource = {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("survey", "Survey"),
        "code": _total_code(instrument),
        "subject": subject,
        "effectiveDateTime": record.time.isoformat(),
        **_value(result.total),
    }
    if result.band is not None:
        band = _coding(bands_system(instrument.id), result.band, result.band_label)
        observation["interpretation"] = [{"coding": [band], "text": result.band_label}]
    observation["derivedFrom"] = [source]
    components = _subscale_components(instrument, result)
    if components:
        observation["component"] = components
    return observation


def _subscale_components(instrument: Instrument, result: Score) -> list[Resource]:
    return [
        {
            "code": {
                "coding": [_coding(SCORE_SYSTEM, f"{instrument.id}-{subscale.id}", subscale.label)]
            },
            **_value(result.subscales[subscale.id]),
        }
        for subscale in instrument.subscales
    ]


def _zone(profile: Profile | None) -> tzinfo:
    if profile is not None and profile.timezone:
        return ZoneInfo(profile.timezone)
    return UTC


def _use_observations(
    records: Sequence[Record], zone: tzinfo, subject: Resource
) -> Iterator[tuple[tuple[int, int], Resource]]:
    """One Observation per calendar month with ketamine use, oldest first."""
    by_month: dict[tuple[int, int], list[Use]] = {}
    for record in records:
        if isinstance(record, Use) and record.substance == SUMMARISED_SUBSTANCE:
            local = record.time.astimezone(zone)
            by_month.setdefault((local.year, local.month), []).append(record)
    for month in sorted(by_month):
        yield month, _month_observation(month, by_month[month], zone, subject)


def _month_observation(
    month: tuple[int, int], uses: list[Use], zone: tzinfo, subject: Resource
) -> Resource:
    year, number = month
    last_day = calendar.monthrange(year, number)[1]
    use_days = {use.time.astimezone(zone).date() for use in uses}
    return {
        "resourceType": "Observation",
        "status": "final",
        "category": _category("social-history", "Social History"),
        "code": {
            "coding": [_coding(USE_SYSTEM, "use-days", USE_CODES["use-days"])],
            "text": USE_CODES["use-days"],
        },
        "subject": subject,
        "effectivePeriod": {
            "start": f"{year:04d}-{number:02d}-01",
            "end": f"{year:04d}-{number:02d}-{last_day:02d}",
        },
        "valueInteger": len(use_days),
        "component": _use_components(uses),
    }


def _use_component(code: str, display: str, value: Resource) -> Resource:
    return {"code": {"coding": [_coding(USE_SYSTEM, code, display)]}, **value}


def _use_components(uses: list[Use]) -> list[Resource]:
    doses = [use.dose_mg for use in uses if use.dose_mg is not None]
    components = [_use_component("uses", USE_CODES["uses"], {"valueInteger": len(uses)})]
    if doses:
        mg = {"value": _number(sum(doses)), "unit": "mg", "system": UCUM, "code": "mg"}
        components.append(
            _use_component("dose-known-mg", USE_CODES["dose-known-mg"], {"valueQuantity": mg})
        )
    if len(doses) < len(uses):
        unknown = {"valueInteger": len(uses) - len(doses)}
        components.append(
            _use_component("uses-dose-unknown", USE_CODES["uses-dose-unknown"], unknown)
        )
    routes = Counter(use.route for use in uses if use.route is not None)
    for route in vocabulary().routes:
        if routes[route]:
            display = f"Ketamine use sessions by route: {vocabulary().label('routes', route)}"
            components.append(
                _use_component(_route_code(route), display, {"valueInteger": routes[route]})
            )
    return components


def _concept(system: str, code: str, display: str) -> Resource:
    return {"coding": [_coding(system, code, display)], "text": display}


def _follow_up_observation(record: FollowUp, subject: Resource) -> Resource:
    """A red-flag follow-up: the outcome is the value, the flag its one component."""
    identifier = {"identifier": _record_identifier(record)} if record.id is not None else {}
    return {
        "resourceType": "Observation",
        **identifier,
        "status": "final",
        "code": _concept(
            FOLLOW_UP_SYSTEM, "red-flag-follow-up", FOLLOW_UP_CODES["red-flag-follow-up"]
        ),
        "subject": subject,
        "effectiveDateTime": record.time.isoformat(),
        "valueCodeableConcept": _concept(
            FOLLOW_UP_OUTCOME_SYSTEM,
            record.outcome,
            vocabulary().label("follow_up_outcomes", record.outcome),
        ),
        "component": [
            {
                "code": {
                    "coding": [_coding(FOLLOW_UP_SYSTEM, "red-flag", FOLLOW_UP_CODES["red-flag"])]
                },
                "valueCodeableConcept": _concept(
                    RED_FLAG_SYSTEM, record.flag, rules().flag_name(record.flag)
                ),
            }
        ],
    }


# ---------------------------------------------------------------- structural validation


def _model(name: str) -> Any:
    """The fhir.resources R4B model class called ``name``; FhirError when there is none."""
    try:
        from fhir.resources.R4B import get_fhir_model_class  # noqa: PLC0415 (optional extra)
    except ModuleNotFoundError as error:
        raise FhirError(
            "FHIR support needs the fhir.resources package: pip install 'ketpath[fhir]'"
        ) from error
    try:
        return get_fhir_model_class(name)
    except ValueError:
        raise FhirError(f"{name!r} is not a FHIR R4 model") from None


def _resource_type_problem(kind: object) -> str | None:
    """Why ``kind`` is not the ``resourceType`` of a concrete FHIR R4 resource, or None."""
    if kind is None:
        return "resourceType: missing"
    if not isinstance(kind, str) or not _RESOURCE_TYPE.match(kind):
        return f"resourceType: {kind!r} is not a FHIR R4 resource type"
    try:
        model = _model(kind)
    except FhirError:
        model = None
    if model is None or kind in _ABSTRACT_RESOURCES or _resource_class() not in model.__mro__:
        return f"resourceType: {kind!r} is not a FHIR R4 resource type"
    return None


@cache
def _resource_class() -> Any:
    return _model("Resource")


def _path(location: Sequence[int | str]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(resource)"


def _entry_name(index: int | None, resource: Any) -> str:
    kind = resource.get("resourceType", "resource") if isinstance(resource, dict) else "resource"
    resource_id = resource.get("id") if isinstance(resource, dict) else None
    name = f"{kind}/{resource_id}" if isinstance(resource_id, str) else str(kind)
    return name if index is None else f"entry[{index}] {name}"


def _json_kind(value: object) -> str:
    """What a JSON value is, in words (for "expected an object, got ...")."""
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    kinds = {dict: "an object", list: "an array", str: "a string", int: "a number"}
    return next((name for kind, name in kinds.items() if isinstance(value, kind)), "a number")


def _validation_message(error: Mapping[str, Any]) -> str:
    # fhir.resources reads a string where it wants an object as JSON text, and says so.
    if error["type"] in {"json_invalid", "json_type", "model_validation_format"}:
        return f"expected an object, got {_json_kind(error.get('input'))}"
    message: str = error["msg"]
    return message.removeprefix("Value error, ")


def _validate_structure(
    resource: Resource, *, where: str | None = None, model: str | None = None
) -> None:
    """Validate with the fhir.resources R4B model; name the entry and path of the first error."""
    try:
        _model(model or str(resource.get("resourceType"))).model_validate(resource)
    except ValidationError as error:
        first = error.errors()[0]
        # fhir.resources adds "root" to the path of a value it checks as a model of its own.
        location = [part for part in first["loc"] if part != "root"]
        message = _validation_message(first)
        entries = resource.get("entry")
        if (
            where is None
            and location[:1] == ["entry"]
            and len(location) >= 3
            and isinstance(location[1], int)
            and isinstance(entries, list)
            and location[2] == "resource"
        ):
            where = _entry_name(location[1], entries[location[1]].get("resource"))
            location = location[3:]
        raise FhirError(f"{_path(location)}: {message}", where=where) from None
    except KeyError:
        # fhir.resources' own failure on an unknown resourceType nested inside (``contained``).
        raise FhirError(
            "a resource inside it has a resourceType that is not a FHIR R4 resource type",
            where=where,
        ) from None


# ---------------------------------------------------------------- our checks


def _codings(node: Any, path: str) -> Iterator[tuple[str, Resource]]:
    """Every Coding-shaped mapping (``system`` and ``code``) under ``node``, with its path."""
    if isinstance(node, dict):
        if isinstance(node.get("system"), str) and "code" in node:
            yield path, node
        for key, value in node.items():
            yield from _codings(value, f"{path}.{key}" if path else key)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _codings(value, f"{path}[{index}]")


def _check_codings(resource: Resource, where: str) -> None:
    sets = value_sets()
    for path, coding in _codings(resource, ""):
        system, code = coding["system"], coding["code"]
        if system.startswith(OUR_PREFIX) and system not in sets:
            raise FhirError(f"{path}: unknown ketpath code system {system!r}", where=where)
        if system in sets and code not in sets[system]:
            raise FhirError(
                f"{path}: code {code!r} is not in the value set of {system}", where=where
            )


def instrument_for(canonical: object) -> str | None:
    """The instrument id a ``questionnaire`` reference names, or None when it is not ours.

    A canonical (``uri``) may not hold whitespace in R4 (its pattern is
    ``\\S*``); fhir.resources lets one through, so it is refused here.
    """
    if not isinstance(canonical, str):
        return None
    if any(character.isspace() for character in canonical):
        raise FhirError(
            f"questionnaire: {canonical!r} holds a space, which a FHIR canonical URL may not;"
            f" name a questionnaire like {questionnaire_url('phq9')}"
        )
    url = canonical.split("|", 1)[0]
    if url.startswith(LEGACY_QUESTIONNAIRE_PREFIX):
        instrument_id = url.removeprefix(LEGACY_QUESTIONNAIRE_PREFIX)
        if instrument_id not in instrument_ids():
            raise FhirError(
                f"questionnaire: {canonical!r} names no ketpath instrument; "
                f"known: {', '.join(instrument_ids())}"
            )
        return instrument_id
    match = _RESTFUL_QUESTIONNAIRE.match(url)
    if match and match.group(1) in instrument_ids():
        return match.group(1)
    return None


def _answer_code(answer: Any, instrument: Instrument, link_id: str) -> str:
    coding = answer.get("valueCoding") if isinstance(answer, dict) else None
    if not isinstance(coding, dict):
        raise FhirError(f"item {link_id!r}: the answer must be a valueCoding")
    system = options_system(instrument.id)
    if coding.get("system") != system:
        raise FhirError(f"item {link_id!r}: answer system {coding.get('system')!r} is not {system}")
    return str(coding.get("code"))


def _offered_codes(questionnaire: Resource | None) -> dict[str, set[str]] | None:
    """linkId -> answer option codes of a Questionnaire in the bundle."""
    if questionnaire is None:
        return None
    offered: dict[str, set[str]] = {}
    for item in questionnaire.get("item", []):
        offered[item.get("linkId")] = {
            str(option.get("valueCoding", {}).get("code"))
            for option in item.get("answerOption", [])
        }
    return offered


def _response_answers(
    response: Resource, instrument: Instrument, offered: dict[str, set[str]] | None = None
) -> list[int | str]:
    """The answer vector of a response in the instrument's item order, checked by ``score``.

    Problems raise :class:`FhirError` whose text starts with the item's path.
    """
    codes: dict[str, str] = {}
    for index, item in enumerate(response.get("item", [])):
        link_id = item.get("linkId")
        if link_id not in instrument.item_ids:
            raise FhirError(
                f"item[{index}]: unknown linkId {link_id!r}; {instrument.id} has "
                f"{', '.join(instrument.item_ids)}"
            )
        if offered is not None and link_id not in offered:
            raise FhirError(f"item {link_id!r}: not an item of the bundled Questionnaire")
        if link_id in codes:
            raise FhirError(f"item {link_id!r}: answered twice")
        if item.get("item"):
            raise FhirError(f"item {link_id!r}: nested items are not part of {instrument.id}")
        answers = item.get("answer", [])
        if len(answers) > 1:
            raise FhirError(f"item {link_id!r}: more than one answer")
        if not answers:
            continue
        code = _answer_code(answers[0], instrument, link_id)
        options = {str(option.code) for option in instrument.item(link_id).options}
        if code not in options or (offered is not None and code not in offered[link_id]):
            raise FhirError(
                f"item {link_id!r}: code {code!r} is not an answer option of "
                f"{instrument.id} {link_id}"
            )
        codes[link_id] = code
    return _answer_vector(instrument, codes)


def _answer_vector(instrument: Instrument, codes: Mapping[str, str]) -> list[int | str]:
    governed = {item_id for rule in instrument.skip_rules for item_id in rule.skip}
    for item in instrument.items:
        if item.id not in codes and item.id not in governed:
            raise FhirError(f"item {item.id!r}: no answer; {instrument.id} {item.id} is required")
    answers: list[int | str] = [
        int(codes[item.id]) if item.id in codes else SKIPPED for item in instrument.items
    ]
    try:
        score(instrument.id, answers)
    except InstrumentError as error:
        path = f"item {error.item!r}: " if error.item else ""
        raise FhirError(f"{path}{error}") from None
    return answers


def _in_place(where: str, error: FhirError) -> FhirError:
    return FhirError(error.problem, where=where)


def _check_subject(resource: Resource, where: str, by_url: Mapping[str, Resource]) -> None:
    subject = resource.get("subject", {}).get("reference")
    if subject is not None and by_url.get(subject, {}).get("resourceType") != "Patient":
        raise FhirError(f"subject: {subject!r} is not a Patient in this bundle", where=where)


def _check_response(
    response: Resource,
    where: str,
    by_url: Mapping[str, Resource],
    questionnaires: Mapping[str, Resource],
) -> None:
    canonical = response.get("questionnaire")
    try:
        instrument_id = instrument_for(canonical)
    except FhirError as error:
        raise _in_place(where, error) from None
    url = canonical.split("|", 1)[0] if isinstance(canonical, str) else None
    if instrument_id is None:
        raise FhirError(
            f"questionnaire: {canonical!r} is not a ketpath instrument",
            where=where,
        )
    _check_subject(response, where, by_url)
    try:
        _response_answers(
            response, get_instrument(instrument_id), _offered_codes(questionnaires.get(url or ""))
        )
    except FhirError as error:
        raise _in_place(where, error) from None


def _check_questionnaire(questionnaire: Resource, where: str) -> None:
    url = questionnaire.get("url")
    try:
        instrument_id = instrument_for(url)
    except FhirError as error:
        raise _in_place(where, error) from None
    if instrument_id is None:
        return
    instrument = get_instrument(instrument_id)
    for index, item in enumerate(questionnaire.get("item", [])):
        if item.get("linkId") not in instrument.item_ids:
            raise FhirError(
                f"item[{index}]: unknown linkId {item.get('linkId')!r} for {instrument_id}",
                where=where,
            )
        options = {str(option.code) for option in instrument.item(item["linkId"]).options}
        for number, option in enumerate(item.get("answerOption", [])):
            code = str(option.get("valueCoding", {}).get("code"))
            if code not in options:
                raise FhirError(
                    f"item[{index}].answerOption[{number}]: code {code!r} is not an option "
                    f"of {instrument_id} {item['linkId']}",
                    where=where,
                )


def _has_coding(concept: Any, system: str, code: str) -> bool:
    codings = concept.get("coding", []) if isinstance(concept, dict) else []
    return any(
        isinstance(coding, dict) and (coding.get("system"), coding.get("code")) == (system, code)
        for coding in codings
    )


def _is_follow_up(resource: Resource) -> bool:
    """An Observation coded as one of our red-flag follow-ups."""
    return resource.get("resourceType") == "Observation" and _has_coding(
        resource.get("code"), FOLLOW_UP_SYSTEM, "red-flag-follow-up"
    )


def _code_in(concept: Any, system: str, path: str) -> str:
    """The one code of ``system`` in a CodeableConcept; other systems' codings may stand beside it."""
    codings = concept.get("coding", []) if isinstance(concept, dict) else []
    codes = [c.get("code") for c in codings if isinstance(c, dict) and c.get("system") == system]
    if len(codes) != 1 or not isinstance(codes[0], str):
        raise FhirError(f"{path}: needs exactly one coding in {system}")
    return codes[0]


def _follow_up_record(observation: Resource) -> FollowUp:
    """The follow-up record a follow-up Observation codes; a problem names its path."""
    effective = observation.get("effectiveDateTime")
    if not isinstance(effective, str) or "T" not in effective:
        raise FhirError("effectiveDateTime: needs a date and time with a UTC offset")
    outcome_path = "valueCodeableConcept"
    outcome = _code_in(observation.get(outcome_path), FOLLOW_UP_OUTCOME_SYSTEM, outcome_path)
    flagged = [
        index
        for index, component in enumerate(observation.get("component", []))
        if isinstance(component, dict)
        and _has_coding(component.get("code"), FOLLOW_UP_SYSTEM, "red-flag")
    ]
    if len(flagged) != 1:
        raise FhirError(f"component: needs exactly one {FOLLOW_UP_SYSTEM}#red-flag component")
    flag_path = f"component[{flagged[0]}].valueCodeableConcept"
    component = observation["component"][flagged[0]]
    flag = _code_in(component.get("valueCodeableConcept"), RED_FLAG_SYSTEM, flag_path)
    data = {"type": "follow-up", "time": effective, "flag": flag, "outcome": outcome}
    try:
        record = parse_record(data)
    except RecordError as error:
        paths = {"time": "effectiveDateTime", "flag": flag_path, "outcome": outcome_path}
        field = paths.get(error.field or "", error.field)
        raise FhirError(f"{field}: {error.problem}" if field else error.problem) from None
    assert isinstance(record, FollowUp)
    return record


def _check_follow_up(observation: Resource, where: str, by_url: Mapping[str, Resource]) -> None:
    _check_subject(observation, where, by_url)
    try:
        _follow_up_record(observation)
    except FhirError as error:
        raise _in_place(where, error) from None


def _observed_total(observation: Resource) -> float | None:
    if "valueInteger" in observation:
        return float(observation["valueInteger"])
    quantity = observation.get("valueQuantity")
    return float(quantity["value"]) if isinstance(quantity, dict) and "value" in quantity else None


@cache
def _total_codes() -> dict[tuple[str, str], str]:
    """(system, code) of every instrument's total score -> the instrument id."""
    codes: dict[tuple[str, str], str] = {}
    for instrument_id in instrument_ids():
        codes[SCORE_SYSTEM, f"{instrument_id}-total"] = instrument_id
        total = get_instrument(instrument_id).loinc.total
        if total:
            codes[LOINC, total] = instrument_id
    return codes


def _total_instrument(observation: Resource) -> str | None:
    """The instrument whose total score this Observation codes, if any."""
    for coding in observation.get("code", {}).get("coding", []):
        key = (coding.get("system"), coding.get("code"))
        if key in _total_codes():
            return _total_codes()[key]
    return None


def _check_observation(observation: Resource, where: str, by_url: Mapping[str, Resource]) -> None:
    """A total score derived from a response in the bundle must equal that response's score."""
    instrument_id = _total_instrument(observation)
    if instrument_id is None:
        return
    for index, source in enumerate(observation.get("derivedFrom", [])):
        response = by_url.get(source.get("reference", ""))
        if response is None or response.get("resourceType") != "QuestionnaireResponse":
            raise FhirError(
                f"derivedFrom[{index}]: {source.get('reference')!r} is not a "
                "QuestionnaireResponse in this bundle",
                where=where,
            )
        if instrument_for(response.get("questionnaire")) != instrument_id:
            raise FhirError(
                f"derivedFrom[{index}]: the response is not to {instrument_id}", where=where
            )
        expected = score(instrument_id, _response_answers(response, get_instrument(instrument_id)))
        observed = _observed_total(observation)
        if observed is None or not math.isclose(observed, expected.total):
            raise FhirError(
                f"value: {observed} is not the total {expected.total} of its QuestionnaireResponse",
                where=where,
            )


def check_bundle(bundle: Mapping[str, Any]) -> None:
    """Check a Bundle with fhir.resources, then the rules it does not know.

    Coded values of our systems (and LOINC codes) must be in our value sets;
    every QuestionnaireResponse must be to one of our instruments, use its
    linkIds and answer options (and those of the bundled Questionnaire), and
    answer what the skip rules require; a total-score Observation must equal
    the score of the response it is derived from; a follow-up Observation must
    make a valid follow-up record. Raises :class:`FhirError`.
    """
    problem = _nesting_problem(bundle)
    if problem is not None:
        raise FhirError(problem)
    data = dict(bundle)
    if data.get("resourceType") != "Bundle":
        raise FhirError(f"resourceType: expected 'Bundle', got {data.get('resourceType')!r}")
    # Entries first: fhir.resources raises KeyError, not a validation error, on an unknown type.
    pairs = _entries(data)
    _validate_structure(data)
    entries = [resource for _entry, resource in pairs]
    by_url = {entry["fullUrl"]: resource for entry, resource in pairs if entry.get("fullUrl")}
    questionnaires = {
        resource["url"]: resource
        for resource in entries
        if resource.get("resourceType") == "Questionnaire" and resource.get("url")
    }
    for index, resource in enumerate(entries):
        where = _entry_name(index, resource)
        kind = resource.get("resourceType")
        if kind == "Questionnaire":
            _check_questionnaire(resource, where)
        elif kind == "QuestionnaireResponse":
            _check_response(resource, where, by_url, questionnaires)
        elif _is_follow_up(resource):
            _check_follow_up(resource, where, by_url)
        _check_codings(resource, where)
    # Observations last: the responses they are derived from are known to be valid by then.
    for index, resource in enumerate(entries):
        if resource.get("resourceType") == "Observation":
            _check_observation(resource, _entry_name(index, resource), by_url)


# ---------------------------------------------------------------- import


def _nesting_problem_in_text(text: str) -> str | None:
    """Arrays and objects nested deeper than :data:`MAX_NESTING`, counted without recursing."""
    depth = 0
    for token in _JSON_TOKEN.finditer(text):
        if token.lastgroup == "open":
            depth += 1
            if depth > MAX_NESTING:
                line = text.count("\n", 0, token.start()) + 1
                return _too_deep(f" (line {line})")
        elif token.lastgroup == "close":
            depth -= 1
    return None


def _nesting_problem(document: object) -> str | None:
    """The same limit for data already parsed (a mapping handed to us), walked with a stack."""
    stack: list[tuple[object, int]] = [(document, 1)]
    while stack:
        node, depth = stack.pop()
        children: Iterable[object]
        if isinstance(node, Mapping):
            children = node.values()
        elif isinstance(node, list | tuple):
            children = node
        else:
            continue
        if depth > MAX_NESTING:
            return _too_deep("")
        stack.extend((child, depth + 1) for child in children)
    return None


def _too_deep(place: str) -> str:
    return f"arrays and objects are nested more than {MAX_NESTING} deep{place}, deeper than any FHIR resource"


def _load(data: str | bytes | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON object, refused before parsing when it nests deeper than :data:`MAX_NESTING`."""
    if isinstance(data, Mapping):
        problem = _nesting_problem(data)
        if problem is not None:
            raise FhirError(problem)
        return dict(data)
    try:
        # As json.loads does with bytes: UTF-8, -16 or -32, told apart by the first bytes.
        text = (
            data.decode(json.detect_encoding(data), "surrogatepass")
            if isinstance(data, bytes)
            else data
        )
    except UnicodeDecodeError as error:
        raise FhirError(f"not valid JSON ({error})") from None
    problem = _nesting_problem_in_text(text)
    if problem is not None:
        raise FhirError(problem)
    try:
        loaded = json.loads(text)
    except json.JSONDecodeError as error:
        raise FhirError(f"not valid JSON ({error})") from None
    if not isinstance(loaded, dict):
        raise FhirError("expected a JSON object (a Bundle or a QuestionnaireResponse)")
    return loaded


def _entry_resource(index: int, entry: object) -> Resource:
    """The resource of a Bundle entry; an entry that is not an object holding one is refused."""
    where = f"entry[{index}]"
    if not isinstance(entry, dict):
        raise FhirError(f"expected an object, got {_json_kind(entry)}", where=where)
    resource = entry.get("resource")
    if resource is None:
        raise FhirError("resource: missing (every entry must carry a resource)", where=where)
    if not isinstance(resource, dict):
        raise FhirError(f"resource: expected an object, got {_json_kind(resource)}", where=where)
    problem = _resource_type_problem(resource.get("resourceType"))
    if problem is not None:
        raise FhirError(f"resource.{problem}", where=where)
    return resource


def _entries(bundle: Mapping[str, Any]) -> list[tuple[dict[str, Any], Resource]]:
    """Every entry of a Bundle with its resource, after the checks of :func:`_entry_resource`."""
    entries = bundle.get("entry", [])
    if not isinstance(entries, list):
        raise FhirError(f"entry: expected an array, got {_json_kind(entries)}")
    return [(entry, _entry_resource(index, entry)) for index, entry in enumerate(entries)]


def _resources(document: dict[str, Any]) -> Iterator[tuple[str, Resource]]:
    """Every resource of the document, each one valid FHIR R4 (fhir.resources) or refused."""
    kind = document.get("resourceType")
    if kind == "QuestionnaireResponse":
        where = _entry_name(None, document)
        _validate_structure(document, where=where)
        yield where, document
        return
    if kind != "Bundle":
        raise FhirError(f"resourceType: expected 'Bundle' or 'QuestionnaireResponse', got {kind!r}")
    entries = _entries(document)
    # The Bundle's own fields, then each entry's, then each resource: every error names its entry.
    shell = {key: value for key, value in document.items() if key != "entry"}
    _validate_structure(shell, where=_entry_name(None, document))
    for index, (entry, resource) in enumerate(entries):
        entry_shell = {key: value for key, value in entry.items() if key != "resource"}
        _validate_structure(entry_shell, where=f"entry[{index}]", model="BundleEntry")
        where = _entry_name(index, resource)
        _validate_structure(resource, where=where)
        yield where, resource


def _record_from_response(response: Resource, instrument_id: str) -> Questionnaire:
    status = response.get("status")
    if status not in ACCEPTED_STATUSES:
        raise FhirError(
            f"status: {status!r}; only {' or '.join(ACCEPTED_STATUSES)} responses are imported"
        )
    authored = response.get("authored")
    if not isinstance(authored, str) or "T" not in authored:
        raise FhirError("authored: needs a date and time with a UTC offset")
    answers = _response_answers(response, get_instrument(instrument_id))
    data = {"type": "questionnaire", "time": authored, "instrument": instrument_id}
    try:
        record = parse_record({**data, "answers": answers})
    except RecordError as error:
        field = {"time": "authored", "answers": "item"}.get(error.field or "", error.field)
        raise FhirError(f"{field}: {error.problem}" if field else error.problem) from None
    assert isinstance(record, Questionnaire)
    return record


def _record_from_follow_up(observation: Resource) -> FollowUp:
    status = observation.get("status")
    if status not in ACCEPTED_OBSERVATION_STATUSES:
        raise FhirError(
            f"status: {status!r}; only {', '.join(ACCEPTED_OBSERVATION_STATUSES)} "
            "follow-ups are imported"
        )
    return _follow_up_record(observation)


def _identifiers(resource: Resource) -> list[Any]:
    found = resource.get("identifier")
    if isinstance(found, dict):  # QuestionnaireResponse.identifier is 0..1
        return [found]
    return found if isinstance(found, list) else []


def _is_our_patient(resource: Resource) -> bool:
    return resource.get("resourceType") == "Patient" and any(
        isinstance(identifier, dict) and identifier.get("system") == PSEUDONYM_SYSTEM
        for identifier in _identifiers(resource)
    )


def _record_id(resource: Resource) -> str | None:
    """The record id a resource carries in ``urn:ketpath:record``, or None."""
    values = [
        identifier.get("value")
        for identifier in _identifiers(resource)
        if isinstance(identifier, dict) and identifier.get("system") == RECORD_SYSTEM
    ]
    if not values:
        return None
    if len(values) > 1:
        raise FhirError(f"identifier: more than one {RECORD_SYSTEM} identifier")
    value = values[0]
    if not isinstance(value, str) or not re.match(RECORD_ID_PATTERN, value):
        raise FhirError(
            f"identifier: {value!r} is not a ketpath record id (letters, digits and . _ : -)"
        )
    return value


def _profile_from_patient(patient: Resource) -> Profile | None:
    """The sex and birth year of our Patient as a profile, or None when it states neither."""
    data: dict[str, Any] = {"type": "profile"}
    gender = patient.get("gender")
    if gender in SEXES:
        data["sex"] = SEXES[gender]
    birth_date = patient.get("birthDate")
    if isinstance(birth_date, str) and birth_date[:4].isdigit():
        data["birth_year"] = int(birth_date[:4])
    if len(data) == 1:
        return None
    try:
        record = parse_record(data)
    except RecordError as error:
        field = {"sex": "gender", "birth_year": "birthDate"}.get(error.field or "", error.field)
        raise FhirError(f"{field}: {error.problem}") from None
    assert isinstance(record, Profile)
    return record


def _record_from(resource: Resource) -> Record | None:
    """The record one (structurally valid) resource carries, or None when it is not one of ours."""
    record: Record | None = None
    if resource.get("resourceType") == "QuestionnaireResponse":
        instrument_id = instrument_for(resource.get("questionnaire"))
        if instrument_id is not None:
            record = _record_from_response(resource, instrument_id)
    elif _is_follow_up(resource):
        record = _record_from_follow_up(resource)
    elif _is_our_patient(resource):
        record = _profile_from_patient(resource)
        if record is None:
            return None
    if record is None:
        return None
    record_id = _record_id(resource)
    return with_id(record, record_id) if record_id is not None else record


@dataclass(frozen=True, kw_only=True)
class FhirRead:
    """What a FHIR document gave: our records, and how many resources of each type we skipped."""

    records: list[Record]
    skipped: dict[str, int]
    """Resource type -> how many valid resources of it we do not read, most first."""

    def skipped_summary(self) -> str | None:
        """``skipped 3 resources we do not read: 2 Condition, 1 Encounter``, or None."""
        return _skipped_words(self.skipped)


def _skipped_words(skipped: Mapping[str, int]) -> str | None:
    total = sum(skipped.values())
    if not total:
        return None
    kinds = ", ".join(f"{count} {kind}" for kind, count in skipped.items())
    resources = "resource" if total == 1 else "resources"
    return f"skipped {total} {resources} we do not read: {kinds}"


def read_fhir(data: str | bytes | Mapping[str, Any]) -> FhirRead:
    """Questionnaire, follow-up and profile records from a FHIR JSON Bundle or a QuestionnaireResponse.

    Only responses to our instruments, our red-flag follow-up Observations
    and our Patient's sex and birth year are read (see the module notes); every other resource must still be valid
    FHIR R4 and is counted in :attr:`FhirRead.skipped`, never dropped unseen.
    All-or-nothing: the first problem -- nesting deeper than
    :data:`MAX_NESTING`, an entry that is not an object or has no resource, a
    resource without a known ``resourceType`` or failing fhir.resources
    validation, or one of ours that is wrong -- raises :class:`FhirError`
    naming the entry and the field, and nothing is returned.
    """
    records: list[Record] = []
    skipped: Counter[str] = Counter()
    ours = False
    for where, resource in _resources(_load(data)):
        try:
            record = _record_from(resource)
        except FhirError as error:
            raise _in_place(where, error) from None
        ours = ours or _is_our_patient(resource)
        if record is not None:
            records.append(record)
        elif not _is_our_patient(resource):
            skipped[str(resource["resourceType"])] += 1
    by_count = dict(sorted(skipped.items(), key=lambda item: (-item[1], item[0])))
    if not records and not ours:
        found = _skipped_words(by_count)
        raise FhirError(
            "no QuestionnaireResponse for a ketpath instrument or red-flag follow-up found"
            + (f" ({found.removeprefix('skipped ')})" if found else "")
        )
    return FhirRead(records=records, skipped=by_count)


def is_fhir_document(text: str) -> bool:
    """Whether a file is one FHIR JSON resource (a Bundle, a response) rather than JSONL.

    A JSONL line is a JSON object too, so the first non-blank line decides: a
    whole object on it is FHIR when it has a ``resourceType`` (compact JSON)
    and a JSONL record otherwise; a line that is not a whole object starts a
    pretty-printed document, FHIR when ``resourceType`` appears near the top.
    Only the first line is parsed, so a large JSONL file costs nothing here,
    and a malformed FHIR file still reaches :func:`read_fhir`'s messages.
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    if not first.lstrip().startswith("{"):
        return False
    try:
        document = json.loads(first)
    except (ValueError, RecursionError):
        return '"resourceType"' in text[:4096]
    return isinstance(document, dict) and "resourceType" in document


def records_from_fhir(data: str | bytes | Mapping[str, Any]) -> list[Record]:
    """The records of :func:`read_fhir` alone (what it skipped is not reported)."""
    return read_fhir(data).records
