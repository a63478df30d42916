"""FHIR names and codes: our systems, value sets, and the error every FHIR problem raises.

The coding choices are described in :mod:`ketpath.interop.fhir`.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from functools import cache
from typing import Any

from ketpath.core.instruments import get_instrument, instrument_ids
from ketpath.errors import BadInput
from ketpath.knowledge import rules, vocabulary

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
