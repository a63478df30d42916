"""FHIR export and import through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle

from histories import follow_up, questionnaire, without_ids
from ketpath.core.instruments import score
from ketpath.core.records import FollowUp, Profile, Questionnaire, Record
from ketpath.interop.fhir import FhirError, pseudonym_for, records_from_fhir
from ketpath.services import (
    OPERATOR,
    Database,
    PersonNotFound,
    export_records,
    import_records,
    list_people,
)
from ketpath.services.fhir import export_fhir, import_fhir

THREE = [
    questionnaire(1, "phq9", [1, 2, 0, 1, 3, 0, 1, 0, 0]),
    questionnaire(2, "assist", [0, "-", "-", "-", 2, 1]),
    questionnaire(3, "gad7", [0, 1, 2, 3, 0, 1, 2]),
]


FOLLOW_UPS = [
    follow_up(4, "blood-in-urine"),
    follow_up(5, "high-risk-co-use", "resolved"),
    follow_up(6, "suicidal-thoughts"),
]


def _questionnaires(records: list[Record]) -> list[Questionnaire]:
    """The questionnaires by what they say (their ids compared apart, where it matters)."""
    return sorted((r for r in without_ids(records) if isinstance(r, Questionnaire)), key=repr)


def _stored(db: Database) -> int:
    return sum(person.records for person in list_people(db))


def test_export_validates_and_reimports_to_the_same_scores(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", [*alice_records, *THREE], author=OPERATOR)
    bundle = export_fhir(db, "alice")
    Bundle.model_validate(bundle)
    back = _questionnaires(list(records_from_fhir(json.dumps(bundle))))
    originals = _questionnaires([*alice_records, *THREE])
    assert back == originals
    assert [score(r.instrument, r.answers) for r in back] == [
        score(r.instrument, r.answers) for r in originals
    ]


def test_import_fhir_stores_the_responses_for_the_named_person(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", [*alice_records, *THREE], author=OPERATOR)
    result = import_fhir(db, "clinic-copy", json.dumps(export_fhir(db, "alice")))
    # Five questionnaires, and her profile: the Patient's sex and birth year.
    assert (result.person, result.count, result.created_person) == ("clinic-copy", 6, True)
    copied = export_records(db, "clinic-copy")
    assert _questionnaires(copied) == _questionnaires([*alice_records, *THREE])
    [profile] = [r for r in copied if isinstance(r, Profile)]
    assert (profile.sex, profile.birth_year) == ("female", 1998)


def test_one_bad_response_in_a_bundle_of_three_stores_nothing(db: Database) -> None:
    import_records(db, "alice", THREE)
    bundle: dict[str, Any] = export_fhir(db, "alice")
    before = _stored(db)
    last = max(
        i
        for i, entry in enumerate(bundle["entry"])
        if entry["resource"]["resourceType"] == "QuestionnaireResponse"
    )
    del bundle["entry"][last]["resource"]["item"][0]
    with pytest.raises(FhirError, match=rf"^entry\[{last}\] QuestionnaireResponse/"):
        import_fhir(db, "bob", bundle)
    assert _stored(db) == before
    assert [person.name for person in list_people(db)] == ["alice"]


def test_two_exports_are_byte_identical(db: Database, alice_records: list[Record]) -> None:
    import_records(db, "alice", [*alice_records, *THREE], author=OPERATOR)
    first = json.dumps(export_fhir(db, "alice"), sort_keys=True)
    assert json.dumps(export_fhir(db, "alice"), sort_keys=True) == first


def test_the_export_names_the_person_only_by_pseudonym(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "Alice Example", alice_records, author=OPERATOR)
    text = json.dumps(export_fhir(db, " Alice Example "), ensure_ascii=False)
    assert "Alice" not in text and "Example" not in text
    assert pseudonym_for("Alice Example") in text


def test_exporting_an_unknown_person_is_refused(db: Database) -> None:
    with pytest.raises(PersonNotFound):
        export_fhir(db, "nobody")


def test_importing_for_an_unknown_person_without_create_is_refused(db: Database) -> None:
    import_records(db, "alice", THREE)
    bundle = export_fhir(db, "alice")
    with pytest.raises(PersonNotFound):
        import_fhir(db, "nobody", bundle, create=False)
    assert [person.name for person in list_people(db)] == ["alice"]


def _follow_ups(records: list[Record]) -> list[FollowUp]:
    return sorted((r for r in without_ids(records) if isinstance(r, FollowUp)), key=repr)


def test_follow_ups_go_out_and_come_back_for_another_person(
    db: Database, alice_records: list[Record]
) -> None:
    import_records(db, "alice", [*alice_records, *THREE, *FOLLOW_UPS], author=OPERATOR)
    bundle = export_fhir(db, "alice")
    Bundle.model_validate(bundle)
    result = import_fhir(db, "clinic-copy", json.dumps(bundle))
    assert result.count == 5 + len(FOLLOW_UPS) + 1  # and the profile (the Patient)
    copied = export_records(db, "clinic-copy")
    assert _follow_ups(copied) == _follow_ups(FOLLOW_UPS)
    assert _questionnaires(copied) == _questionnaires([*alice_records, *THREE])
