"""FHIR checks: structure with ``fhir.resources``, then the rules it does not know (:func:`check_bundle`).

Shared by export (every bundle is checked before it is returned) and import.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any

from pydantic import ValidationError

from ketpath.core.instruments import (
    SKIPPED,
    Instrument,
    InstrumentError,
    get_instrument,
    instrument_ids,
    score,
)
from ketpath.core.records import FollowUp, RecordError, parse_record
from ketpath.interop.fhir.codes import (
    FOLLOW_UP_OUTCOME_SYSTEM,
    FOLLOW_UP_SYSTEM,
    LEGACY_QUESTIONNAIRE_PREFIX,
    LOINC,
    OUR_PREFIX,
    RED_FLAG_SYSTEM,
    SCORE_SYSTEM,
    FhirError,
    Resource,
    options_system,
    questionnaire_url,
    value_sets,
)

_RESTFUL_QUESTIONNAIRE = re.compile(r"^https?://\S+/Questionnaire/([a-z0-9][a-z0-9-]*)$")
_RESOURCE_TYPE = re.compile(r"^[A-Z][A-Za-z]{1,63}$")
_ABSTRACT_RESOURCES = frozenset({"Resource", "DomainResource"})
MAX_NESTING = 100
"""Deepest nesting of arrays and objects an import accepts. Our own bundles reach about 10;
the limit is checked before any parser recurses, so deeper input is bad input, not a crash."""
# A JSON string (skipped whole, so brackets inside it do not count), or a bracket.
_JSON_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)

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


# ---------------------------------------------------------------- nesting and entries (import uses them too)


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
