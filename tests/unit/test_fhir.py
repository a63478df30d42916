"""FHIR R4 interchange: the Bundle validates, codes are right, and responses come back whole."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from histories import at, follow_up, profile, questionnaire, record, symptom, use
from ketpath.core.instruments import get_instrument, instrument_ids, score
from ketpath.core.records import FollowUp, Profile, Questionnaire, Record
from ketpath.interop.fhir import (
    FOLLOW_UP_OUTCOME_SYSTEM,
    FOLLOW_UP_SYSTEM,
    LOINC,
    PSEUDONYM_SYSTEM,
    RED_FLAG_SYSTEM,
    SCORE_SYSTEM,
    USE_SYSTEM,
    FhirError,
    bundle_for,
    check_bundle,
    pseudonym_for,
    questionnaire_url,
    records_from_fhir,
)
from ketpath.knowledge import rules, vocabulary

PSEUDONYM = pseudonym_for("alice")


def answers_for(instrument_id: str, *, offset: int = 1) -> list[int | str]:
    """A valid, varied answer vector: option ``(position + offset) % options`` per item."""
    instrument = get_instrument(instrument_id)
    answers: list[int | str] = [
        (position + offset) % len(item.options) for position, item in enumerate(instrument.items)
    ]
    for rule in instrument.skip_rules:
        if answers[instrument.item_ids.index(rule.when)] in rule.codes:
            for item_id in rule.skip:
                answers[instrument.item_ids.index(item_id)] = "-"
    score(instrument_id, answers)
    return answers


ASSIST_WITH_SKIPS: list[int | str] = [0, "-", "-", "-", 2, 1]


def every_instrument() -> list[Record]:
    records = [
        questionnaire(day, instrument_id, answers_for(instrument_id, offset=day))
        for day, instrument_id in enumerate(instrument_ids(), start=1)
    ]
    records.append(questionnaire(20, "assist", ASSIST_WITH_SKIPS))
    return records


def every_follow_up() -> list[Record]:
    """A follow-up of every red flag, the outcomes taking turns, in the person's offsets."""
    outcomes = list(vocabulary().follow_up_outcomes)
    return [
        follow_up(30 + day, flag_id, outcomes[day % len(outcomes)], hour=9)
        for day, flag_id in enumerate(rules().flag_ids())
    ]


def follow_up_observations(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        o
        for o in resources(bundle, "Observation")
        if o["code"]["coding"][0]["system"] == FOLLOW_UP_SYSTEM
    ]


def follow_up_bundle() -> dict[str, Any]:
    return bundle_of([symptom(1, "blood-in-urine"), follow_up(3, "blood-in-urine")])


def bundle_of(records: list[Record]) -> dict[str, Any]:
    return bundle_for(records, pseudonym=PSEUDONYM)


def resources(bundle: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]


def index_of(bundle: dict[str, Any], kind: str, number: int = 0) -> int:
    positions = [i for i, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == kind]
    return positions[number]


def total_observation(bundle: dict[str, Any], instrument_id: str) -> dict[str, Any]:
    responses = {
        e["fullUrl"]: e["resource"]["questionnaire"]
        for e in bundle["entry"]
        if e["resource"]["resourceType"] == "QuestionnaireResponse"
    }
    return next(
        observation
        for observation in resources(bundle, "Observation")
        if "derivedFrom" in observation
        and responses[observation["derivedFrom"][0]["reference"]]
        == questionnaire_url(instrument_id)
    )


def phq9_bundle() -> dict[str, Any]:
    return bundle_of([questionnaire(1, "phq9", [1, 1, 0, 2, 1, 0, 0, 1, 0])])


def qr_items(bundle: dict[str, Any], number: int = 0) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = bundle["entry"][
        index_of(bundle, "QuestionnaireResponse", number)
    ]["resource"]["item"]
    return items


# ---------------------------------------------------------------- the bundle


def test_the_bundle_validates_with_fhir_resources(alice_records: list[Record]) -> None:
    bundle = bundle_of([*alice_records, *every_instrument(), *every_follow_up()])
    parsed = Bundle.model_validate(bundle)
    assert parsed.type == "collection"
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds[0] == "Patient"
    assert kinds.count("Questionnaire") == len(instrument_ids())
    assert kinds.count("QuestionnaireResponse") == len(instrument_ids()) + 3
    assert len(follow_up_observations(bundle)) == len(rules().flag_ids())


