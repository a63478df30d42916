"""Red flags at their boundaries, their order, contacts, and the course after stopping."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import pytest

from histories import (
    at,
    end_of,
    follow_up,
    goal,
    profile,
    questionnaire,
    record,
    symptom,
    use,
    uses_on,
)
from ketpath.core.assess import assess
from ketpath.core.assess.redflags import RedFlag
from ketpath.core.instruments import get_instrument, score
from ketpath.core.records import Record


def flags(
    records: Sequence[Record], as_of: datetime, locale: str | None = None
) -> tuple[RedFlag, ...]:
    return assess(records, as_of, locale=locale).red_flags


def flag_ids(records: Sequence[Record], as_of: datetime) -> list[str]:
    return [flag.finding.id for flag in flags(records, as_of)]


EMERGENCY_SYMPTOMS = [
    "seizure",
    "breathing-difficulty",
    "unresponsive",
    "chest-pain",
    "suicidal-thoughts",
    "confusion",
    "unable-to-urinate",
    "overheating",
    "vomiting-blood",
]


@pytest.mark.parametrize("name", EMERGENCY_SYMPTOMS)
@pytest.mark.parametrize(("hours_back", "standing"), [(7 * 24 - 1, False), (7 * 24, True)])
def test_emergency_symptoms_are_emergencies_for_seven_days_then_stand_as_urgent(
    name: str, hours_back: int, standing: bool
) -> None:
    as_of = at(30, 12)
    records = [
        use(1),
        record("symptom", as_of - timedelta(hours=hours_back), symptom=name, severity=1),
    ]
    (raised,) = [f for f in flags(records, as_of) if f.finding.id == name]
    assert raised.standing is standing
    assert raised.level == ("urgent" if standing else "emergency")
    assert (raised.note is not None) is standing


@pytest.mark.parametrize(
    "name", ["blood-in-urine", "jaundice", "head-injury", "fainting", "severe-agitation"]
)
def test_organ_harm_and_injury_symptoms_are_urgent(name: str) -> None:
    (flag,) = [f for f in flags([symptom(10, name)], end_of(12)) if f.finding.id == name]
    assert flag.level == "urgent"


@pytest.mark.parametrize(("severity", "expected"), [(2, False), (3, True)])
def test_only_severe_abdominal_pain_is_urgent(severity: int, expected: bool) -> None:
    raised = [
        f
        for f in flags([symptom(10, "abdominal-pain", severity)], end_of(12))
        if f.level == "urgent"
    ]
    assert bool(raised) is expected
    if raised:
        assert raised[0].finding.id == "abdominal-pain"


@pytest.mark.parametrize(("days", "expected"), [(2, False), (3, True)])
def test_urinary_symptoms_on_three_days_in_30_are_persistent(days: int, expected: bool) -> None:
    records = [symptom(20 + k, "urinary-frequency", hour=9) for k in range(days)]
    records.append(symptom(20, "urinary-urgency", hour=10))  # same day: not another day
    assert ("persistent-urinary-symptoms" in flag_ids(records, end_of(29))) is expected


@pytest.mark.parametrize(("days", "expected"), [(1, False), (2, True)])
def test_abdominal_pain_on_two_days_is_recurrent(days: int, expected: bool) -> None:
    records = [symptom(20 + 3 * k, "abdominal-pain", 1) for k in range(days)]
    assert ("recurrent-abdominal-pain" in flag_ids(records, end_of(29))) is expected


@pytest.mark.parametrize(("day", "standing"), [(10, False), (9, True)])
def test_injection_in_the_last_90_days_is_flagged_and_then_stands(day: int, standing: bool) -> None:
    records = [use(day, route="intramuscular")]
    (flag,) = [f for f in flags(records, end_of(99)) if f.finding.id == "injection-use"]
    assert flag.standing is standing


@pytest.mark.parametrize(("count", "expected"), [(1, False), (2, True)])
def test_two_uses_with_depressants_in_30_days_are_flagged(count: int, expected: bool) -> None:
    records = [*uses_on(range(count), co_use=["opioids"]), use(5, co_use=["cannabis"])]
    assert ("depressant-co-use" in flag_ids(records, end_of(20))) is expected


@pytest.mark.parametrize(("failures", "expected"), [(1, False), (2, True)])
def test_two_failed_quits_in_a_year_are_flagged(failures: int, expected: bool) -> None:
    records = [use(0)]
    for k in range(failures):
        records += [goal(100 * k + 10, hour=1), use(100 * k + 20)]
    assert ("repeated-failed-quits" in flag_ids(records, end_of(300))) is expected


def test_failed_quits_stand_after_a_year_until_followed_up() -> None:
    records = [use(0), goal(10, hour=1), use(20), goal(110, hour=1), use(120)]
    (current,) = [
        f for f in flags(records, end_of(20 + 364)) if f.finding.id == "repeated-failed-quits"
    ]
    assert not current.standing
    (later,) = [
        f for f in flags(records, end_of(20 + 365)) if f.finding.id == "repeated-failed-quits"
    ]
    assert later.standing and later.level == "soon"
    records.append(follow_up(400, "repeated-failed-quits"))
    assert "repeated-failed-quits" not in flag_ids(records, end_of(401))


@pytest.mark.parametrize(("item9", "expected"), [(0, False), (1, True)])
def test_phq9_item9_above_zero_is_urgent_with_the_crisis_line(item9: int, expected: bool) -> None:
    records = [questionnaire(10, "phq9", [0] * 8 + [item9])]
    raised = [f for f in flags(records, end_of(20), "US") if f.finding.id == "phq9-item9"]
    assert bool(raised) is expected
    if raised:
        assert raised[0].level == "urgent"
        assert "988" in [contact.number for contact in raised[0].contacts]


def puf_answers(target: int) -> list[int]:
    """PUF answers totalling exactly ``target``, raising one item a step at a time."""
    instrument = get_instrument("puf")
    answers = [0] * len(instrument.items)
    for index, item in enumerate(instrument.items):
        for option in item.options:
            answers[index] = option.code
            if score("puf", answers).total == target:
                return answers
    raise AssertionError(f"no PUF answers total {target}")


@pytest.mark.parametrize(("target", "expected"), [(9, False), (10, True), (11, True)])
def test_a_puf_score_of_ten_is_flagged(target: int, expected: bool) -> None:
    records = [questionnaire(10, "puf", puf_answers(target))]
    assert ("puf-high" in flag_ids(records, end_of(20))) is expected


@pytest.mark.parametrize(("criteria", "expected"), [(3, False), (4, True), (6, True)])
def test_dsm5_moderate_or_severe_is_flagged(criteria: int, expected: bool) -> None:
    records = [questionnaire(10, "dsm5-pcp", [1] * criteria + [0] * (10 - criteria))]
    assert ("dsm5-moderate-or-severe" in flag_ids(records, end_of(20))) is expected


def test_flags_come_emergencies_first_and_carry_what_to_do() -> None:
    records = [use(10, route="intravenous"), symptom(11, "jaundice"), symptom(12, "seizure")]
    raised = flags(records, end_of(12), "UK")
    assert [f.level for f in raised] == ["emergency", "urgent", "soon"]
    for flag in raised:
        assert flag.action and flag.message and flag.finding.sources
    assert raised[0].contacts[0].number == "999"


def test_the_locale_comes_from_the_profile_time_zone() -> None:
    records = [profile(timezone="America/Chicago"), symptom(1, "chest-pain")]
    (flag,) = flags(records, end_of(2))
    assert flag.contacts[0].number == "911"
    records = [profile(timezone="Europe/Berlin"), symptom(1, "chest-pain")]
    assert flags(records, end_of(2))[0].contacts[0].number == "112"


def test_an_unknown_locale_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown locale"):
        assess([use(1)], end_of(2), locale="XX")


# ---------------------------------------------------------------- the course after stopping


def regular_use_until(day: int) -> list[Record]:
    return uses_on(range(day - 60, day + 1, 2))


@pytest.mark.parametrize(
    ("days", "phase"),
    [
        (3, "first-days"),
        (4, "days-4-7"),
        (7, "days-4-7"),
        (8, "easing"),
        (14, "easing"),
        (15, "weeks-2-4"),
        (28, "weeks-2-4"),
        (29, "extended"),
        (400, "extended"),
    ],
)
def test_the_course_follows_the_days_since_the_last_use(days: int, phase: str) -> None:
    course = assess(regular_use_until(100), end_of(100 + days)).course
    assert course is not None
    assert (course.days_since_last_use, course.phase) == (days, phase)
    assert course.evidence_grade == "U"
    assert "ICD-11" in course.caveat


def test_there_is_no_course_on_a_day_of_use_or_after_only_experimenting() -> None:
    assert assess(regular_use_until(100), end_of(100)).course is None
    assert assess([use(1), use(20)], end_of(30)).course is None


@pytest.mark.parametrize("days", [1, 2])
def test_one_skipped_night_is_not_withdrawal(days: int) -> None:
    assert assess(regular_use_until(100), end_of(100 + days)).course is None


def test_a_stop_goal_after_the_last_use_shows_the_course_the_next_day() -> None:
    records = [*regular_use_until(100), goal(100, hour=20)]
    course = assess(records, end_of(101)).course
    assert course is not None
    assert course.phase == "first-days"


def test_the_course_lists_the_symptoms_logged_since_the_last_use() -> None:
    records = [
        *regular_use_until(100),
        symptom(99, "fatigue"),
        symptom(102, "insomnia"),
        symptom(103, "anxiety"),
    ]
    course = assess(records, end_of(104)).course
    assert course is not None
    assert course.logged_symptoms == ("insomnia", "anxiety")
    assert "insomnia" in course.expected_symptoms


@pytest.mark.parametrize("days", [3, 5, 10, 20, 60])
def test_the_course_never_calls_a_danger_sign_expected(days: int) -> None:
    course = assess(regular_use_until(100), end_of(100 + days)).course
    assert course is not None
    danger = {"hallucinations", "confusion", "tremor", "sweating", "palpitations", "seizure"}
    assert danger.isdisjoint(course.expected_symptoms)
    assert {"hallucinations", "confusion", "seizure", "palpitations"} <= set(course.never_wait_out)
    assert "benzodiazepines" in course.depressant_exception
    assert "GHB" in course.depressant_exception
