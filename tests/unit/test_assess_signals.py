"""Each signal at its boundaries: one below, at, one above (knowledge/rules.toml defaults)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import pytest

from histories import (
    at,
    craving,
    end_of,
    goal,
    impact,
    questionnaire,
    record,
    symptom,
    use,
    uses_on,
)
from ketpath.core.assess import assess
from ketpath.core.records import Record


def signal_ids(records: Sequence[Record], as_of: datetime) -> set[str]:
    return {signal.id for signal in assess(records, as_of).signals}


def has(signal_id: str, records: Sequence[Record], as_of: datetime) -> bool:
    return signal_id in signal_ids(records, as_of)


@pytest.mark.parametrize(("recent_days", "expected"), [(1, False), (2, True)])
def test_frequency_escalation_needs_a_higher_band_and_two_recent_use_days(
    recent_days: int, expected: bool
) -> None:
    records = uses_on(range(100 - recent_days + 1, 101))
    assert has("frequency-escalation", records, end_of(100)) is expected


def test_frequency_escalation_is_silent_when_the_band_does_not_rise() -> None:
    records = uses_on(range(0, 101, 5))  # about six a month throughout: weekly in both windows
    assert not has("frequency-escalation", records, end_of(100))


def dosed(days: Iterable[int], mg: int) -> list[Record]:
    return uses_on(days, dose_mg=mg)


@pytest.mark.parametrize(("recent_mg", "expected"), [(74, False), (75, True), (76, True)])
def test_dose_escalation_needs_a_median_half_again_as_high(recent_mg: int, expected: bool) -> None:
    records = dosed(range(40, 100, 10), 50) + dosed(range(100, 130, 5), recent_mg)
    assert has("dose-escalation", records, end_of(129)) is expected


@pytest.mark.parametrize(("prior_days", "expected"), [(2, False), (3, True)])
def test_dose_escalation_needs_three_dosed_days_in_each_window(
    prior_days: int, expected: bool
) -> None:
    records = dosed([60 + 10 * k for k in range(prior_days)], 50) + dosed(range(100, 130, 5), 200)
    assert has("dose-escalation", records, end_of(129)) is expected


def test_dose_escalation_sums_the_doses_of_a_day_and_ignores_undosed_uses() -> None:
    prior = dosed(range(40, 100, 10), 50)
    recent = [
        *dosed(range(100, 130, 5), 40),
        *dosed(range(100, 130, 5), 40),
        *uses_on(range(101, 130, 5)),
    ]
    assert has("dose-escalation", prior + recent, end_of(129))  # 80 mg a day against 50


@pytest.mark.parametrize(("first_injection_day", "expected"), [(9, False), (10, True), (50, True)])
def test_route_escalation_is_injecting_in_the_last_90_days_and_never_before(
    first_injection_day: int, expected: bool
) -> None:
    records = [
        *uses_on(range(0, 99, 7)),
        use(first_injection_day, route="intravenous"),
        use(95, route="intramuscular"),
    ]
    # Day 99's window of 90 days starts after day 9.
    assert has("route-escalation", records, end_of(99)) is expected


@pytest.mark.parametrize(
    ("nonsocial", "social", "expected"),
    [(1, 1, False), (2, 2, True), (2, 3, False), (3, 3, True)],
)
def test_contextual_expansion_needs_half_of_recent_uses_outside_social_settings(
    nonsocial: int, social: int, expected: bool
) -> None:
    records = uses_on(range(nonsocial), setting="home-alone") + uses_on(
        range(10, 10 + social), setting="club"
    )
    assert has("contextual-expansion", records, end_of(29)) is expected


@pytest.mark.parametrize(
    ("coping", "other", "expected"), [(1, 1, False), (2, 4, True), (2, 5, False)]
)
def test_coping_use_needs_a_third_of_recent_uses(coping: int, other: int, expected: bool) -> None:
    records = uses_on(range(coping), motive="sleep") + uses_on(
        range(10, 10 + other), motive="euphoria"
    )
    assert has("coping-use", records, end_of(29)) is expected


@pytest.mark.parametrize(
    ("intensities", "expected"),
    [([10, 10], False), ([7, 7, 7], True), ([7, 7, 6], False), ([9, 6, 6], True)],
)
def test_high_craving_is_a_mean_of_seven_over_three_ratings_in_14_days(
    intensities: list[int], expected: bool
) -> None:
    records = [use(0), *(craving(20 + k, value) for k, value in enumerate(intensities))]
    assert has("high-craving", records, end_of(25)) is expected


def test_high_craving_forgets_ratings_older_than_14_days() -> None:
    records = [use(0), craving(10, 9), craving(20, 9), craving(21, 9)]
    assert not has("high-craving", records, end_of(24))  # day 10 is 14+ days back
    assert has("high-craving", records, end_of(23))


@pytest.mark.parametrize(("hours_later", "expected"), [(30 * 24, True), (30 * 24 + 1, False)])
def test_a_failed_quit_is_use_within_30_days_of_a_stop_goal(
    hours_later: int, expected: bool
) -> None:
    stop = at(10, 12)
    records = [use(0), goal(10, hour=12), use(10, 12 + hours_later)]
    assert has("failed-quit", records, stop + timedelta(hours=hours_later, days=1)) is expected


@pytest.mark.parametrize(("days_back", "expected"), [(89, True), (90, False)])
def test_failed_quit_looks_back_90_days(days_back: int, expected: bool) -> None:
    records = [use(0), goal(100 - days_back, hour=1), use(100 - days_back, 12)]
    assert has("failed-quit", records, at(100, 12)) is expected


def test_two_stop_goals_before_the_same_use_are_one_failed_attempt() -> None:
    records = [use(0), goal(10, hour=1), goal(11, hour=1), use(12), use(50)]
    result = assess(records, end_of(60))
    (finding,) = [s for s in result.signals if s.id == "failed-quit"]
    assert finding.evidence.startswith("1 attempt")


@pytest.mark.parametrize(
    ("symptoms", "expected"),
    [
        ([(1, "anxiety"), (2, "insomnia")], True),
        ([(1, "anxiety"), (2, "anxiety")], False),
        ([(1, "anxiety"), (8, "insomnia")], False),
        ([(0, "anxiety"), (7, "insomnia")], False),
        ([(1, "anxiety"), (7, "tremor")], True),
        ([(1, "anxiety"), (3, "nausea")], False),  # nausea is abdominal, not discontinuation
    ],
)
def test_discontinuation_symptoms_are_two_kinds_1_to_7_days_after_use(
    symptoms: list[tuple[int, str]], expected: bool
) -> None:
    records = [use(50, 12), *(symptom(50 + offset, name, hour=18) for offset, name in symptoms)]
    assert has("discontinuation-symptoms", records, end_of(60)) is expected


def test_a_use_between_resets_the_days_after_use() -> None:
    records = [
        use(50),
        use(55),
        symptom(58, "anxiety"),
        symptom(59, "tremor"),
        symptom(63, "insomnia"),
    ]
    assert has("discontinuation-symptoms", records, end_of(64))  # 3 and 4 days after day 55
    records = [use(50), symptom(52, "anxiety"), use(53), symptom(62, "tremor")]
    assert not has("discontinuation-symptoms", records, end_of(64))  # tremor is 9 days after


@pytest.mark.parametrize(
    ("signal", "name"),
    [
        ("urinary-symptoms", "bladder-pain"),
        ("abdominal-pain", "abdominal-pain"),
        ("cognitive-complaints", "memory-problems"),
    ],
)
@pytest.mark.parametrize(("hours_back", "expected"), [(30 * 24 - 1, True), (30 * 24, False)])
def test_symptom_signals_look_back_exactly_30_days(
    signal: str, name: str, hours_back: int, expected: bool
) -> None:
    as_of = at(100, 12)
    moment = as_of - timedelta(hours=hours_back)
    records = [use(90), record("symptom", moment, symptom=name, severity=1)]
    assert has(signal, records, as_of) is expected


@pytest.mark.parametrize(("days_back", "expected"), [(89, True), (90, False)])
def test_functional_impairment_is_any_impact_in_90_days(days_back: int, expected: bool) -> None:
    assert has("functional-impairment", [use(50), impact(100 - days_back)], at(100, 12)) is expected


def test_depressant_co_use_counts_depressants_only() -> None:
    assert has("depressant-co-use", [use(10, co_use=["ghb-gbl"])], end_of(20))
    assert not has("depressant-co-use", [use(10, co_use=["mdma", "stimulants"])], end_of(20))


PHQ9_NINE = [1, 1, 1, 1, 1, 1, 1, 2, 0]
PHQ9_TEN = [1, 1, 1, 1, 1, 1, 1, 3, 0]


@pytest.mark.parametrize(("answers", "expected"), [(PHQ9_NINE, False), (PHQ9_TEN, True)])
def test_mood_screen_is_positive_at_ten(answers: list[int], expected: bool) -> None:
    records = [use(0), questionnaire(50, "phq9", answers)]
    assert has("mood-screen-positive", records, end_of(60)) is expected


def test_mood_screen_reads_the_latest_score_within_90_days() -> None:
    records = [use(0), questionnaire(50, "phq9", [3] * 8 + [0]), questionnaire(55, "phq9", [0] * 9)]
    assert not has("mood-screen-positive", records, end_of(60))
    gad_ten = [2, 2, 2, 2, 2, 0, 0]
    assert has("mood-screen-positive", [use(0), questionnaire(10, "gad7", gad_ten)], end_of(99))
    assert not has(
        "mood-screen-positive", [use(0), questionnaire(10, "gad7", gad_ten)], end_of(100)
    )


def test_every_signal_says_what_it_rests_on() -> None:
    records = [
        *uses_on(
            range(60, 90), setting="home-alone", motive="boredom", co_use=["alcohol"], dose_mg=100
        )
    ]
    records += [*dosed(range(0, 60, 5), 40), symptom(88, "urinary-urgency"), impact(80)]
    result = assess(records, end_of(89))
    assert len(result.signals) >= 5
    for signal in result.signals:
        assert signal.evidence and signal.sources and signal.records
        assert signal.since is not None and signal.since <= end_of(89)
        assert "{" not in signal.evidence
