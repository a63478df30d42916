"""FHIR import: records from a Bundle or a bare QuestionnaireResponse (:func:`read_fhir`).

What is read and what is refused is described in :mod:`ketpath.interop.fhir`.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from ketpath.core.instruments import get_instrument
from ketpath.core.records import (
    RECORD_ID_PATTERN,
    FollowUp,
    Profile,
    Questionnaire,
    Record,
    RecordError,
    parse_record,
    with_id,
)
from ketpath.interop.fhir.checks import (
    _entries,
    _entry_name,
    _follow_up_record,
    _in_place,
    _is_follow_up,
    _nesting_problem,
    _nesting_problem_in_text,
    _response_answers,
    _validate_structure,
    instrument_for,
)
from ketpath.interop.fhir.codes import (
    ACCEPTED_OBSERVATION_STATUSES,
    ACCEPTED_STATUSES,
    PSEUDONYM_SYSTEM,
    RECORD_SYSTEM,
    SEXES,
    FhirError,
    Resource,
)


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
