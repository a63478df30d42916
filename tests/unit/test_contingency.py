"""The contingency-management engine: every boundary of the escalating reward schedule."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketpath.core.contingency import (
    ContingencySettings,
    ContingencySettingsError,
    ContingencyState,
    schedule,
)
from ketpath.core.records import DrugScreen

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # a Monday


def screen(day: float, result: str = "negative") -> DrugScreen:
    return DrugScreen(time=START + timedelta(days=day), result=result, method="urine")


def every_three_days(results: Sequence[str], *, first: float = 1) -> list[DrugScreen]:
    return [screen(first + 3 * index, result) for index, result in enumerate(results)]


# The worked examples below were computed by hand with a $1.50 step; they test
# the engine's arithmetic, so they keep that step whatever the default is.
WORKED_STEP = {"increment": 1.5}


def run(
    screens: Sequence[DrugScreen],
    settings: ContingencySettings | None = None,
    *,
    as_of: float | None = None,
) -> ContingencyState:
    last = max((s.time for s in screens), default=START)
    moment = START + timedelta(days=as_of) if as_of is not None else last
    return schedule(screens, settings or custom(), start=START, as_of=moment)


def custom(**overrides: object) -> ContingencySettings:
    return ContingencySettings.from_mapping({**WORKED_STEP, **overrides})


def earned(state: ContingencyState) -> list[Decimal]:
    return [event.earned for event in state.events]


D = Decimal


# ---------------------------------------------------------------- the defaults


def test_the_defaults_are_the_vermont_schedule_with_a_cap() -> None:
    defaults = ContingencySettings.defaults()
    assert defaults.start_value == D("2.50")
    assert defaults.increment == D("1.25")
    assert defaults.max_value == D("20.00")
    assert (defaults.bonus_every, defaults.bonus_value) == (3, D("10.00"))
    assert defaults.return_after == 5
    assert defaults.reset_on_missed is True
    assert defaults.invalid == "reset"
    assert defaults.max_days_between_screens == 4
    assert defaults.min_hours_between_rewards == 24


def test_the_ladder_rises_by_the_increment_and_stops_at_the_cap() -> None:
    ladder = ContingencySettings.defaults().ladder()
    assert ladder[:4] == [D("2.50"), D("3.75"), D("5.00"), D("6.25")]
    assert ladder[-2:] == [D("18.75"), D("20.00")]
    assert len(ladder) == 15


def test_the_default_step_gives_the_vermont_maximum_of_997_50_without_a_cap() -> None:
    """36 negatives in 12 weeks at $2.50 + $1.25 a step and $10 every third: $997.50."""
    uncapped = ContingencySettings.from_mapping({"max_value": 1000})
    screens = [screen(1 + 7 * (i // 3) + 2 * (i % 3)) for i in range(36)]
    state = schedule(screens, uncapped, start=START, as_of=screens[-1].time)
    assert state.total == D("997.50")


def test_a_flat_schedule_has_a_one_step_ladder() -> None:
    assert custom(increment=0).ladder() == [D("2.50")]


# ---------------------------------------------------------------- escalation, bonus, cap


def test_no_screens_earn_nothing_and_the_first_negative_would_earn_the_start_value() -> None:
    state = run([], as_of=2)
    assert state.events == ()
    assert state.total == D("0.00")
    assert state.next_value == D("2.50")
    assert state.next_due == START + timedelta(days=4)


def test_each_negative_in_a_row_earns_one_increment_more() -> None:
    state = run(every_three_days(["negative"] * 2), custom(bonus_every=0))
    assert earned(state) == [D("2.50"), D("4.00")]
    assert [event.step for event in state.events] == [0, 1]
    assert state.total == D("6.50")
    assert state.next_value == D("5.50")


def test_every_third_negative_in_a_row_adds_the_bonus() -> None:
    state = run(every_three_days(["negative"] * 6))
    assert [event.bonus for event in state.events] == [D(0), D(0), D(10), D(0), D(0), D(10)]
    assert state.total == D("2.50") + D("4.00") + D("5.50") + 7 + D("8.50") + 10 + 20


def test_the_next_value_includes_the_bonus_when_the_next_negative_completes_a_run() -> None:
    state = run(every_three_days(["negative"] * 2))
    assert state.next_bonus == D("10.00")
    assert state.next_value == D("15.50")


def test_the_value_stops_at_the_cap() -> None:
    state = run(every_three_days(["negative"] * 15), custom(bonus_every=0))
    values = [event.value for event in state.events]
    assert values[11] == D("19.00")
    assert values[12:] == [D("20.00")] * 3
    assert state.next_value == D("20.00")


def test_a_cap_equal_to_the_start_value_pays_a_flat_rate() -> None:
    state = run(every_three_days(["negative"] * 4), custom(max_value=2.5, bonus_every=0))
    assert earned(state) == [D("2.50")] * 4


# ---------------------------------------------------------------- resets


def test_a_positive_earns_nothing_and_resets_to_the_start_value() -> None:
    state = run(every_three_days(["negative", "negative", "positive", "negative"]))
    assert [e.outcome for e in state.events] == ["earned", "earned", "reset", "earned"]
    assert state.events[2].earned == D("0.00")
    assert state.events[3].value == D("2.50")
    assert state.events[3].run == 1


def test_a_positive_also_breaks_the_run_towards_the_bonus() -> None:
    state = run(every_three_days(["negative", "negative", "positive", "negative", "negative"]))
    assert all(event.bonus == 0 for event in state.events)


def test_what_was_earned_before_a_reset_is_kept() -> None:
    state = run(every_three_days(["negative", "negative", "positive"]))
    assert state.total == D("6.50")


def test_a_positive_first_screen_resets_nothing_and_sets_no_return() -> None:
    state = run(every_three_days(["positive", "negative"]))
    assert state.return_step is None
    assert state.events[1].value == D("2.50")


@pytest.mark.parametrize("invalid", ["reset", "hold"])
def test_an_invalid_screen_never_earns(invalid: str) -> None:
    state = run(every_three_days(["negative", "invalid"]), custom(invalid=invalid))
    assert state.events[1].earned == D("0.00")
    assert state.events[1].outcome == ("reset" if invalid == "reset" else "held")


def test_an_invalid_screen_resets_by_default() -> None:
    state = run(every_three_days(["negative", "negative", "invalid", "negative"]))
    assert state.events[3].value == D("2.50")


def test_with_hold_an_invalid_screen_keeps_the_step_and_the_run() -> None:
    state = run(
        every_three_days(["negative", "negative", "invalid", "negative"]), custom(invalid="hold")
    )
    assert state.events[3].value == D("5.50")
    assert state.events[3].bonus == D("10.00")  # the third negative in a row


def test_an_invalid_screen_is_attendance_not_a_missed_screen() -> None:
    state = run(every_three_days(["invalid", "invalid", "invalid"]), custom(invalid="hold"))
    assert state.missed == 0


# ---------------------------------------------------------------- missed screens


def test_a_screen_exactly_at_the_deadline_is_on_time() -> None:
    state = run([screen(4), screen(8)])
    assert state.missed == 0
    assert earned(state) == [D("2.50"), D("4.00")]


def test_a_screen_just_after_the_deadline_follows_a_missed_screen() -> None:
    late = DrugScreen(time=START + timedelta(days=4, seconds=1), result="negative", method="urine")
    state = run([late])
    assert [e.kind for e in state.events] == ["missed", "screen"]
    assert state.events[0].time == START + timedelta(days=4)


def test_a_missed_screen_resets_like_a_positive() -> None:
    state = run([screen(1), screen(4), screen(10)], custom(bonus_every=0))
    assert [e.kind for e in state.events] == ["screen", "screen", "missed", "screen"]
    assert state.events[2].time == START + timedelta(days=8)
    assert state.events[3].value == D("2.50")


def test_a_missed_screen_can_be_set_not_to_reset() -> None:
    state = run([screen(1), screen(4), screen(10)], custom(bonus_every=0, reset_on_missed=False))
    assert state.events[2].outcome == "held"
    assert state.events[3].value == D("5.50")


def test_a_long_gap_counts_one_missed_screen_per_deadline() -> None:
    state = run([screen(1), screen(14)])
    assert [e.time for e in state.events if e.kind == "missed"] == [
        START + timedelta(days=5),
        START + timedelta(days=9),
        START + timedelta(days=13),
    ]


def test_screens_missed_since_the_last_one_count_up_to_as_of() -> None:
    state = run([screen(1)], as_of=9.5)
    assert state.missed == 2
    assert state.next_due == START + timedelta(days=13)
    assert state.next_value == D("2.50")


def test_a_deadline_that_falls_exactly_at_as_of_is_not_yet_missed() -> None:
    state = run([screen(1)], as_of=5)
    assert state.missed == 0
    assert state.next_due == START + timedelta(days=5)


def test_the_first_screen_is_due_within_the_cadence_of_the_start() -> None:
    state = run([], as_of=4.5)
    assert state.missed == 1


# ---------------------------------------------------------------- return to the earlier step


def test_five_negatives_after_a_reset_bring_back_the_step_the_reset_took() -> None:
    results = ["negative"] * 6 + ["positive"] + ["negative"] * 6
    state = run(every_three_days(results), custom(bonus_every=0))
    after = state.events[7:]
    assert [e.value for e in after[:5]] == [D("2.50"), D("4.00"), D("5.50"), D("7.00"), D("8.50")]
    assert after[4].restored is True
    # The reset happened at step 6 (11.50): the sixth negative after it earns that again.
    assert after[5].value == D("11.50")
    assert state.return_step is None


def test_four_negatives_after_a_reset_do_not_bring_it_back() -> None:
    results = ["negative"] * 6 + ["positive"] + ["negative"] * 4
    state = run(every_three_days(results), custom(bonus_every=0))
    assert not any(e.restored for e in state.events)
    assert state.return_step == 6
    assert state.next_value == D("8.50")  # the fifth: still climbing from the start


def test_the_return_remembers_the_highest_step_across_repeated_resets() -> None:
    results = ["negative"] * 6 + ["positive", "negative", "negative", "positive"] + ["negative"] * 6
    state = run(every_three_days(results), custom(bonus_every=0))
    assert state.events[-1].value == D("11.50")


def test_the_return_never_lowers_the_step() -> None:
    results = ["negative", "positive"] + ["negative"] * 6
    state = run(every_three_days(results), custom(bonus_every=0))
    assert not any(e.restored for e in state.events)
    assert state.events[-1].value == D("10.00")


def test_no_return_when_return_after_is_zero() -> None:
    results = ["negative"] * 6 + ["positive"] + ["negative"] * 6
    state = run(every_three_days(results), custom(bonus_every=0, return_after=0))
    assert state.events[-1].value == D("10.00")
    assert state.return_step is None


def test_a_missed_screen_sets_up_a_return_too() -> None:
    before = [screen(1 + 3 * i) for i in range(7)]  # days 1..19: the next step pays 13.00
    after = [screen(25 + 3 * i) for i in range(6)]  # a screen missed on day 23
    state = run([*before, *after], custom(bonus_every=0))
    assert state.events[7].kind == "missed"
    assert state.events[-1].value == D("13.00")


# ---------------------------------------------------------------- repeats and ordering


def test_a_second_negative_within_a_day_earns_nothing_and_moves_nothing() -> None:
    state = run([screen(1), screen(1.5), screen(3)])
    assert [e.outcome for e in state.events] == ["earned", "repeat", "earned"]
    assert state.events[2].value == D("4.00")


def test_a_negative_exactly_a_day_later_earns() -> None:
    state = run([screen(1), screen(2)])
    assert [e.outcome for e in state.events] == ["earned", "earned"]


def test_a_positive_within_a_day_of_a_negative_still_resets() -> None:
    state = run([screen(1), screen(1.2, "positive"), screen(3)])
    assert state.events[1].outcome == "reset"
    assert state.events[2].value == D("2.50")


def test_the_state_says_when_the_next_reward_can_be_earned() -> None:
    state = run([screen(1)], as_of=1.5)
    assert state.rewards_from == START + timedelta(days=2)
    assert run([screen(1)], as_of=3).rewards_from is None


def test_repeats_can_be_switched_off() -> None:
    state = run([screen(1), screen(1.5)], custom(min_hours_between_rewards=0))
    assert earned(state) == [D("2.50"), D("4.00")]


def test_screens_are_replayed_in_time_order_whatever_order_they_come_in() -> None:
    screens = every_three_days(["negative", "positive", "negative"])
    assert run(list(reversed(screens))).events == run(screens).events


def test_screens_before_the_start_or_after_as_of_are_left_out() -> None:
    screens = [screen(-1, "positive"), screen(1), screen(3), screen(30, "positive")]
    state = run(screens, as_of=4)
    assert [e.result for e in state.events] == ["negative", "negative"]


def test_naive_or_reversed_moments_are_refused() -> None:
    settings_ = ContingencySettings.defaults()
    with pytest.raises(ValueError, match="timezone-aware"):
        schedule([], settings_, start=datetime(2026, 1, 1), as_of=START)
    with pytest.raises(ValueError, match="before the start"):
        schedule([], settings_, start=START, as_of=START - timedelta(days=1))


def test_the_state_as_a_dict_counts_every_kind_of_event() -> None:
    screens = [screen(1), screen(1.5), screen(3, "positive"), screen(6, "invalid"), screen(12)]
    data = run(screens).to_dict()
    assert data["counts"] == {
        "negative": 3,
        "positive": 1,
        "invalid": 1,
        "missed": 1,
        "resets": 3,
        "repeats": 1,
    }
    assert data["events"][0]["step"] == 1  # shown counting from one
    assert data["ladder"][0] == 2.5
    assert data["total"] == 2.5 + 2.5


# ---------------------------------------------------------------- settings


def test_settings_merge_over_the_defaults() -> None:
    chosen = ContingencySettings.from_mapping({"start_value": "5", "increment": 2})
    assert chosen.start_value == D("5.00")
    assert chosen.increment == D("2.00")
    assert chosen.max_value == D("20.00")


def test_settings_round_trip_through_a_dict() -> None:
    chosen = custom(start_value=3.25, invalid="hold", currency="GBP")
    assert ContingencySettings.from_mapping(chosen.to_dict()) == chosen


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"start_valu": 2}, "start_valu"),
        ({"start_value": -1}, "start_value"),
        ({"start_value": "two"}, "start_value"),
        ({"start_value": 2.505}, "start_value"),
        ({"start_value": True}, "start_value"),
        ({"increment": float("nan")}, "increment"),
        ({"max_value": 1}, "max_value"),
        ({"bonus_every": 1.5}, "bonus_every"),
        ({"bonus_every": True}, "bonus_every"),
        ({"max_days_between_screens": 0}, "max_days_between_screens"),
        ({"reset_on_missed": "yes"}, "reset_on_missed"),
        ({"invalid": "ignore"}, "invalid"),
        ({"currency": "BTC"}, "currency"),
    ],
)
def test_bad_settings_are_refused_naming_the_setting(data: dict[str, object], field: str) -> None:
    with pytest.raises(ContingencySettingsError) as raised:
        ContingencySettings.from_mapping(data)
    assert raised.value.field == field


# ---------------------------------------------------------------- properties

results_strategy = st.lists(st.sampled_from(["negative", "positive", "invalid"]), max_size=40)
gaps_strategy = st.lists(st.floats(min_value=0.1, max_value=9.0), min_size=40, max_size=40)


@settings(max_examples=150, deadline=None)
@given(results=results_strategy, gaps=gaps_strategy)
def test_the_total_is_the_sum_of_what_each_event_earned_and_never_falls(
    results: list[str], gaps: list[float]
) -> None:
    day = 0.0
    screens = []
    for result, gap in zip(results, gaps, strict=False):
        day += gap
        screens.append(screen(day, result))
    state = run(screens, as_of=day + 1)
    assert state.total == sum((e.earned for e in state.events), Decimal("0.00"))
    totals = [e.total for e in state.events]
    assert totals == sorted(totals)
    defaults = ContingencySettings.defaults()
    for event in state.events:
        assert event.value <= defaults.max_value
        assert event.earned == 0 or event.result == "negative"