def test_every_full_url_is_a_urn_uuid_matching_the_resource_id(
    alice_records: list[Record],
) -> None:
    bundle = bundle_of(alice_records)
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    for entry in bundle["entry"]:
        assert entry["fullUrl"] == "urn:uuid:" + entry["resource"]["id"]


def test_phq9_total_observation_is_coded_with_loinc_44261_6() -> None:
    observation = total_observation(phq9_bundle(), "phq9")
    assert observation["code"]["coding"] == [{"system": LOINC, "code": "44261-6"}]
    assert observation["valueInteger"] == 6
    assert observation["status"] == "final"
    assert observation["category"][0]["coding"][0]["code"] == "survey"
    assert observation["interpretation"][0]["coding"][0]["code"] == "mild"
    assert observation["effectiveDateTime"] == "2026-01-02T12:00:00+00:00"


def test_gad7_total_observation_is_coded_with_loinc_70274_6() -> None:
    bundle = bundle_of([questionnaire(1, "gad7", [3, 3, 2, 2, 1, 1, 0])])
    observation = total_observation(bundle, "gad7")
    assert observation["code"]["coding"] == [{"system": LOINC, "code": "70274-6"}]
    assert observation["valueInteger"] == 12


def test_an_instrument_without_a_loinc_total_gets_the_ketpath_score_code() -> None:
    bundle = bundle_of([questionnaire(1, "assist", ASSIST_WITH_SKIPS)])
    observation = total_observation(bundle, "assist")
    coding = observation["code"]["coding"][0]
    assert (coding["system"], coding["code"]) == (SCORE_SYSTEM, "assist-total")
    assert observation["valueInteger"] == 9


def test_subscales_are_components_of_the_total() -> None:
    answers = answers_for("puf")
    bundle = bundle_of([questionnaire(1, "puf", answers)])
    components = total_observation(bundle, "puf")["component"]
    expected = score("puf", answers).subscales
    got = {c["code"]["coding"][0]["code"]: c["valueInteger"] for c in components}
    assert got == {f"puf-{name}": value for name, value in expected.items()}


def test_questionnaire_items_carry_loinc_codes_and_our_answer_options() -> None:
    (phq9,) = resources(phq9_bundle(), "Questionnaire")
    assert phq9["url"] == "https://ketpath.example/fhir/Questionnaire/phq9"
    assert phq9["version"] == get_instrument("phq9").version
    assert phq9["code"] == [{"system": LOINC, "code": "44249-1"}]
    first = phq9["item"][0]
    assert (first["linkId"], first["type"], first["code"][0]["code"]) == ("q1", "choice", "44250-9")
    option = first["answerOption"][3]["valueCoding"]
    assert (option["system"], option["code"], option["display"]) == (
        "urn:ketpath:instrument:phq9:options",
        "3",
        "nearly every day",
    )


@pytest.mark.parametrize("instrument_id", instrument_ids())
def test_questionnaire_text_is_our_short_label_never_restricted_wording(
    instrument_id: str,
) -> None:
    bundle = bundle_of([questionnaire(1, instrument_id, answers_for(instrument_id))])
    (resource,) = resources(bundle, "Questionnaire")
    instrument = get_instrument(instrument_id)
    assert [item["text"] for item in resource["item"]] == [i.label for i in instrument.items]
    text = json.dumps(bundle)
    for item in instrument.items:
        if item.wording and item.wording != item.label:
            assert item.wording not in text


def test_assist_skip_rule_becomes_enable_when() -> None:
    bundle = bundle_of([questionnaire(1, "assist", ASSIST_WITH_SKIPS)])
    (assist,) = resources(bundle, "Questionnaire")
    q3 = next(item for item in assist["item"] if item["linkId"] == "q3")
    assert q3["enableWhen"] == [
        {
            "question": "q2",
            "operator": "!=",
            "answerCoding": {"system": "urn:ketpath:instrument:assist:options", "code": "0"},
        }
    ]


def test_skipped_items_are_left_out_of_the_response() -> None:
    bundle = bundle_of([questionnaire(1, "assist", ASSIST_WITH_SKIPS)])
    assert [item["linkId"] for item in qr_items(bundle)] == ["q2", "q6", "q7"]


