"""FHIR export: a person's records as a ``collection`` Bundle (:func:`bundle_for`).

The coding choices and the determinism of ids are described in :mod:`ketpath.interop.fhir`.
"""

from __future__ import annotations

import calendar
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

from ketpath.core.instruments import Instrument, Score, get_instrument, score
from ketpath.core.records import (
    FollowUp,
    Profile,
    Questionnaire,
    Record,
    Use,
    latest_profile,
    profile_zone,
    record_to_json,
    sorted_records,
)

# ---------------------------------------------------------------- export
from ketpath.interop.fhir.checks import check_bundle
from ketpath.interop.fhir.codes import (
    FOLLOW_UP_CODES,
    FOLLOW_UP_OUTCOME_SYSTEM,
    FOLLOW_UP_SYSTEM,
    GENDERS,
    LOINC,
    NAMESPACE,
    ORDINAL_VALUE,
    PSEUDONYM_SYSTEM,
    RECORD_SYSTEM,
    RED_FLAG_SYSTEM,
    SCORE_SYSTEM,
    SUMMARISED_SUBSTANCE,
    UCUM,
    USE_CODES,
    USE_SYSTEM,
    Resource,
    _category,
    _coding,
    _number,
    _route_code,
    bands_system,
    options_system,
    questionnaire_url,
)
from ketpath.knowledge import rules, vocabulary


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
    zone = profile_zone(profile)
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
