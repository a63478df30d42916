"""FHIR bundles of ours always re-import, with their record ids and the Patient's profile.

Issue 12, points 1 and 4: identifiers carry each record's id out and back;
an empty bundle (a person with no questionnaires) imports as 0 records; the
Patient's sex and birth year return as a profile; our Questionnaires have
http(s) canonical URLs, the old ``urn:`` form still reads; a canonical with a
space in it is refused as the R4 schema refuses it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ketpath.core.records import Profile, parse_record, with_content_ids
from ketpath.interop.fhir import (
    RECORD_SYSTEM,
    FhirError,
    bundle_for,
    is_fhir_document,
    read_fhir,
)

RECORD_DATA: list[dict[str, Any]] = [
    {"type": "profile", "sex": "female", "birth_year": 1990, "timezone": "Europe/London"},
    {
        "type": "questionnaire",
        "time": "2026-05-01T10:00:00+01:00",
        "instrument": "phq9",
        "answers": [1] * 9,
    },
    {
        "type": "follow-up",
        "time": "2026-05-02T10:00:00+01:00",
        "flag": "phq9-item9",
        "outcome": "seen-by-doctor",
    },
]
RECORDS = with_content_ids([parse_record(data) for data in RECORD_DATA])


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def test_each_record_goes_out_with_its_id_and_comes_back_with_it() -> None:
    bundle = bundle_for(RECORDS, pseudonym="kp-test")
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert response["identifier"] == {"system": RECORD_SYSTEM, "value": RECORDS[1].id}
    read = read_fhir(json.dumps(bundle))
    assert sorted(str(r.id) for r in read.records) == sorted(str(r.id) for r in RECORDS)


def test_the_patient_comes_back_as_a_profile_with_sex_and_birth_year() -> None:
    read = read_fhir(bundle_for(RECORDS, pseudonym="kp-test"))
    (profile,) = [r for r in read.records if isinstance(r, Profile)]
    assert (profile.sex, profile.birth_year, profile.id) == ("female", 1990, RECORDS[0].id)


def test_an_empty_bundle_of_ours_reads_as_no_records() -> None:
    read = read_fhir(json.dumps(bundle_for([], pseudonym="kp-test")))
    assert read.records == []


def test_a_foreign_document_with_nothing_we_read_is_still_refused() -> None:
    bundle = {"resourceType": "Bundle", "type": "collection", "entry": []}
    with pytest.raises(FhirError, match="no QuestionnaireResponse"):
        read_fhir(bundle)


def test_our_questionnaires_have_an_https_canonical_url() -> None:
    bundle = bundle_for(RECORDS, pseudonym="kp-test")
    (questionnaire,) = resources(bundle, "Questionnaire")
    (response,) = resources(bundle, "QuestionnaireResponse")
    assert questionnaire["url"] == "https://ketpath.example/fhir/Questionnaire/phq9"
    assert response["questionnaire"] == questionnaire["url"]


def test_a_bundle_made_before_with_the_urn_canonical_still_imports() -> None:
    bundle = bundle_for(RECORDS, pseudonym="kp-test")
    (questionnaire,) = resources(bundle, "Questionnaire")
    (response,) = resources(bundle, "QuestionnaireResponse")
    questionnaire["url"] = response["questionnaire"] = "urn:ketpath:questionnaire:phq9"
    assert len(read_fhir(bundle).records) == 3


@pytest.mark.parametrize(
    "canonical",
    [
        "urn:ketpath:questionnaire:phq9|PHQ-9 2001",
        "https://ketpath.example/fhir/Questionnaire/phq9 ",
    ],
)
def test_a_questionnaire_canonical_with_a_space_is_refused(canonical: str) -> None:
    bundle = bundle_for(RECORDS, pseudonym="kp-test")
    (response,) = resources(bundle, "QuestionnaireResponse")
    with pytest.raises(FhirError, match="holds a space, which a FHIR canonical URL may not"):
        read_fhir({**response, "questionnaire": canonical})


def test_a_fhir_document_is_told_apart_from_jsonl() -> None:
    pretty = json.dumps(bundle_for(RECORDS, pseudonym="kp-test"), indent=2)
    assert is_fhir_document(pretty)
    assert is_fhir_document(json.dumps(bundle_for([], pseudonym="kp-test")))
    assert not is_fhir_document('{"type":"use","time":"2026-05-01T23:10:00+01:00"}\n')
    assert not is_fhir_document("time,route\n")