def test_response_keeps_the_record_time_and_its_offset(alice_records: list[Record]) -> None:
    (first, *_rest) = resources(bundle_of(alice_records), "QuestionnaireResponse")
    assert first["authored"] == "2026-05-06T18:00:00+01:00"
    assert first["status"] == "completed"
    assert first["questionnaire"] == "https://ketpath.example/fhir/Questionnaire/phq9"


def test_the_patient_has_only_a_pseudonym_birth_year_and_gender(
    alice_records: list[Record],
) -> None:
    (patient,) = resources(bundle_of(alice_records), "Patient")
    assert set(patient) == {"resourceType", "id", "identifier", "gender", "birthDate"}
    assert patient["identifier"] == [{"system": PSEUDONYM_SYSTEM, "value": PSEUDONYM}]
    assert (patient["birthDate"], patient["gender"]) == ("1998", "female")


def test_an_unstated_sex_gives_no_gender() -> None:
    (patient,) = resources(bundle_of([profile(sex="unstated")]), "Patient")
    assert "gender" not in patient and "birthDate" not in patient


def test_no_name_or_free_text_of_the_person_appears(alice_records: list[Record]) -> None:
    text = json.dumps(bundle_of(alice_records), ensure_ascii=False)
    for private in ("alice", "Alice", "café", "rough week", "payday", "Europe/London"):
        assert private not in text
    assert PSEUDONYM in text
    assert pseudonym_for("alice") != pseudonym_for("bob")


def test_two_exports_are_byte_identical_whatever_the_input_order(
    alice_records: list[Record],
) -> None:
    records = [*alice_records, *every_instrument(), *every_follow_up()]
    shuffled = records[:]
    random.Random(7).shuffle(shuffled)
    first = json.dumps(bundle_of(records), sort_keys=True)
    assert json.dumps(bundle_of(records), sort_keys=True) == first
    assert json.dumps(bundle_of(shuffled), sort_keys=True) == first


def test_identical_administrations_get_distinct_full_urls() -> None:
    same = questionnaire(1, "phq9", [0] * 9)
    bundle = bundle_of([same, same])
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls)
    assert len(resources(bundle, "QuestionnaireResponse")) == 2


def test_generated_at_becomes_the_timestamp_and_must_be_aware() -> None:
    from datetime import UTC, datetime

    moment = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    bundle = bundle_for([], pseudonym=PSEUDONYM, generated_at=moment)
    assert bundle["timestamp"] == "2026-06-01T09:00:00+00:00"
    assert "timestamp" not in bundle_for([], pseudonym=PSEUDONYM)
    with pytest.raises(ValueError, match="UTC offset"):
        bundle_for([], pseudonym=PSEUDONYM, generated_at=datetime(2026, 6, 1))


# ---------------------------------------------------------------- use summaries


def test_use_is_summarised_per_calendar_month_in_the_persons_time_zone() -> None:
    records = [
        profile(timezone="Asia/Tokyo"),
        # 20:00 UTC on 31 January is 05:00 on 1 February in Tokyo.
        use(30, 20, dose_mg=50, route="intranasal"),
        use(32, 12, dose_mg=25.5, route="oral"),
        use(32, 13, route="intranasal"),
        use(40, 12, substance="alcohol"),
    ]
    (february,) = [
        o for o in resources(bundle_of(records), "Observation") if "effectivePeriod" in o
    ]
    assert february["effectivePeriod"] == {"start": "2026-02-01", "end": "2026-02-28"}
    assert february["code"]["coding"][0] == {
        "system": USE_SYSTEM,
        "code": "use-days",
        "display": "Ketamine use-days in the calendar month",
    }
    assert february["category"][0]["coding"][0]["code"] == "social-history"
    assert february["valueInteger"] == 2
    components = {
        c["code"]["coding"][0]["code"]: c.get("valueInteger", c.get("valueQuantity"))
        for c in february["component"]
    }
    assert components == {
        "uses": 3,
        "dose-known-mg": {
            "value": 75.5,
            "unit": "mg",
            "system": "http://unitsofmeasure.org",
            "code": "mg",
        },
        "uses-dose-unknown": 1,
        "uses-route-intranasal": 2,
        "uses-route-oral": 1,
    }


