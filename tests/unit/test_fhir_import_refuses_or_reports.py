"""FHIR import (issue 11, point 14): deep nesting is bad input, malformed entries are refused,
and valid resources of types we do not read are reported, never dropped unseen."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from histories import follow_up, questionnaire
from ketpath.interop.fhir import (
    MAX_NESTING,
    FhirError,
    bundle_for,
    check_bundle,
    pseudonym_for,
    read_fhir,
    records_from_fhir,
)

PHQ9 = questionnaire(1, "phq9", [1, 1, 0, 2, 1, 0, 0, 1, 0])
CONDITION = {
    "resourceType": "Condition",
    "subject": {"reference": "Patient/1"},
    "code": {"text": "something a clinic recorded"},
}
ENCOUNTER = {"resourceType": "Encounter", "status": "finished", "class": {"code": "AMB"}}


def phq9_bundle() -> dict[str, Any]:
    return bundle_for([PHQ9], pseudonym=pseudonym_for("alice"))


def with_entry(entry: object) -> tuple[dict[str, Any], int]:
    """Our PHQ-9 bundle with ``entry`` appended; returns the bundle and the entry's index."""
    bundle = phq9_bundle()
    bundle["entry"].append(entry)
    return bundle, len(bundle["entry"]) - 1


def nested(depth: int) -> str:
    """A QuestionnaireResponse whose ``item`` holds arrays nested ``depth`` deep in all."""
    return (
        '{"resourceType": "QuestionnaireResponse", "item": '
        + "[" * (depth - 1)
        + "]" * (depth - 1)
        + "}"
    )


# ---------------------------------------------------------------- nesting


def test_a_hundred_thousand_deep_array_is_bad_input_not_a_recursion_error() -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(FhirError, match=f"nested more than {MAX_NESTING} deep"):
        records_from_fhir(text)


def test_deep_nesting_inside_a_bundle_is_refused_as_text_bytes_and_parsed_data() -> None:
    bundle = phq9_bundle()
    text = json.dumps(bundle)[:-1] + ', "meta": {"tag": ' + "[" * 5000 + "]" * 5000 + "}}"
    for data in (text, text.encode()):
        with pytest.raises(FhirError, match=r"nested more than 100 deep \(line 1\)"):
            read_fhir(data)
    deep: Any = []
    for _ in range(5000):
        deep = [deep]
    bundle["meta"] = {"tag": deep}
    for check in (read_fhir, check_bundle):
        with pytest.raises(FhirError, match="nested more than 100 deep"):
            check(bundle)


def test_nesting_is_counted_outside_strings_only() -> None:
    response = json.loads(json.dumps(bundle_for([PHQ9], pseudonym="p")))["entry"][2]["resource"]
    response["meta"] = {"tag": [{"display": '{"quoted" [' + "[" * 300 + "\\"}]}
    (record,) = records_from_fhir(json.dumps(response))
    assert record == PHQ9


def test_nesting_up_to_the_limit_is_parsed_and_past_it_is_refused() -> None:
    with pytest.raises(FhirError, match="item"):  # parsed, then refused for what it holds
        records_from_fhir(nested(MAX_NESTING))
    with pytest.raises(FhirError, match="nested more than"):
        records_from_fhir(nested(MAX_NESTING + 1))


