"""The clinical-safety review's cases (issue 10): each test names the case it pins.

Red flags that never miss (confusion, hallucinations, withdrawal from co-used
depressants, one use with opioids, GHB/GBL or benzodiazepines), flags that
stand until someone records a follow-up, a crisis line first for suicidal
thoughts, help lines for the places where ketamine harm is common, remission
words only after a disorder, and dose escalation against the person's own
early baseline.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest

from histories import end_of, follow_up, goal, profile, questionnaire, symptom, use, uses_on
from ketpath.core.assess import assess
from ketpath.core.assess.redflags import RedFlag
from ketpath.core.records import Record, RecordError, Symptom, parse_record, record_to_json
from ketpath.interop.jsonl import read_jsonl
from ketpath.knowledge import helplines, rules
from ketpath.knowledge.load import Helplines, KnowledgeError, validate

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def flags(
    records: Sequence[Record], as_of: datetime, locale: str | None = None
) -> tuple[RedFlag, ...]:
    return assess(records, as_of, locale=locale).red_flags


def by_id(
    records: Sequence[Record], as_of: datetime, locale: str | None = None
) -> dict[str, RedFlag]:
    return {flag.finding.id: flag for flag in flags(records, as_of, locale)}


def heavy_daily_use_with_alcohol(last_day: int) -> list[Record]:
    """Near-daily ketamine with alcohol every time, for two months, up to ``last_day``."""
    return uses_on(range(last_day - 60, last_day + 1), hour=22, dose_mg=500, co_use=["alcohol"])


# ---------------------------------------------------------------- 1. confusion and hallucinations


def test_confusion_alone_is_an_emergency() -> None:
    flag = by_id([symptom(10, "confusion", 1)], end_of(10))["confusion"]
    assert flag.level == "emergency"
    assert not flag.clearable


def test_hallucinations_alone_are_urgent() -> None:
    raised = by_id([use(1), symptom(10, "hallucinations", 1)], end_of(10))
    assert raised["hallucinations"].level == "urgent"
    assert "hallucinations-with-danger-signs" not in raised


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        ([symptom(10, "confusion", 1)], "confusion"),
        ([symptom(9, "tremor", 1), symptom(9, "sweating", 1)], "shaking or tremor and sweating"),
        ([symptom(11, "seizure", 1)], "seizure"),
        ([use(8, co_use=["alcohol"])], "recent use of alcohol"),
    ],
)
def test_hallucinations_with_a_danger_sign_are_an_emergency(extra: list[Record], said: str) -> None:
    records = [use(1), symptom(10, "hallucinations", 1), *extra]
    flag = by_id(records, end_of(11))["hallucinations-with-danger-signs"]
    assert flag.level == "emergency"
    assert said in flag.message.lower()


def test_hallucinations_with_tremor_but_no_sweating_are_not_a_danger_pattern() -> None:
    records = [use(1), symptom(10, "hallucinations", 1), symptom(10, "tremor", 1)]
    assert "hallucinations-with-danger-signs" not in by_id(records, end_of(11))


def test_hallucinations_after_depressants_used_long_before_are_not_a_danger_pattern() -> None:
    records = [use(1, co_use=["alcohol"]), symptom(10, "hallucinations", 1)]
    assert "hallucinations-with-danger-signs" not in by_id(records, end_of(10))


# ---------------------------------------------------------------- 2. withdrawal from depressants


def test_stopping_after_daily_ketamine_and_alcohol_with_tremor_sweating_hallucinations_and_confusion_is_an_emergency() -> (
    None
):
    records = [
        *heavy_daily_use_with_alcohol(100),
        *(symptom(102, name, 3) for name in ("tremor", "sweating", "hallucinations", "confusion")),
    ]
    result = assess(records, end_of(102))
    withdrawal = {f.finding.id: f for f in result.red_flags}["depressant-withdrawal"]
    assert withdrawal.level == "emergency"
    assert "alcohol" in withdrawal.message
    assert "do not wait it out" in withdrawal.action
    assert result.red_flags[0].level == "emergency"
    assert {"see a doctor this week"}.isdisjoint({f.label.lower() for f in result.red_flags[:4]})
    assert result.course is None  # two days without use and no stop goal: not "withdrawal"


def test_the_withdrawal_picture_is_never_listed_as_expected_in_the_course() -> None:
    records = [
        *heavy_daily_use_with_alcohol(100),
        *(symptom(103, name, 3) for name in ("tremor", "sweating", "hallucinations", "confusion")),
    ]
    course = assess(records, end_of(103)).course
    assert course is not None
    expected = set(course.expected_symptoms)
    assert expected.isdisjoint(
        {"tremor", "sweating", "hallucinations", "confusion", "palpitations"}
    )
    assert "confusion" in course.never_wait_out


@pytest.mark.parametrize("severity", [2, 3])
def test_tremor_with_sweating_after_regular_drinking_with_ketamine_is_an_emergency(
    severity: int,
) -> None:
    records = [
        *heavy_daily_use_with_alcohol(100),
        symptom(102, "tremor", severity),
        symptom(102, "sweating", severity),
    ]
    assert by_id(records, end_of(102))["depressant-withdrawal"].level == "emergency"


def test_mild_tremor_and_sweating_are_not_called_withdrawal() -> None:
    records = [
        *heavy_daily_use_with_alcohol(100),
        symptom(102, "tremor", 1),
        symptom(102, "sweating", 1),
    ]
    assert "depressant-withdrawal" not in by_id(records, end_of(102))


def test_tremor_with_sweating_without_depressants_is_not_called_withdrawal() -> None:
    records = [
        *uses_on(range(40, 101), dose_mg=500),
        symptom(102, "tremor", 3),
        symptom(102, "sweating", 3),
    ]
    assert "depressant-withdrawal" not in by_id(records, end_of(102))


def test_one_drink_with_ketamine_is_not_regular_depressant_use() -> None:
    records = [
        *uses_on(range(40, 101), dose_mg=500),
        use(100, hour=23, co_use=["alcohol"]),
        symptom(102, "tremor", 3),
        symptom(102, "sweating", 3),
    ]
    assert "depressant-withdrawal" not in by_id(records, end_of(102))


# ---------------------------------------------------------------- 3. one use with opioids, GHB/GBL or benzodiazepines


@pytest.mark.parametrize("drug", ["opioids", "ghb-gbl", "benzodiazepines"])
def test_a_single_use_with_a_high_risk_depressant_raises_a_flag_at_once(drug: str) -> None:
    flag = by_id([use(10, co_use=[drug])], end_of(10))["high-risk-co-use"]
    assert flag.level == "urgent"
    assert "breathing slowly or cannot be woken" in flag.action
    assert "alone" in flag.action
    assert ("naloxone" in flag.action) is (drug == "opioids")
    assert "mg" not in flag.action and "dose" not in flag.action.lower()


def test_a_single_use_with_alcohol_is_not_a_high_risk_flag() -> None:
    assert "high-risk-co-use" not in by_id([use(10, co_use=["alcohol"])], end_of(10))


# ---------------------------------------------------------------- 4. flags stand until followed up


def test_blood_in_urine_logged_nine_days_ago_still_shows() -> None:
    flag = by_id([use(1), symptom(10, "blood-in-urine")], end_of(19))["blood-in-urine"]
    assert flag.standing
    assert flag.level == "soon"  # stepped down from urgent, not gone
    assert flag.note is not None and "9 days ago" in flag.note
    assert "9 days ago" in flag.message


def test_a_follow_up_clears_a_standing_flag() -> None:
    records = [use(1), symptom(10, "blood-in-urine"), follow_up(15, "blood-in-urine")]
    assert "blood-in-urine" not in by_id(records, end_of(19))


def test_a_follow_up_clears_an_urgent_flag_inside_its_window() -> None:
    records = [use(1), symptom(10, "blood-in-urine"), follow_up(11, "blood-in-urine", "resolved")]
    assert "blood-in-urine" not in by_id(records, end_of(12))


def test_a_symptom_logged_after_the_follow_up_raises_the_flag_again() -> None:
    records = [
        use(1),
        symptom(10, "blood-in-urine"),
        follow_up(12, "blood-in-urine"),
        symptom(30, "blood-in-urine"),
    ]
    flag = by_id(records, end_of(31))["blood-in-urine"]
    assert flag.level == "urgent" and not flag.standing
    (found,) = flag.finding.records
    assert isinstance(found, Symptom) and found.time.day == 31  # day 30 is 31 January


def test_an_emergency_is_never_cleared_inside_its_window() -> None:
    records = [use(1), symptom(10, "seizure"), follow_up(10, "seizure", "resolved", hour=13)]
    flag = by_id(records, end_of(12))["seizure"]
    assert flag.level == "emergency"
    assert not flag.clearable
    assert "seizure" not in by_id(records, end_of(17))  # after the window the follow-up counts


def test_a_follow_up_names_only_its_own_flag() -> None:
    records = [use(1), symptom(10, "blood-in-urine"), follow_up(15, "jaundice")]
    assert "blood-in-urine" in by_id(records, end_of(19))


def test_counted_flags_stand_too() -> None:
    records = [*(symptom(10 + k, "urinary-frequency") for k in range(3))]
    flag = by_id(records, end_of(100))["persistent-urinary-symptoms"]
    assert flag.standing and flag.level == "soon"


def test_the_recovery_example_shows_its_unfollowed_haematuria_and_puf() -> None:
    records = read_jsonl(EXAMPLES / "recovery-with-bladder-symptoms.jsonl")
    raised = {f.finding.id: f for f in assess(records, end_of_example(records)).red_flags}
    assert {"blood-in-urine", "puf-high"} <= set(raised)


def end_of_example(records: Sequence[Record]) -> datetime:
    return max(r.time for r in records if hasattr(r, "time"))


@pytest.mark.parametrize(
    ("name", "level"),
    [
        ("overheating", "emergency"),
        ("vomiting-blood", "emergency"),
        ("unable-to-urinate", "emergency"),
        ("head-injury", "urgent"),
        ("fainting", "urgent"),
        ("severe-agitation", "urgent"),
    ],
)
def test_new_symptoms_carry_their_levels(name: str, level: str) -> None:
    assert by_id([symptom(10, name, 1)], end_of(10))[name].level == level


def test_unable_to_urinate_sends_the_person_to_an_emergency_department() -> None:
    flag = by_id([symptom(10, "unable-to-urinate", 1)], end_of(10))["unable-to-urinate"]
    assert "catheter" in flag.action


def test_a_follow_up_record_round_trips_and_refuses_an_unknown_flag() -> None:
    line = '{"type":"follow-up","time":"2026-05-01T10:00:00+01:00","flag":"blood-in-urine","outcome":"seen-by-doctor"}'
    assert record_to_json(parse_record(line)) == line
    with pytest.raises(RecordError, match="flag: unknown red flag 'bladder'"):
        parse_record(line.replace("blood-in-urine", "bladder"))
    with pytest.raises(RecordError, match="outcome: unknown value"):
        parse_record(line.replace("seen-by-doctor", "ignored"))


def test_every_flag_id_can_be_followed_up() -> None:
    for flag_id in rules().flag_ids():
        parse_record(
            {
                "type": "follow-up",
                "time": "2026-05-01T10:00:00Z",
                "flag": flag_id,
                "outcome": "resolved",
            }
        )


# ---------------------------------------------------------------- 5. suicidal thoughts lead with a crisis line


@pytest.mark.parametrize("locale", ["US", "UK", "IE", "EU", "HK", "TW", "CN", "AU", "INTL"])
def test_suicidal_thoughts_lead_with_a_crisis_line(locale: str) -> None:
    flag = by_id([symptom(10, "suicidal-thoughts", 1)], end_of(10), locale)["suicidal-thoughts"]
    assert flag.level == "emergency"
    assert flag.contacts[0].kind == "crisis"
    assert flag.action.startswith("You do not have to carry this alone")


def test_phq9_item9_speaks_to_the_person_and_leads_with_a_crisis_line() -> None:
    flag = by_id([questionnaire(10, "phq9", [0] * 8 + [1])], end_of(10), "UK")["phq9-item9"]
    assert flag.message.startswith("In your PHQ-9 you said")
    assert flag.contacts[0].kind == "crisis" and flag.contacts[0].number == "116 123"


# ---------------------------------------------------------------- 6. help lines where ketamine harm is common


@pytest.mark.parametrize(
    ("zone", "locale", "numbers"),
    [
        ("Asia/Hong_Kong", "HK", ["999", "2896 0000", "2389 2222", "2382 0000", "186 186"]),
        ("Asia/Taipei", "TW", ["119", "110", "1925", "1995", "0800-770-885"]),
        ("Asia/Shanghai", "CN", ["120", "110", "12356"]),
        ("Australia/Sydney", "AU", ["000", "13 11 14", "1800 250 015"]),
        ("Australia/Perth", "AU", ["000"]),
        ("Europe/London", "UK", ["999", "111", "116 123"]),
        ("Europe/Dublin", "IE", ["112", "116 123"]),
        ("Europe/Paris", "EU", ["112", "116 123"]),
        ("Europe/Istanbul", "INTL", ["112"]),
        ("Europe/Zurich", "INTL", ["112"]),
        ("Europe/Oslo", "INTL", ["112"]),
        ("Asia/Tokyo", "INTL", ["112"]),
    ],
)
def test_help_lines_follow_the_profile_time_zone(
    zone: str, locale: str, numbers: list[str]
) -> None:
    assert helplines().for_zone(zone) == locale
    listed = [c.number for c in helplines().locales[locale].contacts]
    assert all(number in listed for number in numbers)
    assert assess([profile(timezone=zone), use(1)], end_of(2)).locale == locale


def test_in_the_uk_urgent_care_is_nhs_111_and_999_is_for_emergencies() -> None:
    flag = by_id([symptom(10, "blood-in-urine")], end_of(10), "UK")["blood-in-urine"]
    assert flag.contacts[0].number == "111"
    emergency = next(c for c in flag.contacts if c.kind == "emergency")
    assert "only for emergencies" in emergency.name


def test_every_help_line_locale_has_a_source_and_a_date_checked() -> None:
    for locale in helplines().locales.values():
        assert locale.sources
        assert locale.checked <= date.today()


def test_a_locale_without_a_crisis_line_is_refused() -> None:
    data = {
        "default": "X",
        "locales": {
            "X": {
                "name": "X",
                "zones": [],
                "sources": ["ketpath-defaults"],
                "checked": date(2026, 11, 30),
                "contacts": [{"kind": "emergency", "name": "E", "number": "1"}],
            }
        },
    }
    with pytest.raises(KnowledgeError, match="crisis"):
        validate(Helplines, data, "test")


# ---------------------------------------------------------------- 13. remission words and the early baseline


def test_a_slow_fourfold_rise_stays_flagged_against_the_early_baseline() -> None:
    # 50 mg a day for the first 90 days, then up by a little each week to 200 mg.
    records = [use(day, dose_mg=50) for day in range(0, 90, 3)]
    records += [use(day, dose_mg=round(50 + 150 * (day - 90) / 270)) for day in range(90, 361, 3)]
    result = assess(records, end_of(360))
    signal = next(s for s in result.signals if s.id == "dose-escalation")
    assert "first 90 days" in signal.evidence


def test_a_stable_amount_is_not_dose_escalation() -> None:
    records = [use(day, dose_mg=50) for day in range(0, 361, 3)]
    assert "dose-escalation" not in [s.id for s in assess(records, end_of(360)).signals]


def test_a_stop_goal_is_not_needed_for_flags_but_is_for_an_early_course() -> None:
    records = [*uses_on(range(40, 101, 2)), goal(100, hour=23)]
    assert assess(records, end_of(101)).course is not None


# ---------------------------------------------------------------- 12. claims


def test_relapse_cites_mclellan_and_the_taiwan_cohorts_not_nidas_guide() -> None:
    from ketpath.knowledge import claims

    relapse = claims()["relapse-risk"]
    assert {"mclellan-2000", "wang-2018", "wang-2016"} <= set(relapse.sources)
    assert "nida-principles" not in relapse.sources


@pytest.mark.parametrize("claim_id", ["withdrawal-seizures", "comparison-other-drugs"])
def test_withdrawal_claims_name_the_depressant_exception(claim_id: str) -> None:
    from ketpath.knowledge import claims

    evidence = claims()[claim_id].evidence
    assert "benzodiazepines" in evidence and "GHB/GBL" in evidence


def test_urinary_symptom_claim_gives_the_heavy_user_share_and_accidents_cite_pullen() -> None:
    from ketpath.knowledge import claims

    assert "60%" in claims()["ulcerative-cystitis-rate"].evidence
    assert "harding-2025" in claims()["ulcerative-cystitis-rate"].sources
    assert "pullen-2025" in claims()["accident-risk"].sources
    assert "696" in claims()["accident-risk"].evidence


def test_opioids_alone_are_not_called_alcohol_benzodiazepine_or_ghb_withdrawal() -> None:
    records = [
        *uses_on(range(40, 101), dose_mg=500, co_use=["opioids"]),
        symptom(102, "tremor", 3),
        symptom(102, "sweating", 3),
    ]
    assert "depressant-withdrawal" not in by_id(records, end_of(102))


@pytest.mark.parametrize("locale", ["EU", "CN", "INTL"])
def test_a_see_a_doctor_flag_still_shows_a_number_where_there_is_no_drugs_helpline(
    locale: str,
) -> None:
    flag = by_id([use(10, route="intravenous")], end_of(10), locale)["injection-use"]
    assert flag.level == "soon"
    assert flag.contacts and flag.contacts[-1].kind == "emergency"


# ---------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("count", "words"), [(1, "1 injected use in 90 days."), (2, "2 injected uses in 90 days.")]
)
def test_counts_choose_their_word_instead_of_writing_s_in_brackets(count: int, words: str) -> None:
    records = [use(10 + k, route="intravenous") for k in range(count)]
    flag = by_id(records, end_of(20))["injection-use"]
    assert flag.message == words


def test_no_person_facing_template_writes_s_in_brackets() -> None:
    from ketpath.knowledge.load import knowledge_path

    for name in ("rules.toml", "body.toml", "claims.toml"):
        assert "(s)" not in knowledge_path(name).read_text(encoding="utf-8"), name


def test_flags_worded_to_the_person_have_a_clinicians_wording_too() -> None:
    raised = by_id(
        [symptom(10, "suicidal-thoughts", 1), questionnaire(10, "phq9", [0] * 8 + [2])], end_of(10)
    )
    for flag_id in ("suicidal-thoughts", "phq9-item9"):
        flag = raised[flag_id]
        assert flag.message.startswith(("You ", "In your "))
        assert not flag.clinician_message.lower().startswith(("you", "in your"))
        assert "your" not in flag.clinician_message.lower()
    blood = by_id([symptom(10, "blood-in-urine")], end_of(10))["blood-in-urine"]
    assert blood.clinician_message == blood.message  # neutral wording serves both


def test_a_mood_screen_names_its_instrument_as_published() -> None:
    """Issue 12.11: the evidence said "PHQ9" beside "PHQ-9" elsewhere."""
    result = assess([questionnaire(10, "phq9", [2] * 9)], end_of(10))
    signal = next(s for s in result.signals if s.id == "mood-screen-positive")
    assert "Latest PHQ-9 score 18" in signal.evidence