def test_months_without_use_have_no_observation(alice_records: list[Record]) -> None:
    periods = [
        o["effectivePeriod"]["start"]
        for o in resources(bundle_of(alice_records), "Observation")
        if "effectivePeriod" in o
    ]
    assert periods == ["2026-03-01", "2026-04-01", "2026-05-01"]


# ---------------------------------------------------------------- round trip


def test_export_then_import_gives_the_same_answers_and_scores_for_every_instrument(
    alice_records: list[Record],
) -> None:
    records = [*alice_records, *every_instrument()]
    originals = [r for r in records if isinstance(r, Questionnaire)]
    text = json.dumps(bundle_of(records), sort_keys=True)
    back = [r for r in records_from_fhir(text) if isinstance(r, Questionnaire)]
    assert sorted(back, key=repr) == sorted(originals, key=repr)
    for before, after in zip(sorted(originals, key=repr), sorted(back, key=repr), strict=True):
        assert score(after.instrument, after.answers) == score(before.instrument, before.answers)
        assert after.time.utcoffset() == before.time.utcoffset()
    assert any(r.instrument == "assist" and r.answers == tuple(ASSIST_WITH_SKIPS) for r in back)


def test_a_single_response_can_be_imported_on_its_own() -> None:
    response = resources(phq9_bundle(), "QuestionnaireResponse")[0]
    (record,) = records_from_fhir(json.dumps(response).encode())
    assert isinstance(record, Questionnaire)
    assert record.answers == (1, 1, 0, 2, 1, 0, 0, 1, 0)


def test_a_restful_questionnaire_url_with_our_instrument_id_is_accepted() -> None:
    response = resources(phq9_bundle(), "QuestionnaireResponse")[0]
    response["questionnaire"] = "https://clinic.example/fhir/Questionnaire/phq9|2001"
    (record,) = records_from_fhir(response)
    assert isinstance(record, Questionnaire)
    assert record.instrument == "phq9"


def test_responses_to_other_questionnaires_and_other_resources_are_ignored() -> None:
    bundle = phq9_bundle()
    foreign = copy.deepcopy(resources(bundle, "QuestionnaireResponse")[0])
    foreign["questionnaire"] = "http://loinc.org/q/44249-1"
    foreign["item"] = [{"linkId": "/44250-9", "answer": [{"valueInteger": 3}]}]
    bundle["type"] = "searchset"
    bundle["entry"].append({"resource": foreign})
    assert len(records_from_fhir(bundle)) == 1


def test_a_bundle_of_ours_without_responses_gives_back_its_profile() -> None:
    # Issue 12: a valid bundle of ours always re-imports (a foreign document with
    # nothing we read is still refused: test_fhir_bundles_round_trip).
    bundle = bundle_of([profile(sex="female")])
    (back,) = records_from_fhir(bundle)
    assert isinstance(back, Profile) and back.sex == "female"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{not json", "not valid JSON"),
        ("[]", "expected a JSON object"),
        ('{"resourceType": "Patient"}', "expected 'Bundle' or 'QuestionnaireResponse'"),
    ],
)
def test_what_is_not_a_bundle_or_response_is_refused(data: str, message: str) -> None:
    with pytest.raises(FhirError, match=message):
        records_from_fhir(data)


def test_one_bad_response_among_three_returns_nothing_and_names_its_entry() -> None:
    bundle = bundle_of(
        [
            questionnaire(1, "phq9", [0] * 9),
            questionnaire(2, "gad7", [1] * 7),
            questionnaire(3, "dast10", answers_for("dast10")),
        ]
    )
    position = index_of(bundle, "QuestionnaireResponse", 1)
    bundle["entry"][position]["resource"]["item"][2]["answer"][0]["valueCoding"]["code"] = "9"
    with pytest.raises(FhirError) as raised:
        records_from_fhir(bundle)
    assert str(raised.value).startswith(f"entry[{position}] QuestionnaireResponse/")
    assert "item 'q3': code '9' is not an answer option of gad7 q3" in str(raised.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "in-progress"}, "status: 'in-progress'; only completed or amended"),
        ({"authored": "2026-05-06"}, "authored: needs a date and time"),
        ({"authored": "2026-05-06T18:00:00"}, "authored: DateTime value string does not match"),
        ({"questionnaire": "urn:ketpath:questionnaire:nope"}, "names no ketpath instrument"),
        ({"item": [{"linkId": "q1", "answer": [{"valueInteger": 1}]}]}, "must be a valueCoding"),
    ],
)
def test_import_names_the_field_of_a_bad_response(change: dict[str, Any], message: str) -> None:
    response = resources(phq9_bundle(), "QuestionnaireResponse")[0]
    with pytest.raises(FhirError, match=message) as raised:
        records_from_fhir({**response, **change})
    assert str(raised.value).startswith("QuestionnaireResponse/")