# ---------------------------------------------------------------- malformed entries


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (5, "expected an object, got a number"),
        (["resource"], "expected an object, got an array"),
        ({"fullUrl": "urn:uuid:1"}, "resource: missing"),
        ({"resource": None}, "resource: missing"),
        ({"resource": "Condition"}, "resource: expected an object, got a string"),
        ({"resource": {"id": "c1"}}, "resource.resourceType: missing"),
        ({"resource": {"resourceType": "Conditoin"}}, "'Conditoin' is not a FHIR R4 resource type"),
        ({"resource": {"resourceType": "Quantity"}}, "'Quantity' is not a FHIR R4 resource type"),
        ({"resource": {"resourceType": 7}}, "7 is not a FHIR R4 resource type"),
        ({"fullUrl": 5, "resource": CONDITION}, "fullUrl: Input should be a valid string"),
    ],
)
def test_a_malformed_entry_refuses_the_whole_bundle_naming_it(entry: object, message: str) -> None:
    bundle, index = with_entry(entry)
    with pytest.raises(FhirError) as raised:
        records_from_fhir(json.dumps(bundle))
    assert str(raised.value).startswith(f"entry[{index}]: ")
    assert message in str(raised.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": 5}, "subject: expected an object, got a number"),
        ({"code": "a condition"}, "code: expected an object, got a string"),
        ({"note": {"text": "a note"}}, "note: Input should be a valid list"),
        ({"recordedDate": [1]}, "recordedDate: Input should be a valid datetime"),
        ({"onsetAge": {"value": "ten"}}, "onsetAge.value: "),
        ({"unknownField": 1}, "unknownField: Extra inputs are not permitted"),
        ({"contained": [{"resourceType": "Foo"}]}, "resourceType that is not a FHIR R4 resource"),
    ],
)
def test_a_resource_we_do_not_read_must_still_be_valid_fhir(
    change: dict[str, Any], message: str
) -> None:
    bundle, index = with_entry({"resource": {**CONDITION, "id": "c1", **change}})
    with pytest.raises(FhirError) as raised:
        records_from_fhir(bundle)
    assert str(raised.value).startswith(f"entry[{index}] Condition/c1: ")
    assert message in str(raised.value)


def test_the_bundle_itself_must_be_valid_fhir() -> None:
    bundle = phq9_bundle()
    del bundle["type"]
    with pytest.raises(FhirError, match=r"^Bundle/\S+: type: .*required"):
        records_from_fhir(bundle)
    bundle = phq9_bundle()
    bundle["entry"] = {"resource": CONDITION}
    with pytest.raises(FhirError, match=r"^entry: expected an array, got an object"):
        records_from_fhir(bundle)


def test_a_bad_entry_after_good_responses_still_returns_nothing() -> None:
    bundle = bundle_for(
        [PHQ9, questionnaire(2, "gad7", [1] * 7), follow_up(3, "blood-in-urine")],
        pseudonym="p",
    )
    bundle["entry"].append({"resource": {"id": "lost"}})
    with pytest.raises(FhirError, match=r"entry\[\d+\]: resource.resourceType: missing"):
        read_fhir(bundle)


def test_check_bundle_refuses_malformed_entries_as_import_does() -> None:
    for entry in ({"fullUrl": "urn:uuid:1"}, 5, {"resource": {"resourceType": "Foo"}}):
        bundle, index = with_entry(entry)
        with pytest.raises(FhirError, match=rf"^entry\[{index}\]: "):
            check_bundle(bundle)


# ---------------------------------------------------------------- reporting what is skipped


def test_valid_resources_we_do_not_read_are_counted_by_type() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [
            {"resource": CONDITION},
            *[{"resource": entry["resource"]} for entry in phq9_bundle()["entry"][2:3]],
            {"resource": ENCOUNTER},
            {"resource": {**CONDITION, "id": "c2"}},
        ],
    }
    read = read_fhir(json.dumps(bundle))
    assert read.records == [PHQ9]
    assert read.skipped == {"Condition": 2, "Encounter": 1}
    assert read.skipped_summary() == "skipped 3 resources we do not read: 2 Condition, 1 Encounter"


def test_our_own_export_reports_the_resources_it_carries_besides_responses() -> None:
    read = read_fhir(bundle_for([PHQ9], pseudonym="p"))
    assert read.records == [PHQ9]
    # Our own Patient is read (issue 12: its sex and birth year), so it is not skipped.
    assert read.skipped == {"Observation": 1, "Questionnaire": 1}


def test_nothing_skipped_says_nothing() -> None:
    response = copy.deepcopy(phq9_bundle()["entry"][2]["resource"])
    read = read_fhir(response)
    assert (read.skipped, read.skipped_summary()) == ({}, None)


def test_a_bundle_of_only_other_resources_says_what_it_held() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": [{"resource": ENCOUNTER}]}
    with pytest.raises(
        FhirError, match=r"no QuestionnaireResponse .* found \(1 resource we do not"
    ):
        read_fhir(bundle)