def test_import_reports_a_structural_error_with_its_path() -> None:
    response = resources(phq9_bundle(), "QuestionnaireResponse")[0]
    response["item"][0]["linkId"] = 5
    with pytest.raises(FhirError, match=r"item\[0\]\.linkId"):
        records_from_fhir(response)


def test_import_with_our_answer_system_validates_with_fhir_resources() -> None:
    response = resources(phq9_bundle(), "QuestionnaireResponse")[0]
    assert QuestionnaireResponse.model_validate(response).status == "completed"


# ---------------------------------------------------------------- check_bundle


def test_check_bundle_accepts_what_bundle_for_writes(alice_records: list[Record]) -> None:
    check_bundle(bundle_of([*alice_records, *every_instrument()]))


def test_check_bundle_catches_a_tampered_answer_code() -> None:
    bundle = phq9_bundle()
    qr_items(bundle)[2]["answer"][0]["valueCoding"]["code"] = "7"
    position = index_of(bundle, "QuestionnaireResponse")
    with pytest.raises(FhirError) as raised:
        check_bundle(bundle)
    assert str(raised.value).startswith(f"entry[{position}] QuestionnaireResponse/")
    assert str(raised.value).endswith("item 'q3': code '7' is not an answer option of phq9 q3")


def test_check_bundle_catches_a_code_valid_elsewhere_in_the_instrument() -> None:
    bundle = bundle_of([questionnaire(1, "assist", ASSIST_WITH_SKIPS)])
    qr_items(bundle)[1]["answer"][0]["valueCoding"]["code"] = "4"  # q6 has 0-2 only
    with pytest.raises(FhirError, match="item 'q6': code '4' is not an answer option"):
        check_bundle(bundle)


def test_check_bundle_catches_an_unknown_link_id() -> None:
    bundle = phq9_bundle()
    qr_items(bundle)[8]["linkId"] = "q10"
    with pytest.raises(FhirError, match=r"item\[8\]: unknown linkId 'q10'"):
        check_bundle(bundle)


def test_check_bundle_catches_a_missing_required_answer() -> None:
    bundle = phq9_bundle()
    del qr_items(bundle)[2]
    with pytest.raises(FhirError, match="item 'q3': no answer; phq9 q3 is required"):
        check_bundle(bundle)


def test_check_bundle_applies_the_skip_rules() -> None:
    bundle = bundle_of([questionnaire(1, "assist", [3, 1, 1, 1, 0, 0])])
    del qr_items(bundle)[2]  # q4, asked because q2 is weekly
    with pytest.raises(FhirError, match="item 'q4': must be answered because q2 is 'weekly'"):
        check_bundle(bundle)


def test_check_bundle_catches_a_response_to_an_unknown_questionnaire() -> None:
    bundle = phq9_bundle()
    position = index_of(bundle, "QuestionnaireResponse")
    bundle["entry"][position]["resource"]["questionnaire"] = "http://example.org/Questionnaire/x"
    with pytest.raises(FhirError, match=rf"entry\[{position}\].*is not a ketpath instrument"):
        check_bundle(bundle)


def test_check_bundle_catches_an_answer_the_bundled_questionnaire_does_not_offer() -> None:
    bundle = phq9_bundle()
    (phq9,) = resources(bundle, "Questionnaire")
    phq9["item"][2]["answerOption"].pop()  # q3 no longer offers "3"
    qr_items(bundle)[2]["answer"][0]["valueCoding"]["code"] = "3"
    with pytest.raises(FhirError, match="item 'q3': code '3' is not an answer option"):
        check_bundle(bundle)


def test_check_bundle_catches_a_total_that_does_not_match_its_response() -> None:
    bundle = phq9_bundle()
    position = index_of(bundle, "Observation")
    bundle["entry"][position]["resource"]["valueInteger"] = 20
    with pytest.raises(FhirError, match=rf"entry\[{position}\].*value: 20.* not the total 6"):
        check_bundle(bundle)


def test_check_bundle_catches_a_code_outside_our_value_sets() -> None:
    bundle = phq9_bundle()
    position = index_of(bundle, "Observation")
    observation = bundle["entry"][position]["resource"]
    observation["interpretation"][0]["coding"][0]["code"] = "catastrophic"
    with pytest.raises(FhirError, match=r"interpretation.*'catastrophic' is not in the value set"):
        check_bundle(bundle)


def test_check_bundle_catches_an_unknown_ketpath_system_and_a_stray_loinc_code() -> None:
    bundle = phq9_bundle()
    position = index_of(bundle, "Observation")
    observation = bundle["entry"][position]["resource"]
    observation["code"]["coding"][0]["code"] = "12345-6"
    with pytest.raises(FhirError, match=r"'12345-6' is not in the value set of http://loinc\.org"):
        check_bundle(bundle)
    observation["code"]["coding"][0] = {"system": "urn:ketpath:nonsense", "code": "x"}
    with pytest.raises(FhirError, match="unknown ketpath code system"):
        check_bundle(bundle)


def test_check_bundle_reports_what_fhir_resources_refuses_with_the_entry() -> None:
    bundle = phq9_bundle()
    position = index_of(bundle, "Observation")
    del bundle["entry"][position]["resource"]["status"]
    with pytest.raises(FhirError, match=rf"^entry\[{position}\] Observation/\S+: status: "):
        check_bundle(bundle)


# ---------------------------------------------------------------- red-flag follow-ups


def test_a_follow_up_is_an_observation_of_its_outcome_with_the_flag_as_component() -> None:
    (observation,) = follow_up_observations(follow_up_bundle())
    assert observation["status"] == "final"
    assert observation["code"]["coding"] == [
        {
            "system": FOLLOW_UP_SYSTEM,
            "code": "red-flag-follow-up",
            "display": "Follow-up of a ketpath red flag",
        }
    ]
    assert observation["effectiveDateTime"] == "2026-01-04T12:00:00+00:00"
    assert observation["valueCodeableConcept"]["coding"] == [
        {
            "system": FOLLOW_UP_OUTCOME_SYSTEM,
            "code": "seen-by-doctor",
            "display": vocabulary().label("follow_up_outcomes", "seen-by-doctor"),
        }
    ]
    (component,) = observation["component"]
    assert component["code"]["coding"][0]["code"] == "red-flag"
    assert component["valueCodeableConcept"]["coding"] == [
        {"system": RED_FLAG_SYSTEM, "code": "blood-in-urine", "display": "Blood in urine"}
    ]
    assert "category" not in observation and "note" not in observation


def test_a_follow_up_refers_to_the_patient_and_comes_after_the_use_months() -> None:
    bundle = bundle_of([use(1), follow_up(3, "injection-use"), profile(sex="male")])
    kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
    assert kinds == ["Patient", "Observation", "Observation"]
    (observation,) = follow_up_observations(bundle)
    assert observation is bundle["entry"][-1]["resource"]
    assert observation["subject"] == {"reference": bundle["entry"][0]["fullUrl"]}


def test_a_follow_up_keeps_its_utc_offset() -> None:
    when = "2026-01-04T18:00:00+08:00"
    moved = record("follow-up", None, time=when, flag="jaundice", outcome="resolved")
    (observation,) = follow_up_observations(bundle_of([moved]))
    assert observation["effectiveDateTime"] == "2026-01-04T18:00:00+08:00"
    (back,) = records_from_fhir(bundle_of([moved]))
    assert back == moved
    assert isinstance(back, FollowUp) and isinstance(moved, FollowUp)
    assert back.time.utcoffset() == moved.time.utcoffset()


def test_the_note_of_a_follow_up_never_leaves_the_database() -> None:
    noted = record(
        "follow-up", at(3), flag="chest-pain", outcome="seen-by-doctor", note="A&E at St Mary's"
    )
    text = json.dumps(bundle_of([noted]), ensure_ascii=False)
    assert "St Mary" not in text
    (back,) = records_from_fhir(text)
    assert back == noted.model_copy(update={"note": None})


def test_follow_ups_differing_only_in_their_note_get_distinct_full_urls() -> None:
    first = record("follow-up", at(3), flag="seizure", outcome="resolved", note="one")
    second = record("follow-up", at(3), flag="seizure", outcome="resolved", note="two")
    bundle = bundle_of([first, second])
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(set(urls)) == len(urls) == 3
    assert json.dumps(bundle) == json.dumps(bundle_of([second, first]))


def test_export_then_import_gives_the_same_follow_up_for_every_flag_and_outcome(
    alice_records: list[Record],
) -> None:
    follow_ups = every_follow_up()
    assert {r.outcome for r in follow_ups if isinstance(r, FollowUp)} == set(
        vocabulary().follow_up_outcomes
    )
    records = [*alice_records, *every_instrument(), *follow_ups]
    read = records_from_fhir(json.dumps(bundle_of(records), sort_keys=True))
    back = [r for r in read if isinstance(r, Questionnaire | FollowUp)]  # and her profile
    expected = [r for r in records if isinstance(r, Questionnaire | FollowUp)]
    assert sorted(back, key=repr) == sorted(expected, key=repr)
    assert [r for r in back if isinstance(r, FollowUp)] == follow_ups


def test_a_bundle_of_follow_ups_alone_imports() -> None:
    bundle = bundle_of([follow_up(3, "phq9-item9", "resolved")])
    assert records_from_fhir(bundle) == [follow_up(3, "phq9-item9", "resolved")]


def test_observations_that_are_not_our_follow_ups_are_ignored_on_import() -> None:
    bundle = follow_up_bundle()
    foreign = copy.deepcopy(follow_up_observations(bundle)[0])
    foreign["code"] = {"coding": [{"system": LOINC, "code": "8867-4"}]}
    bundle["type"] = "searchset"
    bundle["entry"].append({"resource": foreign})
    assert records_from_fhir(bundle) == [follow_up(3, "blood-in-urine")]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"status": "preliminary"}, "status: 'preliminary'; only final, amended, corrected"),
        ({"effectiveDateTime": "2026-01-04"}, "effectiveDateTime: needs a date and time"),
        ({"effectiveDateTime": "2026-01-04T12:00:00"}, "effectiveDateTime: DateTime value"),
        ({"valueCodeableConcept": {"text": "fine"}}, "valueCodeableConcept: needs exactly one"),
        ({"component": []}, "component: needs exactly one urn:ketpath:follow-up#red-flag"),
    ],
)
def test_import_names_the_field_of_a_bad_follow_up(change: dict[str, Any], message: str) -> None:
    bundle = follow_up_bundle()
    follow_up_observations(bundle)[0].update(change)
    with pytest.raises(FhirError, match=message) as raised:
        records_from_fhir(bundle)
    assert str(raised.value).startswith(f"entry[{len(bundle['entry']) - 1}] Observation/")


def test_check_bundle_accepts_a_follow_up_of_every_flag() -> None:
    check_bundle(bundle_of(every_follow_up()))


@pytest.mark.parametrize(
    ("path", "code", "message"),
    [
        ("valueCodeableConcept", "forgotten", r"valueCodeableConcept: unknown value 'forgotten'"),
        ("component", "no-such-flag", r"component\[0\]\.valueCodeableConcept: unknown red flag"),
    ],
)
def test_check_bundle_catches_a_follow_up_code_outside_our_value_sets(
    path: str, code: str, message: str
) -> None:
    bundle = follow_up_bundle()
    observation = follow_up_observations(bundle)[0]
    concept = (
        observation["component"][0]["valueCodeableConcept"]
        if path == "component"
        else observation[path]
    )
    concept["coding"][0]["code"] = code
    with pytest.raises(FhirError, match=message) as raised:
        check_bundle(bundle)
    assert str(raised.value).startswith(f"entry[{len(bundle['entry']) - 1}] Observation/")


def test_check_bundle_catches_a_follow_up_whose_subject_is_not_the_patient() -> None:
    bundle = follow_up_bundle()
    follow_up_observations(bundle)[0]["subject"] = {"reference": "urn:uuid:nobody"}
    with pytest.raises(FhirError, match="subject: 'urn:uuid:nobody' is not a Patient"):
        check_bundle(bundle)
